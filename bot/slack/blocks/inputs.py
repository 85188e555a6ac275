"""One question (or repeat field) as input blocks: the element mapping shared by every modal.

yes_no/single → radio buttons (≤ 10 options) or a static select; multi → checkboxes (≤ 10) or a
multi select, plus a ``<id>.other`` text box when ``other`` is on; text → plain_text_input, or up
to four 3,000-character boxes for a narrative (``max_length`` > 3,000); date → datepicker for a
day, a text box for a month/year or a time; datetime → a text box (a datetimepicker's epoch
value needs a time zone); number → number_input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.slack.blocks.common import (
    BOX_SIZE,
    INPUT_ACTION_ID,
    is_narrative,
    question_block_id,
    split_boxes,
)
from bot.slack.blocks.limits import (
    CHECKBOX_OPTIONS_MAX,
    HINT_MAX,
    LABEL_MAX,
    OPTION_TEXT_MAX,
    RADIO_OPTIONS_MAX,
    TEXT_INPUT_MAX,
)
from bot.slack.blocks.text import excerpt, plain
from forms import model
from forms.parsing import OTHER_MAX_LENGTH, JSONValue, RawValue

Spec = model.Question | model.AnyField
Initial = str | list[str] | None
ANY_DATE_PLACEHOLDER = "e.g. 2025-03-14, 03/2025 or 2025"
DAY_TIME_PLACEHOLDER = "e.g. 2025-03-14 or 2025-03-14 10:00"
DATETIME_PLACEHOLDER = "e.g. 2026-12-09 10:00"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def stored_as_raw(spec: Spec, value: JSONValue) -> Initial:
    """A stored value in the form an input shows it (the inverse of parsing, for display)."""
    if value is None:
        return None
    if isinstance(spec, model.MultiSpec):
        return [str(v) for v in value] if isinstance(value, list) else None
    if isinstance(spec, model.DateSpec | model.DateTimeSpec):
        return str(value).replace("T", " ")
    if isinstance(spec, model.NumberSpec) and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def draft_as_initial(raw: RawValue) -> Initial:
    """A draft (raw view state) value as an initial value; rows never come from a draft."""
    if raw is None or isinstance(raw, str):
        return raw
    return [v for v in raw if isinstance(v, str)]


def input_blocks(
    spec: Spec,
    initial: Initial,
    *,
    options: Sequence[model.Option] | None = None,
    dispatch: bool = False,
) -> list[InputBlock]:
    """The input block(s) of one question or repeat field, block ids ``q|<id>[|n]``.

    ``options`` narrows a multi question's choices (``options_from``); a chosen value is always
    kept on offer so that showing the page never drops a stored answer.
    """
    hint = spec.help
    if is_narrative(spec):
        assert isinstance(spec, model.TextQuestion | model.TextField)
        return _boxes(spec, initial if isinstance(initial, str) else "")
    block = InputBlock(
        block_id=question_block_id(spec.id),
        label=PlainTextObject(text=plain(spec.text, LABEL_MAX)),
        element=_element(spec, initial, options),
        hint=PlainTextObject(text=plain(hint, HINT_MAX)) if hint else None,
        optional=not spec.required,
        dispatch_action=True if dispatch else None,
    )
    return [block]


def other_block(question: model.Question, initial: Initial) -> InputBlock:
    """The free-text box of a multi question with ``other``, stored as ``<id>.other``."""
    text = initial if isinstance(initial, str) else None
    return InputBlock(
        block_id=question_block_id(f"{question.id}.other"),
        label=PlainTextObject(text=plain(f"Other: {excerpt(question.text, 150)}", LABEL_MAX)),
        element=PlainTextInputElement(
            action_id=INPUT_ACTION_ID, max_length=OTHER_MAX_LENGTH, initial_value=text or None
        ),
        hint=PlainTextObject(text="Anything not in the list above."),
        optional=True,
    )


def _boxes(spec: model.TextQuestion | model.TextField, text: str) -> list[InputBlock]:
    parts = split_boxes(text, spec.max_length)
    first_hint = (spec.help + " " if spec.help else "") + (
        f"Up to {spec.max_length:,} characters: when this box is full "
        f"({BOX_SIZE:,}), go on in the next one."
    )
    blocks = []
    for n, part in enumerate(parts):
        label = spec.text if n == 0 else f"{excerpt(spec.text, 150)} (continued)"
        hint = first_hint if n == 0 else "Go on here when the box above is full."
        blocks.append(
            InputBlock(
                block_id=question_block_id(spec.id, n),
                label=PlainTextObject(text=plain(label, LABEL_MAX)),
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION_ID,
                    multiline=True,
                    max_length=BOX_SIZE,
                    initial_value=part or None,
                ),
                hint=PlainTextObject(text=plain(hint, HINT_MAX)),
                optional=not spec.required if n == 0 else True,
            )
        )
    return blocks


def _element(
    spec: Spec, initial: Initial, narrowed: Sequence[model.Option] | None
) -> InputInteractiveElement:
    if isinstance(spec, model.YesNoSpec | model.SingleSpec):
        return _choice(spec.options, initial)
    if isinstance(spec, model.MultiSpec):
        chosen = set(initial) if isinstance(initial, list) else set()
        keep = {o.value for o in narrowed} if narrowed else {o.value for o in spec.options}
        offered = [o for o in spec.options if o.value in keep or o.value in chosen]
        return _multi(offered, chosen)
    text = initial if isinstance(initial, str) else None
    if isinstance(spec, model.TextSpec):
        return _text(text, min(spec.max_length, TEXT_INPUT_MAX), spec.multiline)
    if isinstance(spec, model.DateSpec) and spec.precision == "day" and not spec.allow_time:
        day = text if text and _ISO_DAY.match(text) else None
        return DatePickerElement(action_id=INPUT_ACTION_ID, initial_date=day)
    if isinstance(spec, model.DateSpec):
        hint = ANY_DATE_PLACEHOLDER if spec.precision == "any" else DAY_TIME_PLACEHOLDER
        return _text(text, 40, False, placeholder=hint)
    if isinstance(spec, model.DateTimeSpec):
        return _text(text, 40, False, placeholder=DATETIME_PLACEHOLDER)
    assert isinstance(spec, model.NumberSpec)
    return _number(spec, text)


def _text(
    text: str | None, max_length: int, multiline: bool, placeholder: str | None = None
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=INPUT_ACTION_ID,
        placeholder=placeholder,
        initial_value=text or None,
        multiline=True if multiline else None,
        max_length=max_length,
    )


def _option(option: model.Option) -> Option:
    text = PlainTextObject(text=plain(option.label, OPTION_TEXT_MAX))
    return Option(value=option.value, text=text)


def _choice(options: Sequence[model.Option], initial: Initial) -> InputInteractiveElement:
    slack_options = [_option(o) for o in options]
    pairs = zip(slack_options, options, strict=True)
    chosen = next((s for s, o in pairs if o.value == initial), None)
    if len(options) <= RADIO_OPTIONS_MAX:
        return RadioButtonsElement(
            action_id=INPUT_ACTION_ID, options=slack_options, initial_option=chosen
        )
    return StaticSelectElement(
        action_id=INPUT_ACTION_ID,
        placeholder="Choose one",
        options=slack_options,
        initial_option=chosen,
    )


def _multi(options: Sequence[model.Option], chosen: set[str]) -> InputInteractiveElement:
    slack_options = [_option(o) for o in options]
    initial = [s for s, o in zip(slack_options, options, strict=True) if o.value in chosen] or None
    if len(options) <= CHECKBOX_OPTIONS_MAX:
        return CheckboxesElement(
            action_id=INPUT_ACTION_ID, options=slack_options, initial_options=initial
        )
    return StaticMultiSelectElement(
        action_id=INPUT_ACTION_ID,
        placeholder="Choose any that apply",
        options=slack_options,
        initial_options=initial,
    )


def _number(spec: model.NumberSpec, text: str | None) -> NumberInputElement:
    initial = None
    if text and _NUMBER.match(text.strip()):
        number = float(text)
        low_ok = spec.min is None or number >= spec.min
        high_ok = spec.max is None or number <= spec.max
        if low_ok and high_ok and (not spec.integer or number.is_integer()):
            initial = text.strip()
    return NumberInputElement(
        action_id=INPUT_ACTION_ID,
        is_decimal_allowed=not spec.integer,
        initial_value=initial,
        min_value=None if spec.min is None else str(spec.min),
        max_value=None if spec.max is None else str(spec.max),
    )
