"""How an answer value becomes the TEXT stored in ``answers.value`` and back.

The codec is passed into the unit of work, so encryption at rest can replace the default
without changing any caller.
"""

from __future__ import annotations

import json
from typing import Protocol

from forms.records import JSONValue


class AnswerCodec(Protocol):
    """Turns one stored answer value into text and back; ``decode(encode(v)) == v``."""

    def encode(self, value: JSONValue) -> str:
        """Serialise ``value`` to the text kept in the database."""
        ...

    def decode(self, text: str) -> JSONValue:
        """Rebuild the value from the stored text."""
        ...


class JsonCodec:
    """The default codec: JSON text, ASCII-escaped so any Python string round-trips on any DB."""

    def encode(self, value: JSONValue) -> str:
        """Serialise ``value`` as compact JSON."""
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)

    def decode(self, text: str) -> JSONValue:
        """Parse the stored JSON text."""
        value: JSONValue = json.loads(text)
        return value


def canonical(value: JSONValue) -> str:
    """A comparison key for a JSON value: equal values, equal keys (1, 1.0 and True differ)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
