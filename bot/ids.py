"""Every Slack id the app owns, used by the Block Kit builders, the listener registrations and manifest.json."""

from enum import StrEnum

COMMAND = "/touchpoint"


class Subcommand(StrEnum):
    NEW = "new"
    LIST = "list"
    HELP = "help"


class Callback(StrEnum):
    NEW_INITIATIVE = "initiative_new"
    ANSWER = "touchpoint_answer"


class Action(StrEnum):
    OPEN_ANSWER = "touchpoint_open_answer"
    LIST_PAGE = "initiative_list_page"


class Block(StrEnum):
    NAME = "name"
    GOAL = "business_goal"
    DESCRIPTION = "description"
    STAKEHOLDERS = "stakeholders"
    CHANNEL = "summary_channel"
    IMPACT = "impact"
    TRACKING = "tracking"


class Element(StrEnum):
    """The action_id of the single input element inside each input block."""

    VALUE = "value"


class Event(StrEnum):
    USER_CHANGE = "user_change"


class MessageEvent(StrEnum):
    """Event types put in message metadata, so a touchpoint's DM can be found again in the conversation history."""

    TOUCHPOINT_SENT = "touchpoint_sent"
