"""Text for Block Kit: escaping for mrkdwn, shortening for display, stored values as words.

User text is stored exactly as typed and escaped only where it is shown (DESIGN §5): in mrkdwn
``&``, ``<`` and ``>`` are escaped so that nobody can inject ``<!channel>``, a mention or a link;
plain_text fields and input ``initial_value``s carry the raw text. Only what is *displayed* is
ever shortened, never what is stored.
"""

from __future__ import annotations

import re

from forms.model import (
    AnyField,
    DateSpec,
    DateTimeSpec,
    MultiSpec,
    Question,
    RepeatQuestion,
    SingleSpec,
    YesNoSpec,
)
from forms.parsing import JSONValue

ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}:\d{2}))?$")


def escape_mrkdwn(text: str) -> str:
    """``text`` safe inside mrkdwn: ``&`` → ``&amp;``, ``<`` → ``&lt;``, ``>`` → ``&gt;``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def excerpt(text: str, limit: int) -> str:
    """A one-line display excerpt of at most ``limit`` characters.

    Runs of whitespace (newlines included) become one space; a cut is made on a word boundary
    where one is near, and marked with "…". Escape *after* shortening (never cut an escape).
    """
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if flat[limit - 1] != " " and space >= (limit - 1) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Raw text for a plain_text field (label, option, button, title), cut to ``limit``.

    Newlines are kept (Slack shows them); an over-long text ends with "…". Never escaped.
    """
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def mrkdwn_excerpt(text: str, limit: int) -> str:
    """Escaped excerpt: shortened to ``limit`` characters of raw text, then escaped."""
    return escape_mrkdwn(excerpt(text, limit))


def format_date(value: str) -> str:
    """A stored ISO date for people: ``05/03/2026``, ``05/03/2026 14:30``; a month or a year
    alone (``03/2025``, ``2025``) is marked "(approx.)"."""
    match = _ISO.match(value)
    if match is None:
        return value
    year, month, day, time = match.groups()
    if day is not None:
        return f"{day}/{month}/{year}" + (f" {time}" if time else "")
    return (f"{month}/{year}" if month else year) + " (approx.)"


def display_value(spec: Question | AnyField, value: JSONValue) -> str:
    """A stored value as words (raw, not escaped): option labels, dates as dd/mm/yyyy,
    ``n rows`` for a repeat. Blank is the empty string."""
    if value is None:
        return ""
    if isinstance(spec, RepeatQuestion):
        count = len(value) if isinstance(value, list) else 0
        return f"{count} {spec.row_label.lower()}{'' if count == 1 else 's'}"
    if isinstance(spec, YesNoSpec | SingleSpec | MultiSpec):
        labels = {o.value: o.label for o in spec.options}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if isinstance(spec, DateSpec | DateTimeSpec) and isinstance(value, str):
        return format_date(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
