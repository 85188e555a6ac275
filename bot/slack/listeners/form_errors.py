"""A modal's refusal as Slack shows it: each problem under the input it is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.errors import InvalidRequest
from bot.slack.blocks.limits import ERROR_MESSAGE_MAX
from bot.slack.blocks.text import excerpt


def errors_response(exc: InvalidRequest, block_of: Mapping[str, str], default: str) -> Any:
    """``response_action: errors`` for a service's field problems: each under the block of its
    field (``block_of``; ``default`` for the others), two under one block joined."""
    errors: dict[str, str] = {}
    for name, message in exc.fields.items():
        block = block_of.get(name, default)
        errors[block] = excerpt(f"{errors.get(block, '')} {message}", ERROR_MESSAGE_MAX)
    return {"response_action": "errors", "errors": errors}


def error_response(message: str, block: str) -> Any:
    """``response_action: errors`` with one message (shortened to Slack's limit) under
    ``block``."""
    return {"response_action": "errors", "errors": {block: excerpt(message, ERROR_MESSAGE_MAX)}}
