"""Slack messages as a person would read them, for the demo's printed conversation."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping

_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")


def plain(text: str, names: Mapping[str, str]) -> str:
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m.group(1), m.group(1)), text)
    text = text.replace("*", "").replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict], names: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header") and block.get("text"):
            lines += plain(block["text"]["text"], names).splitlines()
            button = block.get("accessory") or {}
            if button.get("type") == "button":
                lines.append(f"  [ {button['text']['text']} ]")
        elif kind == "context":
            lines += ["  " + plain(e.get("text", ""), names) for e in block.get("elements", [])]
        elif kind == "actions":
            lines.append("  " + "  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "input":
            lines.append(f"  {block['label']['text']}")
            lines.append("    ____________________")
        elif kind == "divider":
            lines.append("  ---")
    return lines


def _element(element: dict) -> str:
    if element.get("text"):
        return f"[ {element['text']['text']} ]"
    if element.get("type") == "datepicker":
        return f"[ {(element.get('placeholder') or {}).get('text', 'Pick a date')} 📅 ]"
    return "[ ⋯ ]" if element.get("type") == "overflow" else ""


def render_home(view: dict, names: Mapping[str, str], owner: str) -> list[str]:
    """A published App Home tab, as its person sees it."""
    return [
        f"┌ Touchpoint · Home of @{names.get(owner, owner)} ┐",
        *render_blocks(view.get("blocks", []), names),
        "└ ┘",
    ]


def render_view(view: dict, names: Mapping[str, str]) -> list[str]:
    title = view.get("title", {}).get("text", "")
    return [
        f"┌ {title} ┐",
        *render_blocks(view.get("blocks", []), names),
        f"└ [ {view.get('submit', {}).get('text', 'Close')} ] ┘",
    ]


def indent(lines: list[str], width: int = 100) -> str:
    out = []
    for line in lines:
        wrapped = textwrap.wrap(line, width=width, subsequent_indent="  ", replace_whitespace=False) or [""]
        out += ["    │ " + w for w in wrapped]
    return "\n".join(out)
