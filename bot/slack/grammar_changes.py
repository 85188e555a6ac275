"""The ``/rrm`` subcommands that change a review as it goes (issue 8): ``add``, ``edit``,
``extend``, ``remove`` and ``owner``. Pure, like ``bot.slack.grammar`` (which dispatches here):
each parser takes the words after the subcommand and answers the command value and the
problems, each naming the argument and the fix, safe to show in mrkdwn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, TypeAlias

from bot.slack.command_values import REASON_MAX, apply_field, reference
from bot.slack.mentions import Word, parse_user, shown, unescape_slack
from forms.text import clean_text

AGENCY_NAME_MAX = 100
_AGENCY_ID = re.compile(r"[a-z][a-z0-9_-]*")
_TIME = re.compile(r"\d{1,2}:\d{2}")
_EXAMPLE_REF = "RR-2026-014"
EDIT_KEYS = ("meeting", "due", "chair")


@dataclass(frozen=True)
class AgencyName:
    """An agency as typed: an id from the partnership file (``police``) or, in quotes, a name
    (``"St Mary's Primary"``)."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class AddCommand:
    """``/rrm add REF AGENCY [@user]``: ask one more agency for a return (``contact`` None:
    the partnership file's default contact)."""

    reference: str
    agency: AgencyName
    contact: str | None = None


@dataclass(frozen=True)
class EditCommand:
    """``/rrm edit REF [meeting=…] [due=…] [chair=@…]``: what changes, None when it stays.
    ``meeting_time`` None with a ``meeting`` date keeps the meeting's time."""

    reference: str
    meeting: date | None = None
    meeting_time: time | None = None
    due: date | None = None
    chair: str | None = None


@dataclass(frozen=True)
class ExtendCommand:
    """``/rrm extend REF AGENCY due=… reason="…"``: one return's new due date, and why."""

    reference: str
    agency: AgencyName
    due: date | None
    reason: str


@dataclass(frozen=True)
class RemoveCommand:
    """``/rrm remove REF AGENCY``: the agency's return is withdrawn (``/rrm add`` undoes it)."""

    reference: str
    agency: AgencyName


@dataclass(frozen=True)
class OwnerCommand:
    """``/rrm owner REF @user``: hand the review to another coordinator."""

    reference: str
    user: str


ChangeCommand: TypeAlias = AddCommand | EditCommand | ExtendCommand | RemoveCommand | OwnerCommand
Parsed: TypeAlias = tuple[ChangeCommand, list[str]]

USAGE = {
    "add": f"• `/rrm add {_EXAMPLE_REF} probation` — ask one more agency from the partnership "
    f"file for a return (its usual contact, or name one: `/rrm add {_EXAMPLE_REF} probation "
    f"@sam`); a new agency by name, in quotes, with its contact: `/rrm add {_EXAMPLE_REF} "
    '"St Mary\'s Primary" @head` (coordinators).',
    "edit": f"• `/rrm edit {_EXAMPLE_REF} meeting=2026-12-10T14:00 due=2026-12-03 chair=@chris` — "
    "move the meeting, the due date or change the chair (any of the three; coordinators).",
    "extend": f'• `/rrm extend {_EXAMPLE_REF} police due=2026-12-04 reason="awaiting records"` '
    "— more time for one agency's return (coordinators).",
    "remove": f"• `/rrm remove {_EXAMPLE_REF} housing` — withdraw an agency's return: no longer "
    f"counted, kept in the audit (`/rrm add {_EXAMPLE_REF} housing` asks again; coordinators).",
    "owner": f"• `/rrm owner {_EXAMPLE_REF} @alex` — hand the review to another coordinator "
    "(coordinators).",
}


def _first_reference(name: str, words: list[Word]) -> tuple[str, list[str]]:
    if not words or words[0].key is not None:
        return "", [f"`/rrm {name}` needs a reference first, e.g. {_example(name)}"]
    found, problem = reference(words[0].value)
    return found or "", [problem] if problem else []


def _example(name: str) -> str:
    return USAGE[name].split("`")[1]


def _agency(name: str, words: list[Word], ref: str) -> tuple[AgencyName, list[str]]:
    """The agency after the reference: an id, or a name in quotes."""
    example = f"/rrm {name} {ref or _EXAMPLE_REF} police"
    if not words or words[0].key is not None:
        return AgencyName(""), [f"name the agency after the reference, e.g. {example}"]
    word = words[0]
    if word.quoted and word.key is None:
        text = clean_text(unescape_slack(word.value)).strip()
        if not any(ch.isalnum() for ch in text):
            return AgencyName(""), ["the agency's name is empty — e.g. \"St Mary's Primary\""]
        if len(text) > AGENCY_NAME_MAX:
            return AgencyName(""), [
                f"the agency's name is {len(text)} characters long; use at most {AGENCY_NAME_MAX}"
            ]
        return AgencyName(text, quoted=True), []
    value = word.value.casefold()
    if word.key is None and _AGENCY_ID.fullmatch(value):
        return AgencyName(value), []
    return AgencyName(""), [
        f"`{shown(word.raw, 40)}` is not an agency id — give an id from the partnership file "
        f"(e.g. {example}) or a new agency's name in quotes, e.g. \"St Mary's Primary\""
    ]


def parse_add(words: list[Word]) -> Parsed:
    ref, problems = _first_reference("add", words)
    agency, more = _agency("add", words[1:], ref)
    problems += more
    contact: str | None = None
    rest = words[2:]
    if rest and not more:
        user, problem = parse_user(unescape_slack(rest[0].raw))
        if user is None:
            problem = f"`{shown(rest[0].raw, 40)}`: {problem}"
            if not agency.quoted and "@" not in rest[0].raw:
                problem += (
                    " (a new agency's name goes in quotes, e.g. "
                    f'/rrm add {ref or _EXAMPLE_REF} "St Mary\'s Primary" @head)'
                )
        contact = user
        problems += [problem] if problem else []
        if len(rest) > 1:
            problems.append(
                f"unexpected `{shown(rest[1].raw, 40)}` — `/rrm add` takes a reference, an "
                "agency and at most one contact"
            )
    if agency.quoted and contact is None and not problems:
        problems.append(
            f'a new agency needs its contact: /rrm add {ref} "{shown(agency.text, 40)}" @head '
            "(type @ and pick the person)"
        )
    return AddCommand(ref, agency, contact), problems


def _joined(words: list[Word]) -> list[Word]:
    """``meeting=2026-12-10 14:00`` without quotes: the time belongs to the meeting."""
    joined: list[Word] = []
    for word in words:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.key == "meeting"
            and not last.quoted
            and word.key is None
            and _TIME.fullmatch(word.raw)
            and " " not in last.value
        ):
            joined[-1] = Word(f"{last.raw} {word.raw}", "meeting", f"{last.value} {word.raw}")
        else:
            joined.append(word)
    return joined


def parse_edit(words: list[Word]) -> Parsed:
    ref, problems = _first_reference("edit", words)
    found: dict[str, Any] = {}
    for word in _joined(words[1:]):
        key = word.key
        if key is None:
            problems.append(
                f"unexpected `{shown(word.raw, 40)}` — give what changes as key=value, "
                "e.g. due=2026-12-03"
            )
        elif key not in EDIT_KEYS:
            problems.append(
                f"unknown key `{shown(key, 30)}=` — `/rrm edit` changes meeting=, due= and chair="
            )
        elif key in found or (key == "meeting" and "meeting_time" in found):
            problems.append(f"`{key}=` is given twice — give it once")
        else:
            problems += apply_field(key, word, found)
    if not found and not problems:
        problems.append(
            f"say what changes: meeting=, due= or chair=, e.g. /rrm edit {ref} due=2026-12-03"
        )
    return EditCommand(ref, **found), problems


def parse_extend(words: list[Word]) -> Parsed:
    ref, problems = _first_reference("extend", words)
    agency, more = _agency("extend", words[1:], ref)
    problems += more
    found: dict[str, Any] = {}
    seen: set[str] = set()
    typed: list[str] = []
    in_reason = False  # an unquoted reason takes the plain words that follow it
    for word in [] if more else words[2:]:
        if word.key is None and in_reason:
            typed.append(word.raw)
            continue
        in_reason = False
        if word.key in seen:
            problems.append(f"`{word.key}=` is given twice — give it once")
        elif word.key == "due":
            problems += apply_field("due", word, found)
        elif word.key == "reason":
            typed, in_reason = [word.value], not word.quoted
        else:
            echo = f"unknown key `{shown(word.key, 30)}=`" if word.key else f"`{shown(word.raw)}`"
            problems.append(f'{echo} — `/rrm extend` takes due=DATE and reason="…"')
        seen.add(word.key or "")
    example = f'/rrm extend {ref or _EXAMPLE_REF} police due=2026-12-04 reason="awaiting records"'
    if not more and "due" not in seen:
        problems.append(f"give the new due date, e.g. {example}")
    text = clean_text(unescape_slack(" ".join(typed))).strip()
    if not more and not text:
        problems.append(f"say why — the reason is required, e.g. {example}")
    elif len(text) > REASON_MAX:
        problems.append(f"the reason is {len(text)} characters long; use at most {REASON_MAX}")
    return ExtendCommand(ref, agency, found.get("due"), text), problems


def parse_remove(words: list[Word]) -> Parsed:
    ref, problems = _first_reference("remove", words)
    agency, more = _agency("remove", words[1:], ref)
    problems += more
    if len(words) > 2 and not more:
        problems.append(
            f"unexpected `{shown(words[2].raw, 40)}` — `/rrm remove` takes a reference and one "
            f"agency, e.g. /rrm remove {ref or _EXAMPLE_REF} housing"
        )
    return RemoveCommand(ref, agency), problems


def parse_owner(words: list[Word]) -> Parsed:
    ref, problems = _first_reference("owner", words)
    example = f"/rrm owner {ref or _EXAMPLE_REF} @alex"
    if len(words) < 2:
        return OwnerCommand(ref, ""), [*problems, f"name the new owner, e.g. {example}"]
    user, problem = parse_user(unescape_slack(words[1].raw))
    if user is None:
        problems.append(f"`{shown(words[1].raw, 40)}`: {problem}")
    if len(words) > 2:
        problems.append(f"`/rrm owner` takes a reference and one person, e.g. {example}")
    return OwnerCommand(ref, user or ""), problems


PARSERS: dict[str, Callable[[list[Word]], Parsed]] = {
    "add": parse_add,
    "edit": parse_edit,
    "extend": parse_extend,
    "remove": parse_remove,
    "owner": parse_owner,
}
