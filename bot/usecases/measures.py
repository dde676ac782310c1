"""Success measures: the form to fill in, and one measure saved in its own transaction."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import FormInvalid
from bot.ids import Block
from bot.runtime import Deps
from bot.services import agreement, measures
from bot.services.measures import MeasureForm


def form(deps: Deps, team_id: str, initiative_name: str) -> MeasureForm:
    with deps.db.reading() as session:
        return measures.form(session, team_id, initiative_name)


def save(
    deps: Deps, team_id: str, initiative_id: int | None, user_id: str, values: Mapping[str, str | None]
) -> tuple[str, str, int]:
    """Store one measure and its proposal to its owner, in one transaction; returns (initiative name, measure name,
    the proposal to send after the ack), or FormInvalid with every problem."""
    if initiative_id is None:
        raise FormInvalid({Block.MEASURE_NAME: "This form doesn't belong to an initiative I know."})
    with deps.db.session() as session:
        initiative_name, measure = measures.save(session, team_id, initiative_id, user_id, values, deps.clock())
        return initiative_name, measure.name, agreement.propose(session, measure, deps.clock())
