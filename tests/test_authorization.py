"""Who may use each listener is declared where it is registered: every listener the app has is in one of the lists
below, and a new one fails here until someone decides whether it is for L&D members only."""

from __future__ import annotations

from bot.ids import Subcommand
from handlers.authorization import LdOnly
from handlers.commands import ROUTES

LD_ONLY = {
    "handlers.commands.on_list_page",
    "handlers.new_initiative.on_submit",
    "handlers.edit_initiative.on_edit_button",
    "handlers.edit_initiative.on_submit",
    "handlers.new_initiative.on_shortcut",
    "handlers.schedule_modal.on_submit",
    "handlers.shift_actions.on_follow_up",
    "handlers.shift_actions.on_record_outcome",
    "handlers.shift_actions.on_outcome_submit",
    "handlers.digest_settings.on_submit",
    "handlers.measures.on_submit",
    "handlers.events.on_direct_message",  # only a workbook sent for import reaches it (its matcher)
    "handlers.home.on_new_initiative",
    "handlers.home.on_schedule",
    "handlers.home.on_measures",
    "handlers.home.on_export",
    "handlers.home.on_page",
    "handlers.team_settings.on_open",
    "handlers.team_settings.on_submit",
    "handlers.stakeholder_map.on_map_button",
    "handlers.stakeholder_map.on_submit",
    "handlers.plans.on_plan_button",
    "handlers.plans.on_plan_submit",
    "handlers.calibration.on_record",
    "handlers.calibration.on_submit",
    "handlers.calibration.on_send_outcome",
    "handlers.delete_data.on_submit",
}
OPEN = {
    "handlers.commands.on_command",  # each subcommand says who may use it: see below
    "handlers.answers.on_open",
    "handlers.answers.on_change",
    "handlers.answers.on_submit",
    "handlers.touchpoint_actions.on_snooze",
    "handlers.touchpoint_actions.on_skip",
    "handlers.touchpoint_actions.on_away",
    "handlers.events.on_user_change",
    "handlers.events.on_other_message",
    "handlers.installs.on_removed",  # Slack's own word that the app is gone (no user acts)
    "handlers.home.on_home_opened",  # each person sees their own Home (an L&D member's is the team's)
    "handlers.home.on_away",  # a stakeholder's own buttons on their Home
    "handlers.home.on_export_mine",
    "handlers.home.on_revise",
    "handlers.measure_agreement.on_agree",  # only the measure's owner: the use case checks
    "handlers.measure_agreement.on_correct",
    "handlers.measure_agreement.on_correction_submit",
    "handlers.plans.on_matches",  # only the stakeholder the plan was sent to: the use case checks
    "handlers.plans.on_off",
    "handlers.plans.on_commit",
    "handlers.plans.on_off_submit",
    "handlers.plans.on_commit_submit",
    "handlers.business_calendar.on_open",  # only the stakeholder it was sent to: the use case checks
    "handlers.business_calendar.on_submit",
}
LD_ONLY_SUBCOMMANDS = {
    Subcommand.NEW,
    Subcommand.LIST,
    Subcommand.EDIT,
    Subcommand.CLOSE,
    Subcommand.REOPEN,
    Subcommand.RETIRE,
    Subcommand.SCHEDULE,
    Subcommand.UPCOMING,
    Subcommand.PAUSE,
    Subcommand.DIGEST,
    Subcommand.SHIFTS,
    Subcommand.ALIGNMENT,
    Subcommand.PLAN,
    Subcommand.MEASURES,
    Subcommand.IMPORT,
    Subcommand.DELETE,
}
OPEN_SUBCOMMANDS = {Subcommand.EXPORT}  # and help, for anything not routed


def _listeners(app) -> dict[str, bool]:
    found = {}
    for listener in app.touchpoint.bolt._listeners:
        function = listener.ack_function
        found[f"{function.__module__}.{function.__name__}"] = any(isinstance(m, LdOnly) for m in listener.middleware)
    return found


def test_every_listener_is_declared_ld_only_or_open(app):
    listeners = _listeners(app)
    assert set(listeners) == LD_ONLY | OPEN, "a listener appeared or went: put it in LD_ONLY or OPEN"
    assert {name for name, ld_only in listeners.items() if ld_only} == LD_ONLY


def test_every_subcommand_is_declared_ld_only_or_open():
    assert set(ROUTES) == LD_ONLY_SUBCOMMANDS | OPEN_SUBCOMMANDS
    assert {name for name, route in ROUTES.items() if route.ld_only} == LD_ONLY_SUBCOMMANDS
    assert Subcommand.HELP not in ROUTES  # help is for everyone
