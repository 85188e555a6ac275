"""The "Paste from a spreadsheet" modal of a repeat question, and the check before adding.

Pushed on top of the page by the button ``row_paste`` (value ``{"q": question}``), callback id
``paste_rows``. It has ``BOXES`` multiline boxes (block ids ``paste|0`` …, action id ``v``) of
3,000 characters each — Slack's most for one text input — so a 40-row chronology fits; a longer
one is pasted in several goes. Submitting shows the rows read (``confirm_view``, the same
callback id with the digest of those rows in ``private_metadata``) with the boxes kept below,
and "Add N rows"; only that submission saves. Problems go under the box holding the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.slack.blocks.common import (
    INPUT_ACTION_ID,
    ReturnContext,
    context_line,
    encode_meta,
    mrkdwn_section,
    pack_lines,
)
from bot.slack.blocks.limits import TEXT_INPUT_MAX, VIEW_MAX_BLOCKS
from bot.slack.blocks.rows import row_summary
from bot.slack.blocks.text import escape_mrkdwn, excerpt, mrkdwn_excerpt
from forms.model import RepeatQuestion
from forms.parsing import JSONValue
from forms.paste import PastedRow, RowProblem, columns

PASTE_CALLBACK_ID = "paste_rows"
PASTE_ACTION_ID = "row_paste"
BOXES = 4
PASTE_ERROR_MAX = 600
"""An error under a box lists each bad row in it with the reason: longer than the one-line
errors of the other modals (Slack documents no limit), cut with "… and N more" past this."""
DATE_FORMATS = "14/03/2025, 2025-03-14, 14 Mar 2025, 03/2025, March 2025 or 2025"


def box_id(n: int) -> str:
    return f"paste|{n}"


def paste_view(
    *,
    question: RepeatQuestion,
    context: ReturnContext,
    meta: Mapping[str, JSONValue],
    reference: str,
    parts: Sequence[str] = (),
) -> dict[str, Any]:
    """The modal with the empty boxes (or ``parts`` typed before), and how to fill them."""
    order = " · ".join(escape_mrkdwn(c) for c in columns(question))
    blocks: list[Block] = [
        mrkdwn_section(
            f"{context.heading()}\n*{escape_mrkdwn(excerpt(question.text, 200))}* — paste rows "
            "copied from a spreadsheet",
            block_id="hdr",
        ),
        mrkdwn_section(
            f"One {escape_mrkdwn(question.row_label.lower())} per line, columns in this order "
            f"(leave a cell empty if it doesn't apply):\n{order}\nA heading row is fine: the "
            f"columns are then matched by their names. Dates: {DATE_FORMATS}. Several choices "
            "in one cell: separate them with ; (e.g. Mother; Father).",
            block_id="how",
        ),
        context_line(
            f"The columns as a CSV file: `/rrm template {escape_mrkdwn(reference)}`. Each box "
            "takes 3,000 characters: paste more rows in the next box, or add them in another go."
            " Nothing is saved until you check the rows and press Add.",
            block_id="tip",
        ),
        *_boxes(parts),
    ]
    view = View(
        type="modal",
        callback_id=PASTE_CALLBACK_ID,
        title=PlainTextObject(text="Paste rows"),
        submit=PlainTextObject(text="Check rows"),
        close=PlainTextObject(text="Cancel"),
        notify_on_close=True,
        private_metadata=encode_meta(meta),
        blocks=blocks,
    )
    return view.to_dict()


def confirm_view(
    *,
    question: RepeatQuestion,
    context: ReturnContext,
    meta: Mapping[str, JSONValue],
    rows: Sequence[PastedRow],
    parts: Sequence[str],
    notice: str | None = None,
) -> dict[str, Any]:
    """The rows read, numbered as pasted, for the contact to check; the boxes stay below so a
    row can still be corrected (the rows are then checked and shown again)."""
    label = question.row_label.lower()
    count = f"{len(rows)} {label}{'' if len(rows) == 1 else 's'}"
    top: list[Block] = []
    if notice:
        top.append(mrkdwn_section(f"⚠ {escape_mrkdwn(notice)}", block_id="notice"))
    top.append(
        mrkdwn_section(
            f"{context.heading()}\n*Check these {count}* before they are added to "
            f"*{escape_mrkdwn(excerpt(question.text, 200))}*:",
            block_id="hdr",
        )
    )
    lines = [
        f"*{row.number}.* {mrkdwn_excerpt(row_summary(question, row.values), 150)}" for row in rows
    ]
    listed: list[Block] = [
        mrkdwn_section(text, block_id=f"rows|{n}") for n, text in enumerate(pack_lines(lines))
    ]
    tail: list[Block] = [
        context_line(
            "To change a row, correct it in the text below and press Add: the rows are checked "
            "and shown again before anything is saved. Cancel adds nothing.",
            block_id="tip",
        ),
        *_boxes(parts),
    ]
    room = VIEW_MAX_BLOCKS - len(top) - len(tail)
    if len(listed) > room:  # never with 200 rows of 150 characters; kept within Slack's limit
        listed = [*listed[: room - 1], context_line(f"… and more: {count} in all.")]
    submit = f"Add {count}" if len(count) <= 20 else f"Add {len(rows)} rows"
    view = View(
        type="modal",
        callback_id=PASTE_CALLBACK_ID,
        title=PlainTextObject(text="Check pasted rows"),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        notify_on_close=True,
        private_metadata=encode_meta(meta),
        blocks=[*top, *listed, *tail],
    )
    return view.to_dict()


def _boxes(parts: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    for n in range(BOXES):
        text = parts[n] if n < len(parts) else ""
        label = "Rows" if n == 0 else f"More rows (box {n + 1}, if they don't fit above)"
        blocks.append(
            InputBlock(
                block_id=box_id(n),
                label=PlainTextObject(text=label),
                optional=True,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION_ID,
                    multiline=True,
                    max_length=TEXT_INPUT_MAX,
                    initial_value=text[:TEXT_INPUT_MAX] or None,
                ),
            )
        )
    return blocks


def paste_errors(problems: Sequence[RowProblem]) -> dict[str, str]:
    """``response_action: errors`` for the problems: under each box, its bad rows and why."""
    by_box: dict[int, list[str]] = {}
    for problem in problems:
        by_box.setdefault(min(max(problem.part, 0), BOXES - 1), []).append(problem.message)
    errors = {}
    for box, messages in by_box.items():
        bad = len(messages)
        head = f"{bad} row{'' if bad == 1 else 's'} can't be added — " if bad > 1 else ""
        text = head + messages[0]
        for n, message in enumerate(messages[1:], 1):
            more = f" … and {bad - n} more"
            if len(text) + 3 + len(message) + len(more) > PASTE_ERROR_MAX:
                text += more
                break
            text += " · " + message
        errors[box_id(box)] = excerpt(text, PASTE_ERROR_MAX)
    return errors


def read_boxes(state_values: object) -> list[str]:
    """The text of each box, in box order ("" for an empty or unreadable one)."""
    found = []
    for n in range(BOXES):
        entry = state_values.get(box_id(n)) if isinstance(state_values, Mapping) else None
        element = entry.get(INPUT_ACTION_ID) if isinstance(entry, Mapping) else None
        value = element.get("value") if isinstance(element, Mapping) else None
        found.append(value if isinstance(value, str) else "")
    return found
