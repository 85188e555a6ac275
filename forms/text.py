"""What happens to typed text before it is stored (DESIGN §5): almost nothing.

User text is kept exactly as typed, except for characters that have no business in an answer
and could hide or disguise what it says:

- C0 and C1 control characters and DEL (NUL included) are removed; newline and tab are kept,
  and ``\\r\\n`` and a lone ``\\r`` become ``\\n``;
- the Unicode bidirectional controls (embeddings, overrides and isolates U+202A-U+202E and
  U+2066-U+2069, the marks U+200E, U+200F and U+061C) are removed, so that a right-to-left
  override cannot make stored text read differently from what it is;
- a lone surrogate (which no keyboard produces, only a crafted payload, and which no UTF-8
  encoder accepts) becomes U+FFFD.

Nothing else changes: no trimming, no whitespace folding, no HTML or mrkdwn escaping (that
happens where text is rendered), every script and emoji kept.
"""

from __future__ import annotations

from collections.abc import Iterator

_KEPT_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = (
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200e", "\u200f", "\u061c"]  # LRM RLM ALM
)
REPLACEMENT = "\ufffd"


def _controls() -> Iterator[str]:
    yield from (chr(c) for c in range(0x00, 0x20))  # C0
    yield "\x7f"  # DEL
    yield from (chr(c) for c in range(0x80, 0xA0))  # C1


REMOVED: frozenset[str] = frozenset(
    c for c in (*_controls(), *_BIDI_CONTROLS) if c not in _KEPT_CONTROLS
)
"""Every character ``clean_text`` deletes (``\\r`` is turned into ``\\n`` first)."""

_TABLE: dict[int, str | None] = {ord(c): None for c in REMOVED}
_TABLE.update({c: REPLACEMENT for c in range(0xD800, 0xE000)})


def clean_text(text: str) -> str:
    """``text`` as it should be stored: line breaks normalised to ``\\n``, control characters
    other than newline and tab removed, bidi controls removed, lone surrogates replaced by
    U+FFFD; everything else exactly as typed. Idempotent."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)


def is_clean(text: str) -> bool:
    """Whether ``text`` holds nothing that ``clean_text`` would change."""
    return clean_text(text) == text
