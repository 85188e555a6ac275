"""Slack's Block Kit limits that ``slack_sdk.models`` does not enforce, checked on the JSON.

``check_view(view)`` / ``check_message(blocks)`` raise :class:`BlockLimitError` listing every
problem with its JSON pointer, e.g. ``/blocks/3/label/text: 2,345 characters, the limit is
2,000``. Slack itself would only answer ``invalid_arguments`` (and a modal the user is waiting
for would show "We had some trouble connecting").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
BLOCK_ID_MAX = 255
ACTION_ID_MAX = 255
CALLBACK_ID_MAX = 255
TEXT_INPUT_MAX = 3000
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
SECTION_FIELDS_MAX = 10
CONTEXT_TEXT_MAX = 3000
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
HEADER_TEXT_MAX = 150
MODAL_TITLE_MAX = 24
MODAL_BUTTON_MAX = 24
PRIVATE_METADATA_MAX = 3000
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
SELECT_OPTIONS_MAX = 100
RADIO_OPTIONS_MAX = 10
CHECKBOX_OPTIONS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
ERROR_MESSAGE_MAX = 150
"""Slack documents no limit for ``response_action: errors`` messages; we keep them to one
readable line under an input (longer ones are shortened by the builders)."""

_OPTION_LIMITS = {
    "radio_buttons": RADIO_OPTIONS_MAX,
    "checkboxes": CHECKBOX_OPTIONS_MAX,
    "static_select": SELECT_OPTIONS_MAX,
    "multi_static_select": SELECT_OPTIONS_MAX,
    "overflow": 5,
}


class BlockLimitError(ValueError):
    """A view or message Slack would refuse; ``problems`` lists each one with its pointer."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Slack would refuse this: " + "; ".join(self.problems))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def fail(self, pointer: str, what: str) -> None:
        self.problems.append(f"{pointer}: {what}")

    def length(self, value: object, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(pointer, f"{len(value):,} characters, the limit is {limit:,}")

    def text(self, obj: object, limit: int, pointer: str, *, plain_only: bool = False) -> None:
        if obj is None:
            return
        if not isinstance(obj, Mapping) or obj.get("type") not in ("plain_text", "mrkdwn"):
            self.fail(pointer, "not a text object")
            return
        if plain_only and obj["type"] != "plain_text":
            self.fail(pointer, "must be plain_text")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail(f"{pointer}/text", "empty text")
        else:
            self.length(text, limit, f"{pointer}/text")

    def options(self, el: Mapping[str, Any], pointer: str) -> None:
        options = el.get("options") or []
        limit = _OPTION_LIMITS.get(str(el.get("type")), SELECT_OPTIONS_MAX)
        if not options:
            self.fail(f"{pointer}/options", "no options")
        if len(options) > limit:
            self.fail(f"{pointer}/options", f"{len(options)} options, the limit is {limit}")
        values = set()
        for i, option in enumerate(options):
            if not isinstance(option, Mapping):
                self.fail(f"{pointer}/options/{i}", "not an option object")
                continue
            self.text(option.get("text"), OPTION_TEXT_MAX, f"{pointer}/options/{i}/text")
            self.length(option.get("value"), OPTION_VALUE_MAX, f"{pointer}/options/{i}/value")
            values.add(option.get("value"))
        initial = list(el.get("initial_options") or [])
        if el.get("initial_option") is not None:
            initial.append(el["initial_option"])
        for option in initial:
            if not isinstance(option, Mapping) or option.get("value") not in values:
                self.fail(f"{pointer}/initial_options", "an initial option is not an option")

    def element(self, el: object, pointer: str) -> None:
        if not isinstance(el, Mapping):
            self.fail(pointer, "not an element object")
            return
        kind = el.get("type")
        self.length(el.get("action_id"), ACTION_ID_MAX, f"{pointer}/action_id")
        self.text(el.get("placeholder"), PLACEHOLDER_MAX, f"{pointer}/placeholder")
        if kind == "button":
            self.text(el.get("text"), BUTTON_TEXT_MAX, f"{pointer}/text", plain_only=True)
            self.length(el.get("value"), BUTTON_VALUE_MAX, f"{pointer}/value")
        elif kind == "plain_text_input":
            for key in ("max_length", "min_length"):
                if isinstance(el.get(key), int) and el[key] > TEXT_INPUT_MAX:
                    self.fail(f"{pointer}/{key}", f"{el[key]:,}, the limit is {TEXT_INPUT_MAX:,}")
            self.length(el.get("initial_value"), TEXT_INPUT_MAX, f"{pointer}/initial_value")
        elif kind in _OPTION_LIMITS:
            self.options(el, pointer)
        confirm = el.get("confirm")
        if isinstance(confirm, Mapping):
            self.text(confirm.get("title"), CONFIRM_TITLE_MAX, f"{pointer}/confirm/title")
            self.text(confirm.get("text"), CONFIRM_TEXT_MAX, f"{pointer}/confirm/text")
            for key in ("confirm", "deny"):
                self.text(confirm.get(key), CONFIRM_BUTTON_MAX, f"{pointer}/confirm/{key}")

    def block(self, block: object, pointer: str) -> None:
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            self.fail(pointer, "not a block object with a type")
            return
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            self.length(block_id, BLOCK_ID_MAX, f"{pointer}/block_id")
            if block_id in self.block_ids:
                self.fail(f"{pointer}/block_id", f"duplicate block_id {block_id!r}")
            self.block_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            self.section(block, pointer)
        elif kind == "header":
            self.text(block.get("text"), HEADER_TEXT_MAX, f"{pointer}/text", plain_only=True)
        elif kind == "context":
            self.elements(block, CONTEXT_ELEMENTS_MAX, pointer)
            for i, item in enumerate(block.get("elements") or []):
                if isinstance(item, Mapping) and item.get("type") in ("plain_text", "mrkdwn"):
                    self.text(item, CONTEXT_TEXT_MAX, f"{pointer}/elements/{i}")
        elif kind == "actions":
            self.elements(block, ACTIONS_ELEMENTS_MAX, pointer)
            for i, el in enumerate(block.get("elements") or []):
                self.element(el, f"{pointer}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), LABEL_MAX, f"{pointer}/label", plain_only=True)
            self.text(block.get("hint"), HINT_MAX, f"{pointer}/hint", plain_only=True)
            if "element" not in block:
                self.fail(pointer, "an input block needs an element")
            else:
                self.element(block["element"], f"{pointer}/element")

    def elements(self, block: Mapping[str, Any], limit: int, pointer: str) -> None:
        elements = block.get("elements") or []
        if not elements or len(elements) > limit:
            self.fail(f"{pointer}/elements", f"{len(elements)} elements, allowed 1 to {limit}")

    def section(self, block: Mapping[str, Any], pointer: str) -> None:
        fields = block.get("fields") or []
        if "text" not in block and not fields:
            self.fail(pointer, "a section needs text or fields")
        self.text(block.get("text"), SECTION_TEXT_MAX, f"{pointer}/text")
        if len(fields) > SECTION_FIELDS_MAX:
            self.fail(f"{pointer}/fields", f"{len(fields)} fields, the limit is 10")
        for i, item in enumerate(fields):
            self.text(item, SECTION_FIELD_MAX, f"{pointer}/fields/{i}")
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def blocks(self, blocks: object, limit: int, pointer: str) -> None:
        if not isinstance(blocks, Sequence) or isinstance(blocks, str):
            self.fail(pointer, "not a list of blocks")
            return
        if len(blocks) > limit:
            self.fail(pointer, f"{len(blocks)} blocks, the limit is {limit}")
        for i, block in enumerate(blocks):
            self.block(_as_dict(block), f"{pointer}/{i}")


def _as_dict(obj: object) -> object:
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj


def message_problems(blocks: object) -> list[str]:
    """Every limit a message's blocks break (empty when Slack would accept them)."""
    checker = _Checker()
    checker.blocks(blocks, MESSAGE_MAX_BLOCKS, "/blocks")
    return checker.problems


def view_problems(view: object) -> list[str]:
    """Every limit a modal (or home tab) breaks (empty when Slack would accept it)."""
    view = _as_dict(view)
    checker = _Checker()
    if not isinstance(view, Mapping) or view.get("type") not in ("modal", "home"):
        return ["/type: not a modal or home view"]
    checker.blocks(view.get("blocks", []), VIEW_MAX_BLOCKS, "/blocks")
    checker.length(view.get("private_metadata"), PRIVATE_METADATA_MAX, "/private_metadata")
    checker.length(view.get("callback_id"), CALLBACK_ID_MAX, "/callback_id")
    if view["type"] == "modal":
        if "title" not in view:
            checker.fail("/title", "a modal needs a title")
        checker.text(view.get("title"), MODAL_TITLE_MAX, "/title", plain_only=True)
        for key in ("submit", "close"):
            checker.text(view.get(key), MODAL_BUTTON_MAX, f"/{key}", plain_only=True)
        blocks = view.get("blocks")
        blocks = [_as_dict(b) for b in blocks] if isinstance(blocks, list) else []
        inputs = any(isinstance(b, Mapping) and b.get("type") == "input" for b in blocks)
        if inputs and "submit" not in view:
            checker.fail("/submit", "a modal with input blocks needs a submit button")
    return checker.problems


def check_message(blocks: object) -> None:
    """Raise :class:`BlockLimitError` if Slack would refuse a message with these blocks."""
    problems = message_problems(blocks)
    if problems:
        raise BlockLimitError(problems)


def check_view(view: object) -> None:
    """Raise :class:`BlockLimitError` if Slack would refuse this modal or home view."""
    problems = view_problems(view)
    if problems:
        raise BlockLimitError(problems)
