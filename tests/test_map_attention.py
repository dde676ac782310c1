"""High-influence stakeholders who go quiet or rate the initiative lower come first in the digest and the L&D Home,
and the initiative's owner hears of each such event once, in a DM (tried again when Slack refuses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import update
from sqlmodel import col, select

from bot.blocks.digest import attention_line
from bot.ids import Action, Block
from bot.services import digest
from storage.models import InitiativeStakeholder, MapMessage, MapMessageKind, PostStatus, Stakeholder
from tests.conftest import CHECK_INS_OUT, LENA, OLU, SAM, TEAM
from tests.flows import all_text, open_form, submit_form

AT = CHECK_INS_OUT + timedelta(minutes=10)
MARCH_CHECK_INS = datetime(2027, 3, 9, 15, tzinfo=UTC)  # 10:00 in New York, before its summer time


def _alerts(db) -> list[MapMessage]:
    with db.reading() as session:
        found = session.exec(select(MapMessage).order_by(col(MapMessage.id))).all()
    return [m for m in found if m.kind != MapMessageKind.STATUS]


def _set_pair(db, user_id: str, **values) -> None:
    with db.session() as session:
        [person] = session.exec(select(Stakeholder).where(Stakeholder.user_id == user_id)).all()
        session.execute(
            update(InitiativeStakeholder).where(col(InitiativeStakeholder.stakeholder_id) == person.id).values(**values)
        )


def _dms_to(slack, user_id: str, words: str) -> list:
    return [m for m in slack.messages_in(slack.dm_channel(user_id)) if words in all_text(m)]


def _attention(db, now: datetime):
    with db.reading() as session:
        return digest.build(session, TEAM, now, "2027-03-15").attention


def _check_in(app, world, rating: str, at: datetime) -> None:
    view = open_form(app, SAM, world.touchpoint_dms(SAM)[-1], at)
    values = {
        Block.PRIORITIES_SHIFTED: "No",
        Block.MATTERS_MOST: "New reps closing a deal in their first month",
        Block.ON_TRACK: rating,
        Block.NOTES: "",
    }
    reply = submit_form(app, SAM, view, values, at)
    assert reply.status == 200 and reply.body == "", reply


def test_a_high_influence_stakeholder_whose_rating_drops_comes_first_and_the_owner_hears_once(checked_in, slack):
    app, world = checked_in
    _check_in(app, world, "4", AT)
    world.run(MARCH_CHECK_INS)
    assert not _alerts(world.db)
    later = MARCH_CHECK_INS + timedelta(minutes=10)
    _check_in(app, world, "3", later)
    first = _attention(world.db, later)[0]
    assert (first.reason, first.user_ids, first.value, first.before) == ("high_influence", (SAM,), 3, 4)
    assert "(high influence) rated it lower than last time: 3/5, was 4/5" in attention_line(first)

    world.run(later + timedelta(minutes=1))
    world.run(later + timedelta(minutes=2))
    [alert] = _alerts(world.db)
    assert (alert.kind, alert.to_user_id, alert.status) == (MapMessageKind.RATING_DROP, LENA, PostStatus.POSTED)
    assert len(_dms_to(slack, LENA, "rated it lower than last time (3/5, was 4/5)")) == 1

    # Once it is low-influence, it is no longer an attention item of its own.
    _set_pair(world.db, SAM, influence="low")
    assert "high_influence" not in [a.reason for a in _attention(world.db, later)]


def _pair_of(db, user_id: str) -> InitiativeStakeholder:
    with db.reading() as session:
        [person] = session.exec(select(Stakeholder).where(Stakeholder.user_id == user_id)).all()
        [pair] = session.exec(
            select(InitiativeStakeholder).where(InitiativeStakeholder.stakeholder_id == person.id)
        ).all()
    return pair


def test_correcting_a_rating_keeps_the_one_before_it_as_the_previous(checked_in):
    app, world = checked_in
    _check_in(app, world, "4", AT)
    assert (_pair_of(world.db, SAM).rating, _pair_of(world.db, SAM).previous_rating) == (4, None)
    world.run(MARCH_CHECK_INS)
    later = MARCH_CHECK_INS + timedelta(minutes=10)
    _check_in(app, world, "5", later)
    dm = world.touchpoint_dms(SAM)[-1]
    with freeze_time(later + timedelta(minutes=5), tick=True):
        before = len(app.slack.views_for(SAM))
        assert app.workspace.click(SAM, dm.channel, dm.ts, Action.CHANGE_ANSWER).status == 200
        view = app.slack.wait_for(lambda: app.slack.views_for(SAM)[before:])[0]
    prefilled = {
        b["block_id"]: b["element"].get("initial_value") or (b["element"].get("initial_option") or {}).get("value")
        for b in view["blocks"]
        if b.get("type") == "input"
    }
    submit_form(app, SAM, view, {**prefilled, Block.ON_TRACK: "3"}, later + timedelta(minutes=6))
    pair = _pair_of(world.db, SAM)
    assert (pair.rating, pair.previous_rating) == (3, 4)  # compared with February's, not with the mis-tap


def test_two_silent_cycles_of_a_high_influence_stakeholder_alert_the_owner_once_even_when_slack_refuses_first(
    checked_in, slack
):
    _app, world = checked_in
    _set_pair(world.db, OLU, silent_cycles=2)
    _set_pair(world.db, SAM, silent_cycles=2, influence="low")  # low influence: the digest's silent item only
    to_lena = lambda args: args.get("channel") in (LENA, slack.dm_channel(LENA))  # noqa: E731
    slack.fail("chat.postMessage", "internal_error", times=1, when=to_lena)
    world.run(AT)
    [alert] = _alerts(world.db)
    assert (alert.kind, alert.status, alert.attempts) == (MapMessageKind.SILENT, PostStatus.PENDING, 1)
    world.run(AT + timedelta(minutes=1))
    world.run(AT + timedelta(minutes=2))
    [alert] = _alerts(world.db)
    assert alert.status == PostStatus.POSTED and alert.attempts == 2
    [dm] = _dms_to(slack, LENA, "has not answered the last 2 check-ins or reviews")
    assert f"<@{OLU}>" in all_text(dm)
    reasons = [(a.reason, a.user_ids) for a in _attention(world.db, AT)]
    assert reasons[0] == ("high_influence", (OLU,)) and ("high_influence", (SAM,)) not in reasons


def test_the_ld_home_shows_the_high_influence_item_first(checked_in, slack):
    app, world = checked_in
    _set_pair(world.db, OLU, silent_cycles=3)
    with freeze_time(AT, tick=True):
        assert app.workspace.open_home(LENA, event_id="EvMapHome1").status == 200
        app.settle()
    text = all_text_of_home(slack.home_of(LENA))
    assert text.index("(high influence) silent for 3 check-ins") < text.index("silent for two check-ins or more")


def all_text_of_home(view: dict) -> str:
    import json

    return json.dumps(view["blocks"])
