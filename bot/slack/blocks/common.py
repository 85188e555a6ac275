"""What every agency-return modal shares: the view-model of the return, block ids, metadata.

Block ids: ``q|<answer id>`` for an input (``q|<id>|<n>`` for the n-th box of a narrative
answer), ``d|<id>`` for a display-only question, ``r|<question>`` / ``r|<question>|<row id>``
for a repeat and its rows. Every input element's action id is ``v``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.blocks.limits import (
    BUTTON_TEXT_MAX,
    PRIVATE_METADATA_MAX,
    SECTION_TEXT_MAX,
    BlockLimitError,
)
from bot.slack.blocks.text import escape_mrkdwn, excerpt, plain
from forms.model import AnyField, Question, TextSpec
from forms.parsing import JSONValue

INPUT_ACTION_ID = "v"
BOX_SIZE = 3000
MAX_BOXES = 4


@dataclass(frozen=True)
class ReturnContext:
    """Who and what a return modal is about; all raw text (builders escape it)."""

    reference: str
    pseudonym: str
    agency_name: str

    def heading(self) -> str:
        """``*<reference> · <pseudonym> · <agency>*``, escaped for mrkdwn."""
        parts = (self.reference, self.pseudonym, self.agency_name)
        return "*" + " · ".join(escape_mrkdwn(excerpt(p, 100)) for p in parts) + "*"


def question_block_id(answer_id: str, box: int | None = None) -> str:
    """``q|<answer id>``, or ``q|<answer id>|<box>`` for a narrative answer's box."""
    return f"q|{answer_id}" if box is None else f"q|{answer_id}|{box}"


def parse_block_id(block_id: str) -> tuple[str, int | None] | None:
    """(answer id, box or None) of an input block id; None for any other block id."""
    parts = block_id.split("|")
    if len(parts) == 2 and parts[0] == "q" and parts[1]:
        return parts[1], None
    if len(parts) == 3 and parts[0] == "q" and parts[1] and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None


def is_narrative(spec: Question | AnyField) -> bool:
    """A text answer longer than one Slack input can hold: shown as continuation boxes."""
    return isinstance(spec, TextSpec) and spec.max_length > BOX_SIZE


def split_boxes(text: str, max_length: int) -> list[str]:
    """The boxes a narrative answer is shown in: exact 3,000-character slices (so that
    concatenating the boxes restores the text), plus one empty box while under the box limit.
    A stored text longer than the limit still gets every box it needs: nothing is cut."""
    allowed = max(1, min(MAX_BOXES, math.ceil(max_length / BOX_SIZE)))
    needed = max(1, math.ceil(len(text) / BOX_SIZE))
    shown = max(needed, min(allowed, needed + 1))
    return [text[i * BOX_SIZE : (i + 1) * BOX_SIZE] for i in range(shown)]


def encode_meta(meta: Mapping[str, JSONValue]) -> str:
    """Compact JSON for ``private_metadata`` (a hint only: the adapter re-checks everything)."""
    text = json.dumps(dict(meta), separators=(",", ":"), ensure_ascii=False)
    if len(text) > PRIVATE_METADATA_MAX:
        raise BlockLimitError([f"/private_metadata: {len(text):,} characters, the limit is 3,000"])
    return text


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    """A button with plain text (raw, shortened to Slack's 75 characters)."""
    return ButtonElement(
        text=PlainTextObject(text=plain(text, BUTTON_TEXT_MAX)),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def json_value(**values: str) -> str:
    """A button value: compact JSON such as ``{"q":"B","row":"r1"}``."""
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


def mrkdwn_section(
    text: str, *, block_id: str | None = None, accessory: ButtonElement | None = None
) -> SectionBlock:
    """A section of (already escaped) mrkdwn, cut to Slack's 3,000 characters."""
    return SectionBlock(
        block_id=block_id,
        text=MarkdownTextObject(text=_fit(text, SECTION_TEXT_MAX)),
        accessory=accessory,
    )


def context_line(text: str, *, block_id: str | None = None) -> ContextBlock:
    """A small grey line of (already escaped) mrkdwn."""
    return ContextBlock(
        block_id=block_id, elements=[MarkdownTextObject(text=_fit(text, SECTION_TEXT_MAX))]
    )


def pack_lines(lines: Sequence[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Join mrkdwn lines into as few texts of at most ``limit`` characters as possible."""
    texts: list[str] = []
    for line in lines:
        line = _fit(line, limit)
        if texts and len(texts[-1]) + 1 + len(line) <= limit:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return texts


def _fit(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to ``limit`` without splitting an ``&amp;``-style escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
