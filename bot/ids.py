"""Every Slack id the app owns, used by the Block Kit builders, the listener registrations and manifest.json."""

from enum import StrEnum

COMMAND = "/touchpoint"
USER_ID = r"[UW][A-Z0-9]{2,}"  # a Slack user id (W… for Enterprise Grid)


class Subcommand(StrEnum):
    NEW = "new"
    LIST = "list"
    SCHEDULE = "schedule"
    UPCOMING = "upcoming"
    PAUSE = "pause"
    DIGEST = "digest"
    SHIFTS = "shifts"
    ALIGNMENT = "alignment"
    MEASURES = "measures"
    EXPORT = "export"
    IMPORT = "import"
    EDIT = "edit"
    CLOSE = "close"
    REOPEN = "reopen"
    RETIRE = "retire"
    DELETE = "delete"  # `delete my data`: everything the team stored, at once
    HELP = "help"


class Callback(StrEnum):
    NEW_INITIATIVE = "initiative_new"
    ANSWER = "touchpoint_answer"
    SCHEDULE = "initiative_schedule"
    DIGEST_SETTINGS = "digest_settings"
    MEASURE = "measure_confirm"
    EDIT_INITIATIVE = "initiative_edit"
    TEAM_SETTINGS = "team_settings"
    SHIFT_OUTCOME = "shift_outcome"
    STAKEHOLDER_MAP = "stakeholder_map"
    MEASURE_CORRECTION = "measure_correction"
    DELETE_DATA = "team_data_delete"


class Action(StrEnum):
    OPEN_ANSWER = "touchpoint_open_answer"
    SNOOZE = "touchpoint_snooze"
    SKIP = "touchpoint_skip"
    AWAY = "touchpoint_away"
    LIST_PAGE = "initiative_list_page"
    FOLLOW_UP = "shift_follow_up"
    RECORD_OUTCOME = "shift_record_outcome"
    CHANGE_ANSWER = "touchpoint_change_answer"
    MEASURE_AGREE = "measure_agree"
    MEASURE_CORRECT = "measure_correct"
    # On the App Home tab
    HOME_AWAY = "home_away"
    HOME_EXPORT_MINE = "home_export_mine"
    HOME_NEW_INITIATIVE = "home_new_initiative"
    HOME_SCHEDULE = "home_schedule"
    HOME_MEASURES = "home_measures"
    HOME_EXPORT = "home_export"
    HOME_PAGE = "home_page"
    HOME_REVISE = "home_revise"
    HOME_EDIT = "home_edit"
    HOME_TEAM_SETTINGS = "home_team_settings"
    HOME_MAP = "home_stakeholder_map"


class Block(StrEnum):
    DELETE_CONFIRM = "delete_confirm"
    NAME = "name"
    GOAL = "business_goal"
    DESCRIPTION = "description"
    STAKEHOLDERS = "stakeholders"
    CHANNEL = "summary_channel"
    STATUS = "initiative_status"  # the edit modal's Open / Closed
    # Answer blocks share their ids with the questions they answer (storage.models.Question).
    IMPACT = "impact"
    TRACKING = "tracking"
    PRIORITIES_SHIFTED = "priorities_shifted"
    MATTERS_MOST = "matters_most"
    ON_TRACK = "on_track"
    NOTES = "notes"
    ALIGNMENT = "alignment"
    ADJUST = "adjust"
    # Asked beside a revisable impact statement: has what they want changed, or only its wording?
    IMPACT_JUDGEMENT = "impact_judgement"
    # The schedule modal
    KINDS = "kinds"
    DAY_RULE = "day_rule"
    NTH = "nth"
    WEEKDAY = "weekday"
    SEND_TIME = "send_time"
    FISCAL_START = "fiscal_year_start"
    WORKING_DAYS = "working_days"
    QUIET_LAST_DAYS = "quiet_last_days"
    QUIET_RANGES = "quiet_ranges"
    REMINDER_AFTER = "reminder_after"
    MISSED_AFTER = "missed_after"
    # The measures modal
    MEASURE_NAME = "measure_name"
    MEASURE_OWNER = "measure_owner"
    MEASURE_SOURCE = "measure_source"
    MEASURE_UNIT = "measure_unit"
    MEASURE_DIRECTION = "measure_direction"
    BASELINE = "baseline"
    BASELINE_ON = "baseline_on"
    TARGET = "target"
    TARGET_ON = "target_on"
    # A check-in's reading of a measure: this prefix and the measure's id
    READING_PREFIX = "reading_"
    # The digest settings modal
    DIGEST_WEEKDAY = "digest_weekday"
    DIGEST_TIME = "digest_time"
    DIGEST_CHANNEL = "digest_channel"
    # The team settings modal (with the digest's three above)
    LD_CHANNEL = "ld_channel"
    LD_MEMBERS = "ld_members"
    LD_USERGROUP = "ld_usergroup"
    # The follow-up outcome modal
    OUTCOME = "shift_outcome"
    OUTCOME_NOTE = "shift_outcome_note"
    # The stakeholder map modal: these prefixes and the pair's id (one of each per stakeholder)
    MAP_QUADRANT_PREFIX = "map_quadrant_"
    MAP_CADENCE_PREFIX = "map_cadence_"


class Element(StrEnum):
    """The action_id of the single input element inside each input block."""

    VALUE = "value"


class Event(StrEnum):
    USER_CHANGE = "user_change"
    MESSAGE = "message"  # in the app's DMs: a workbook sent for import
    HOME_OPENED = "app_home_opened"
    APP_UNINSTALLED = "app_uninstalled"  # a workspace removed the app: stop everything for it
    TOKENS_REVOKED = "tokens_revoked"


# The event subscriptions manifest.json declares, for each event the app listens to.
SUBSCRIPTIONS = {
    Event.USER_CHANGE: "user_change",
    Event.MESSAGE: "message.im",
    Event.HOME_OPENED: "app_home_opened",
    Event.APP_UNINSTALLED: "app_uninstalled",
    Event.TOKENS_REVOKED: "tokens_revoked",
}


class MessageEvent(StrEnum):
    """Event types put in message metadata, so a touchpoint's DM can be found again in the conversation history."""

    TOUCHPOINT_SENT = "touchpoint_sent"
    SHIFT_SUMMARY_POSTED = "shift_summary_posted"
    DIGEST_POSTED = "digest_posted"
    ANSWER_SUMMARY_POSTED = "answer_summary_posted"
    MEASURE_PROPOSED = "measure_proposed"
    MAP_MESSAGE_SENT = "map_message_sent"


class Shortcut(StrEnum):
    """Global shortcuts (manifest.json's features.shortcuts)."""

    NEW_INITIATIVE = "initiative_new_shortcut"


# The bot scopes "Add to Slack" asks for: manifest.json's oauth_config.scopes.bot, in its order.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "users:read",
    "usergroups:read",
    "channels:join",
    "channels:read",
    "groups:read",
    "files:write",
    "files:read",
)
