"""Slack's markup in slash-command text: words and quotes, user mentions, escaping.

With ``should_escape: true`` Slack sends a picked user as ``<@U0ABC|name>`` and escapes what the
person typed: ``&`` as ``&amp;``, ``<`` as ``&lt;``, ``>`` as ``&gt;``. Anything between a literal
``<`` and ``>`` is therefore Slack's own markup (a mention, a channel, a link). Slack clients often
turn straight quotes into curly ones, so both kinds open and close a quoted value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_USER_ID = r"[UW][A-Z0-9]{2,}"
_MENTION = re.compile(rf"<@({_USER_ID})(?:\|[^>]*)?>")
_BARE = re.compile(rf"@?({_USER_ID})")
_KEY = re.compile(r"([A-Za-z0-9_-]+)=(.*)", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_PICK_A_PERSON = "type @ and pick the person so Slack links the name"
QUOTE_FAMILIES = ('"“”„‟', "'‘’‚‛")


def unescape_slack(text: str) -> str:
    """The text as the person typed it: Slack's ``&lt;``, ``&gt;`` and ``&amp;`` undone."""
    for escaped, plain in _UNESCAPE:
        text = text.replace(escaped, plain)
    return text


def escape_mrkdwn(text: str) -> str:
    """``text`` made safe to show in mrkdwn: ``&``, ``<`` and ``>`` escaped, so that nobody can
    inject ``<!channel>``, a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shown(raw: str, limit: int = 60) -> str:
    """Slack-escaped input echoed back inside a mrkdwn code span: escaped, no backticks or
    control characters, at most ``limit`` characters."""
    text = _CONTROL.sub(" ", unescape_slack(raw)).replace("`", "'")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape_mrkdwn(text)


def parse_user(raw: str) -> tuple[str | None, str | None]:
    """A user id from ``<@U0ABC|name>``, ``<@U0ABC>`` or ``@U0ABC``: (user id, None), or
    (None, a sentence saying what the text is instead and how to pick a person)."""
    text = raw.strip()
    for pattern in (_MENTION, _BARE):
        match = pattern.fullmatch(text)
        if match:
            return match[1], None
    if text.startswith("<!subteam^"):
        return None, f"that is a user group — pick one person: {_PICK_A_PERSON}"
    if text.startswith("<!"):
        return None, f"that is a special mention, not a person — {_PICK_A_PERSON}"
    if text.startswith("<#"):
        return None, f"that is a channel, not a person — {_PICK_A_PERSON}"
    return None, f"that is not a Slack user — {_PICK_A_PERSON}"


@dataclass(frozen=True)
class Word:
    """One word of a command: ``raw`` as sent; for ``key=value`` the lower-cased key; ``value``
    without its quotes (for a plain word, the word itself)."""

    raw: str
    key: str | None
    value: str
    quoted: bool = False


def split_words(text: str) -> tuple[list[Word], str | None]:
    """Split command text at spaces, keeping quoted values and Slack markup whole.

    Returns the words and, if a quote is never closed, a problem (the words before it are kept).
    A quote opens at the start of a word or right after ``=``; it closes at a quote of the same
    family that ends the word, so ``'O'Brien'`` reads as ``O'Brien``.
    """
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, quoted = i, False
        while i < n and not text[i].isspace():
            if _opens_quote(text, start, i):
                close = _closing_quote(text, i)
                if close is None:
                    return words, _unterminated(text[start:])
                i, quoted = close + 1, True
            elif text[i] == "<" and ">" in text[i:]:
                i = text.index(">", i) + 1
            else:
                i += 1
        words.append(_word(text[start:i], quoted))
    return words, None


def _opens_quote(text: str, start: int, i: int) -> bool:
    return any(text[i] in family for family in QUOTE_FAMILIES) and (
        i == start or text[i - 1] == "="
    )


def _closing_quote(text: str, opening: int) -> int | None:
    family = next(f for f in QUOTE_FAMILIES if text[opening] in f)
    for k in range(opening + 1, len(text)):
        if text[k] in family and (k + 1 == len(text) or text[k + 1].isspace()):
            return k
    return None


def _word(raw: str, quoted: bool) -> Word:
    match = _KEY.fullmatch(raw)
    key, value = (match[1].casefold(), match[2]) if match else (None, raw)
    if quoted and len(value) >= 2 and any(value[0] in f for f in QUOTE_FAMILIES):
        return Word(raw, key, value[1:-1], quoted=True)
    return Word(raw, key, value)


def _unterminated(rest: str) -> str:
    return (
        f"`{shown(rest, 40)}`: the quote is never closed — end the value with a quote "
        'too, e.g. child="Child A"'
    )
