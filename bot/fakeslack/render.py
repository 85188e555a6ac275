"""Block Kit flattened to text, and the transcript of what each person saw.

The transcript carries no times or generated ids other than view ids and file names, so
the same conversation always prints the same way.
"""

from __future__ import annotations

from typing import Any

from .state import Message, View, World


def text_of(obj: Any) -> str:
    """The text of a text object (or a bare string); empty for anything else."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return ""


def element_text(el: Any) -> str:
    """One interactive element as the user would read it."""
    if not isinstance(el, dict):
        return ""
    kind = el.get("type", "")
    if kind == "button":
        return f"[{text_of(el.get('text'))}]"
    if kind in ("static_select", "external_select", "multi_static_select"):
        chosen = el.get("initial_option") or {}
        shown = text_of(chosen.get("text")) or text_of(el.get("placeholder"))
        return f"[{shown} ▾]"
    if kind in ("users_select", "multi_users_select"):
        initial = el.get("initial_user") or ",".join(el.get("initial_users") or []) or "pick"
        return f"[user: {initial} ▾]"
    if kind == "datepicker":
        return f"[date: {el.get('initial_date') or 'pick'}]"
    if kind == "plain_text_input":
        value = str(el.get("initial_value") or "")
        return f"[text: {value}]" if value else "[text: ]"
    if kind in ("radio_buttons", "checkboxes"):
        initial = el.get("initial_options") or [el.get("initial_option")]
        picked = {_option_value(o) for o in initial}
        marks = [
            f"({'x' if _option_value(o) in picked else ' '}) {text_of(o.get('text'))}"
            for o in el.get("options") or []
        ]
        return " ".join(marks)
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    if kind in ("plain_text", "mrkdwn"):
        return text_of(el)
    return f"[{kind}]"


def _option_value(option: Any) -> str:
    return str(option.get("value")) if isinstance(option, dict) else ""


def _rich_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "user":
            return f"<@{node.get('user_id')}>"
        return "".join(_rich_text(child) for child in node.get("elements") or [])
    return ""


def block_lines(block: Any) -> list[str]:
    """One block as lines of text."""
    if not isinstance(block, dict):
        return []
    kind = block.get("type")
    if kind == "section":
        lines = text_of(block.get("text")).splitlines()
        lines += [text_of(f) for f in block.get("fields") or []]
        if "accessory" in block:
            lines.append(element_text(block["accessory"]))
        return lines
    if kind == "header":
        return [f"== {text_of(block.get('text'))} =="]
    if kind == "divider":
        return ["---"]
    if kind == "context":
        return [" · ".join(element_text(e) for e in block.get("elements") or [])]
    if kind == "actions":
        return [" ".join(element_text(e) for e in block.get("elements") or [])]
    if kind == "input":
        optional = " (optional)" if block.get("optional") else ""
        lines = [f"{text_of(block.get('label'))}{optional}: {element_text(block.get('element'))}"]
        if block.get("hint"):
            lines.append(f"  ({text_of(block['hint'])})")
        return lines
    if kind == "rich_text":
        return _rich_text(block).splitlines()
    if kind == "image":
        return [element_text(block)]
    return [f"[{kind} block]"]


def flatten_blocks(blocks: list[Any]) -> list[str]:
    """Blocks as lines of text, one line per line of text in them."""
    return [line for block in blocks for text in block_lines(block) for line in text.split("\n")]


def _message_lines(world: World, message: Message, prefix: str) -> list[str]:
    # With blocks, people see the blocks; the text is only the notification.
    text = message.text.splitlines() or [""]
    if message.blocks:
        text = [f"(notification: {' '.join(text)})"] if message.text else [""]
    lines = [f"{prefix}{text[0]}".rstrip(), *(f"    {line}" for line in text[1:])]
    lines += [f"    | {line}" for line in flatten_blocks(message.blocks)]
    for file_id in message.files:
        file = world.files[file_id]
        gone = " (deleted)" if file.deleted else ""
        size = len(file.content or b"")
        lines.append(f"    📎 {file.name} ({size} bytes){gone}")
    edits = len(message.versions) - 1
    if edits:
        lines.append(f"    (updated {edits} time{'s' if edits > 1 else ''})")
    if message.deleted:
        lines.append("    (deleted)")
    return lines


_VIEW_VERBS = {
    "views.open": "opens",
    "views.push": "pushes",
    "views.update": "updates",
    "views.publish": "home tab",
    "response_action:update": "next page",
    "response_action:push": "pushes",
}


def _view_lines(view: View, method: str, definition: dict[str, Any]) -> list[str]:
    if method == "response_action:errors":
        return [f"  errors on {view.id}:", *(f"    ! {k}: {v}" for k, v in definition.items())]
    buttons = " ".join(
        f"[{text_of(definition[key])}]" for key in ("submit", "close") if key in definition
    )
    title = text_of(definition.get("title")) or definition.get("type", "view")
    lines = [f"  {_VIEW_VERBS.get(method, method)} {view.id} “{title}” {buttons}".rstrip()]
    return lines + [f"    | {line}" for line in flatten_blocks(definition.get("blocks") or [])]


def person_lines(world: World, user_id: str | None) -> list[str]:
    """What one person saw, in order: DMs, messages only they saw, views, by sequence.
    ``None`` collects the views opened with trigger ids the fake did not mint."""
    seen: list[tuple[int, list[str]]] = []
    dm = world.dm_channel_of(user_id) if user_id else None
    if dm is not None:
        for message in world.messages[dm.id]:
            seen.append((message.seq, _message_lines(world, message, "  DM: ")))
    for message in world.ephemerals:
        if message.ephemeral_to == user_id:
            where = "DM" if dm is not None and message.channel == dm.id else message.channel
            lines = _message_lines(world, message, f"  only you, in {where}: ")
            seen.append((message.seq, lines))
    for view in world.views.values():
        if view.user == user_id:
            for seq, method, definition in view.versions:
                seen.append((seq, _view_lines(view, method, definition)))
    return [line for _, lines in sorted(seen, key=lambda item: item[0]) for line in lines]


def transcript(world: World) -> str:
    """Everything every person saw, channel by channel and then person by person."""
    out: list[str] = []
    for channel in world.channels.values():
        if channel.is_im or not world.messages[channel.id]:
            continue
        out.append(f"#{channel.name} ({channel.id})")
        for message in world.messages[channel.id]:
            out += _message_lines(world, message, "  ")
        out.append("")
    for user in world.users.values():
        lines = person_lines(world, user.id)
        if lines and not user.is_bot:
            out.append(f"{user.real_name} ({user.id})")
            out += lines
            out.append("")
    strays = person_lines(world, None)
    if strays:
        out += ["(views opened with an unregistered trigger id)", *strays]
    return "\n".join(out).rstrip() + "\n"
