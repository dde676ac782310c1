"""The workbook shows the stakeholder map: each pair's influence, interest, quadrant and touchpoints on the
Stakeholders sheet, and a 2x2 grid of names per quadrant in each initiative's block of the Plan sheet."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col, select

from bot.exports import workbook
from bot.services import exporting
from storage.models import InitiativeStakeholder, Stakeholder
from tests.conftest import CHECK_INS_OUT, OLU, SAM, TEAM

NOW = CHECK_INS_OUT


def _put(db, user_id: str, influence: str, interest: str, cadence: str = "quadrant") -> None:
    with db.session() as session:
        [person] = session.exec(select(Stakeholder).where(Stakeholder.user_id == user_id)).all()
        session.execute(
            update(InitiativeStakeholder)
            .where(col(InitiativeStakeholder.stakeholder_id) == person.id)
            .values(influence=influence, interest=interest, cadence=cadence)
        )


def _workbook(db, scope: exporting.Scope):
    out = io.BytesIO()
    with db.reading() as session:
        workbook.write(exporting.collect(session, scope, NOW, "Europe/London"), out)
    return load_workbook(io.BytesIO(out.getvalue()))


def test_the_stakeholders_sheet_and_the_plan_show_the_map(checked_in):
    _app, world = checked_in
    _put(world.db, SAM, "low", "high")
    _put(world.db, OLU, "high", "low", "checkins_reviews")
    wb = _workbook(world.db, exporting.Scope(TEAM))
    sheet = list(wb["Stakeholders"].iter_rows(values_only=True))
    header = sheet[0]
    assert header[-4:] == ("Influence", "Interest", "Quadrant", "Touchpoints")
    by_user = {r[1]: r[-4:] for r in sheet[1:]}
    assert by_user[SAM] == ("low", "high", "Keep informed", "Status updates only")
    assert by_user[OLU] == ("high", "low", "Keep satisfied", "Check-ins and reviews")  # the override

    plan = list(wb["Plan"].iter_rows(values_only=True))
    at = next(n for n, r in enumerate(plan) if r[0] == "Stakeholder map")
    assert plan[at][1:3] == ("Low interest", "High interest")
    assert plan[at + 1][:3] == ("   High influence", "Keep satisfied: Olu", "Manage closely: -")
    assert plan[at + 2][:3] == ("   Low influence", "Monitor: -", "Keep informed: Sam")


def test_a_stakeholders_own_export_does_not_say_where_they_sit(checked_in):
    _app, world = checked_in
    _put(world.db, SAM, "low", "low")
    with world.db.reading() as session:
        [sam] = session.exec(select(Stakeholder).where(Stakeholder.user_id == SAM)).all()
    wb = _workbook(world.db, exporting.Scope(TEAM, None, sam.id, title="Your answers"))
    [_, row] = list(wb["Stakeholders"].iter_rows(values_only=True))
    assert row[1] == SAM and all(v in (None, "") for v in row[-4:])
