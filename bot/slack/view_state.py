"""A modal's ``view.state.values`` back into the form engine's raw input.

The same ``state.values`` shape arrives in view_submission, view_closed and block_actions
payloads: ``{block_id: {action_id: {"type": ..., <value>}}}``. Input block ids are
``q|<answer id>`` and ``q|<answer id>|<n>`` for the boxes of a narrative answer
(see :mod:`bot.slack.blocks.common`). Reading never raises: a malformed entry is skipped and
what can be read is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack.blocks.common import parse_block_id
from forms.engine import Page
from forms.model import MultiQuestion, RepeatQuestion, Section
from forms.parsing import RawRow, RawValue

_SINGLE = ("radio_buttons", "static_select")
_MULTI = ("checkboxes", "multi_static_select")
_TEXT = ("plain_text_input", "number_input")


def element_value(element: object) -> tuple[bool, str | list[str] | None]:
    """(readable, raw value) of one element's state; (False, None) for what is not understood.

    plain_text_input / number_input → ``value``; radio_buttons / static_select → the selected
    option's value; checkboxes / multi_static_select → the selected values; datepicker →
    ``selected_date``. Nothing chosen or typed is None.
    """
    if not isinstance(element, Mapping):
        return False, None
    kind = element.get("type")
    if kind in _TEXT:
        value = element.get("value")
        return True, value if isinstance(value, str) and value else None
    if kind in _SINGLE:
        option = element.get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
        return True, value if isinstance(value, str) and value else None
    if kind in _MULTI:
        options = element.get("selected_options")
        if not isinstance(options, list):
            return True, None
        values = [o.get("value") for o in options if isinstance(o, Mapping)]
        return True, [v for v in values if isinstance(v, str) and v] or None
    if kind == "datepicker":
        value = element.get("selected_date")
        return True, value if isinstance(value, str) and value else None
    return False, None


def _read(state_values: object, allowed: set[str]) -> dict[str, RawValue]:
    """Raw values of the inputs in ``state_values`` whose answer id is in ``allowed``;
    narrative boxes joined in box order with nothing added between them."""
    if not isinstance(state_values, Mapping):
        return {}
    single: dict[str, RawValue] = {}
    boxes: dict[str, dict[int, str | None]] = {}
    for block_id, actions in state_values.items():
        parsed = parse_block_id(block_id) if isinstance(block_id, str) else None
        if parsed is None or parsed[0] not in allowed or not isinstance(actions, Mapping):
            continue
        answer_id, box = parsed
        readable = [element_value(el) for el in actions.values()]
        found = next((value for ok, value in readable if ok), None)
        if not any(ok for ok, _ in readable):
            continue
        if box is None:
            single[answer_id] = found
        else:
            boxes.setdefault(answer_id, {})[box] = found if isinstance(found, str) else None
    for answer_id, parts in boxes.items():
        text = "".join(parts[n] or "" for n in sorted(parts))
        single[answer_id] = text or None
    return single


def raw_from_state(
    state_values: Any, page_or_question: Page | Section | RepeatQuestion
) -> dict[str, RawValue]:
    """The raw input of a page (every question of its section, ``<id>.other`` included) or of
    a repeat row modal (its fields), from a view's ``state.values``.

    Only inputs present in the state are returned: an absent key leaves an answer unchanged,
    a present blank one (None) clears it. Unknown block ids and malformed entries are ignored.
    """
    if isinstance(page_or_question, RepeatQuestion):
        return _read(state_values, {f.id for f in page_or_question.fields})
    section = page_or_question.section if isinstance(page_or_question, Page) else page_or_question
    allowed: set[str] = set()
    for q in section.questions:
        if isinstance(q, RepeatQuestion) or q.display_only:
            continue
        allowed.add(q.id)
        if isinstance(q, MultiQuestion) and q.other:
            allowed.add(f"{q.id}.other")
    return _read(state_values, allowed)


def raw_row_from_state(state_values: Any, question: RepeatQuestion, row_id: str) -> RawRow:
    """One repeat row (``{row_id, values}``) from the state of its row modal."""
    values: dict[str, str | list[str] | None] = {}
    for field_id, value in raw_from_state(state_values, question).items():
        if value is None or isinstance(value, str):
            values[field_id] = value
        else:
            values[field_id] = [v for v in value if isinstance(v, str)]
    return RawRow(row_id=row_id, values=values)
