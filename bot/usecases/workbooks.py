"""Workbooks over Slack: an export shared in the requester's DM, an import of a file sent to the app's DM, and the
blank import template."""

from __future__ import annotations

import io
import re
from datetime import datetime

from bot.blocks import exports as export_blocks
from bot.exports import reading, template, workbook
from bot.services import exporting, importing, team_settings
from bot.usecases.outbound import Outbound


def workbook_name(title: str, now: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "export"
    return f"touchpoint-{slug}-{now:%Y-%m-%d}.xlsx"


def export_to_dm(out: Outbound, scope: exporting.Scope, user_id: str, tz: str) -> str:
    """Build the workbook of `scope` and share it in the requester's DM; returns the file name."""
    now = out.clock()
    buffer = io.BytesIO()
    with out.db.reading() as session:
        workbook.write(exporting.collect(session, scope, now, tz), buffer)
    filename = workbook_name(scope.title, now)
    channel_id = out.slack.open_dm(user_id)
    out.slack.upload(
        channel_id,
        filename,
        buffer.getvalue(),
        title=f"Touchpoint: {scope.title}",
        comment=export_blocks.workbook_shared(scope.title, own=bool(scope.stakeholder_id)).text,
    )
    return filename


def import_from_slack(out: Outbound, team_id: str, user_id: str, file_id: str) -> None:
    """Import a workbook someone sent to the app's DM, and tell them how it went there (refusals raise)."""
    info, content = out.slack.download(file_id, reading.SIZE_MAX)
    name = str(info.get("name") or "workbook")
    if content is None or len(content) > reading.SIZE_MAX:
        raise reading.FileRefused(f"“{name}” is over 10 MB; workbooks up to 10 MB can be imported.")
    reading.check(name, content)  # before asking Slack for the member list
    directory = out.slack.directory()
    with out.db.session() as session:
        ld_channel = team_settings.ld_channel(session, team_id, out.default_channel)
        done = importing.run(
            session, team_id, name, content, directory, user_id, ld_channel, out.clock(), out.default_tz
        )
    message = export_blocks.imported(name, done)
    out.slack.post(user_id, message.text, message.blocks)


def template_to_dm(out: Outbound, user_id: str) -> None:
    buffer = io.BytesIO()
    template.write(buffer)
    out.slack.upload(
        out.slack.open_dm(user_id),
        "touchpoint-import-template.xlsx",
        buffer.getvalue(),
        title="Touchpoint import template",
        comment=export_blocks.TEMPLATE_COMMENT,
    )
