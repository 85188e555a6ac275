"""Block Kit limits that real Slack enforces, so the fake refuses what Slack would refuse.

Not the whole Block Kit schema: the limits a bot like ours runs into (text lengths, block and
element counts, duplicate block ids, modal titles). Each problem is reported in Slack's words:
``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

from typing import Any

MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100


def _too_long(n: int, pointer: str) -> str:
    return f"[ERROR] must be less than {n + 1} characters [json-pointer:{pointer}]"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def fail(self, what: str, pointer: str) -> None:
        self.problems.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.problems.append(_too_long(limit, pointer))

    def text(self, obj: Any, limit: int, pointer: str, *, plain_only: bool = False) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            self.fail("must be a text object", pointer)
            return
        if plain_only and obj["type"] != "plain_text":
            self.fail("must be plain_text", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        else:
            self.length(text, limit, f"{pointer}/text")

    def element(self, el: Any, pointer: str) -> None:
        if not isinstance(el, dict):
            self.fail("must be an object", pointer)
            return
        kind = el.get("type")
        self.length(el.get("action_id"), 255, f"{pointer}/action_id")
        if kind == "button":
            self.text(el.get("text"), 75, f"{pointer}/text", plain_only=True)
            self.length(el.get("value"), 2000, f"{pointer}/value")
        elif kind == "plain_text_input":
            max_length = el.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.fail("must be at most 3000", f"{pointer}/max_length")
            self.length(el.get("initial_value"), 3000, f"{pointer}/initial_value")
        elif kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes"):
            options = el.get("options") or []
            if len(options) > 100:
                self.fail("must provide at most 100 items", f"{pointer}/options")
            for i, option in enumerate(options):
                self.text(option.get("text"), 75, f"{pointer}/options/{i}/text")
                self.length(option.get("value"), 150, f"{pointer}/options/{i}/value")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.fail("must be a block object with a type", pointer)
            return
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            self.length(block_id, 255, f"{pointer}/block_id")
            if block_id in self.block_ids:
                self.fail(f"duplicate block_id {block_id!r}", f"{pointer}/block_id")
            self.block_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            self._section(block, pointer)
        elif kind == "header":
            self.text(block.get("text"), 150, f"{pointer}/text", plain_only=True)
        elif kind in ("context", "actions"):
            elements = block.get("elements") or []
            limit = 10 if kind == "context" else 25
            if not elements or len(elements) > limit:
                self.fail(f"must provide 1 to {limit} items", f"{pointer}/elements")
            if kind == "actions":
                for i, el in enumerate(elements):
                    self.element(el, f"{pointer}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), 2000, f"{pointer}/label", plain_only=True)
            self.text(block.get("hint"), 2000, f"{pointer}/hint", plain_only=True)
            if "element" not in block:
                self.fail("missing required field: element", pointer)
            else:
                self.element(block["element"], f"{pointer}/element")

    def _section(self, block: dict[str, Any], pointer: str) -> None:
        fields = block.get("fields") or []
        if "text" not in block and not fields:
            self.fail("must provide either text or fields", pointer)
        self.text(block.get("text"), 3000, f"{pointer}/text")
        if len(fields) > 10:
            self.fail("must provide at most 10 items", f"{pointer}/fields")
        for i, item in enumerate(fields):
            self.text(item, 2000, f"{pointer}/fields/{i}")
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > limit:
            self.fail(f"must provide at most {limit} items", pointer)
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")


def message_problems(blocks: Any) -> list[str]:
    """What is wrong with a message's ``blocks`` (empty if nothing)."""
    checker = _Checker()
    checker.blocks(blocks, MESSAGE_MAX_BLOCKS, "/blocks")
    return checker.problems


def view_problems(view: Any) -> list[str]:
    """What is wrong with a modal or home tab definition (empty if nothing)."""
    checker = _Checker()
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["[ERROR] must be a modal or home view [json-pointer:/view/type]"]
    checker.blocks(view.get("blocks", []), SURFACE_MAX_BLOCKS, "/view/blocks")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    if view["type"] == "modal":
        if "title" not in view:
            checker.fail("missing required field: title", "/view")
        for key in ("title", "submit", "close"):
            checker.text(view.get(key), 24, f"/view/{key}", plain_only=True)
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if has_input and "submit" not in view:
            checker.fail("must provide a submit button when there are input blocks", "/view")
    return checker.problems
