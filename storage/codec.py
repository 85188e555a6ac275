"""How an answer value becomes the TEXT stored in ``answers.value``, and a free-text field
(review pseudonym, incident description) the TEXT stored in its column, and back.

Both are passed into the unit of work. The bot always passes the Fernet implementations of
``storage.crypto`` (encryption at rest); ``JsonCodec`` and ``PlainText`` are for tests only.
"""

from __future__ import annotations

import base64
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
    """Plain JSON text, ASCII-escaped so any Python string round-trips on any DB (tests only:
    the bot encrypts with ``storage.crypto.FernetCodec``)."""

    def encode(self, value: JSONValue) -> str:
        """Serialise ``value`` as compact JSON."""
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)

    def decode(self, text: str) -> JSONValue:
        """Parse the stored JSON text."""
        value: JSONValue = json.loads(text)
        return value


class TextCodec(Protocol):
    """Turns a free-text field into the text kept in its column and back; None stays None."""

    def encrypt(self, text: str | None) -> str | None:
        """The stored form of ``text``."""
        ...

    def decrypt(self, stored: str | None) -> str | None:
        """The text back from its stored form."""
        ...

    def encrypt_bytes(self, data: bytes) -> str:
        """The stored form of binary ``data`` (a rendered chunk of the pack's PDF)."""
        ...

    def decrypt_bytes(self, stored: str) -> bytes:
        """The data back from its stored form."""
        ...


class PlainText:
    """Keeps free text as it is (tests only: the bot encrypts with ``storage.crypto``)."""

    def encrypt(self, text: str | None) -> str | None:
        """``text`` unchanged."""
        return text

    def decrypt(self, stored: str | None) -> str | None:
        """``stored`` unchanged."""
        return stored

    def encrypt_bytes(self, data: bytes) -> str:
        """``data`` in base64 (not encrypted)."""
        return base64.b64encode(data).decode("ascii")

    def decrypt_bytes(self, stored: str) -> bytes:
        """The data of its base64 (ValueError if it is not base64)."""
        return base64.b64decode(stored.encode("ascii"), validate=True)


def canonical(value: JSONValue) -> str:
    """A comparison key for a JSON value: equal values, equal keys (1, 1.0 and True differ)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
