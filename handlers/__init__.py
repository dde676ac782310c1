"""Bolt listeners, one module per Slack feature, each with its own register(app)."""

from slack_bolt import App

from handlers import (
    answers,
    business_calendar,
    calibration,
    commands,
    delete_data,
    digest_settings,
    edit_initiative,
    errors,
    events,
    home,
    installs,
    measure_agreement,
    measures,
    new_initiative,
    plans,
    schedule_modal,
    shift_actions,
    stakeholder_map,
    team_settings,
    touchpoint_actions,
)


def register(app: App) -> None:
    for feature in (
        errors,
        commands,
        new_initiative,
        edit_initiative,
        answers,
        touchpoint_actions,
        schedule_modal,
        shift_actions,
        digest_settings,
        measures,
        measure_agreement,
        events,
        home,
        installs,
        delete_data,
        team_settings,
        stakeholder_map,
        plans,
        business_calendar,
        calibration,
    ):
        feature.register(app)
