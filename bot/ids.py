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
    PLAN = "plan"
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
    PLAN = "plan_edit"
    PLAN_OFF = "plan_something_off"
    PLAN_COMMIT = "plan_commitment"
    PLANNING = "business_calendar_planning"
    CALIBRATION_SESSION = "calibration_session"
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
    PLAN_MATCHES = "plan_matches"
    PLAN_OFF = "plan_something_off"
    PLAN_COMMIT = "plan_commit"
    PLANNING_ANSWER = "business_calendar_answer"
    RECORD_CALIBRATION = "calibration_record"  # in the calibration pack, and on the L&D Home
    CALIBRATION_OUTCOME = "calibration_send_outcome"
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
    HOME_PLAN = "home_plan"


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
    CALIBRATION_FIRST = "calibration_first"
    CALIBRATION_SECOND = "calibration_second"
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
    PLANNING_WEEKS = "planning_weeks"
    # The business calendar's planning modal (the busy weeks: these prefixes and the range's number, 1 to N)
    PLANNING_MATTERS = "planning_matters"
    PLANNING_BUSY_TEXT = "planning_busy_text"
    PLANNING_BUSY_FROM_PREFIX = "planning_busy_from_"
    PLANNING_BUSY_TO_PREFIX = "planning_busy_to_"
    # The follow-up outcome modal
    OUTCOME = "shift_outcome"
    OUTCOME_NOTE = "shift_outcome_note"
    # The stakeholder map modal: these prefixes and the pair's id (one of each per stakeholder)
    MAP_QUADRANT_PREFIX = "map_quadrant_"
    MAP_CADENCE_PREFIX = "map_cadence_"
    # The plan modal: this prefix and the element (bot.services.plans.FIELDS), and "ask for sign-off"
    PLAN_PREFIX = "plan_"
    PLAN_ASK = "plan_ask"
    # A stakeholder's "Something's off" and "What I will do to help"
    PLAN_COMMENT = "plan_comment"
    PLAN_COMMITMENT = "plan_commitment"
    # The calibration session modal
    CALIBRATION_DATE = "calibration_date"
    CALIBRATION_PEOPLE = "calibration_people"
    CALIBRATION_AGREED = "calibration_agreed"
    CALIBRATION_CHANGES = "calibration_changes"


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
    PLAN_SIGNOFF = "plan_signoff"
    PLANNING_ASKED = "planning_asked"
    CALIBRATION_PACK_SENT = "calibration_pack_sent"
    CALIBRATION_OUTCOME_SENT = "calibration_outcome_sent"


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
