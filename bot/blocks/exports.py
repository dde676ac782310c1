"""Messages about workbooks: how to import, what an import did."""

from __future__ import annotations

from bot.blocks import Message
from bot.blocks.common import context, escape, section
from bot.ids import COMMAND
from bot.services.importing import Imported

TEMPLATE_COMMENT = (
    "The import template: fill in the Initiatives and Stakeholders sheets, then send the file back "
    "here with the message “import”."
)


def import_instructions() -> Message:
    text = (
        "*Importing initiatives from a workbook*\n"
        f"1. Start from an export (`{COMMAND} export`) or the blank template (`{COMMAND} import template`).\n"
        "2. Send the .xlsx to me in our DM (the Messages tab of Touchpoint), with the message `import`.\n"
        "It is all or nothing: if any row has a problem, nothing is imported and I list every problem by sheet, "
        "row and column. Up to 10 MB and 100,000 rows."
    )
    return Message(text="How to import initiatives from a workbook", blocks=[section(text)])


def imported(file_name: str, done: Imported) -> Message:
    counts = (
        f"{done.initiatives} initiative{'s' if done.initiatives != 1 else ''} "
        f"and {done.stakeholders} stakeholder{'s' if done.stakeholders != 1 else ''}."
    )
    text = f"Imported *{escape(file_name)}*: {counts}"
    return Message(
        text=f"Imported {escape(file_name)}: {counts}",
        blocks=[
            section(text),
            context(
                f"Each stakeholder gets the two alignment questions in a DM with the next scheduling pass "
                f"({done.kickoffs} DMs). `{COMMAND} list` shows the initiatives."
            ),
        ],
    )


def workbook_shared(title: str, *, own: bool) -> Message:
    """The comment on an exported workbook in the requester's DM; `title` is an initiative's name, or "Your answers"
    for a person's own (lower-cased in the sentence)."""
    return Message(text=f"Here is the workbook of {escape(title.lower() if own else title)}.")
