"""Lengths Touchpoint accepts, kept inside Block Kit's own limits so that anything stored can be shown again."""

NAME_MAX = 80
GOAL_MAX = 300
DESCRIPTION_MAX = 2000
ANSWER_MAX = 2000
STAKEHOLDERS_MAX = 25
LIST_PAGE_SIZE = 10
