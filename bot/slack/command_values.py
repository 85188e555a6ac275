"""The values of ``/rrm`` arguments: dates, the chair, agency ids, yes/no, a period, people.

Each parser takes the value as typed (Slack's escaping undone) and answers
``({field: value}, None)`` or ``({}, the problem)`` — a sentence safe to show in mrkdwn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeAlias

from bot.slack.mentions import Word, escape_mrkdwn, parse_user, shown, unescape_slack
from forms.parsing import parse_date

PSEUDONYM_MAX = 200
_AGENCY = re.compile(r"[a-z][a-z0-9_-]*")
_PERSON = re.compile(r"<[^>]*>|[^,\s]+")  # a mention's name may hold spaces

Parsed: TypeAlias = tuple[dict[str, Any], str | None]


def _date(value: str, *, allow_time: bool = False) -> tuple[str | None, str | None]:
    """forms.parsing's reading of a date (ISO or UK), its problem made safe for mrkdwn."""
    if len(value) > 30:
        return None, "that is not a date: use DD/MM/YYYY, e.g. 05/03/2026."
    iso, problem = parse_date(value, allow_time=allow_time)
    return iso, escape_mrkdwn(problem) if problem else None


def _date_field(name: str) -> Callable[[str], Parsed]:
    def parse(value: str) -> Parsed:
        iso, problem = _date(value)
        return ({name: date.fromisoformat(iso)}, None) if iso else ({}, problem)

    return parse


def _meeting(value: str) -> Parsed:
    iso, problem = _date(value, allow_time=True)
    if iso is None:
        return {}, problem
    if "T" not in iso:
        return {"meeting": date.fromisoformat(iso)}, None
    at = datetime.fromisoformat(iso)
    return {"meeting": at.date(), "meeting_time": at.time()}, None


def _child(value: str) -> Parsed:
    if len(value) > PSEUDONYM_MAX:
        return {}, (
            f"the pseudonym is {len(value)} characters long; use at most {PSEUDONYM_MAX}, "
            'e.g. child="Child A"'
        )
    return {"child": value}, None


def _chair(value: str) -> Parsed:
    user, problem = parse_user(value)
    return ({"chair": user}, None) if user else ({}, problem)


def _agencies(value: str) -> Parsed:
    ids = [part.strip() for part in value.casefold().split(",")]
    if not all(ids):
        return {}, "leave no empty place between commas, e.g. agencies=police,health,csc"
    bad = [i for i in ids if not _AGENCY.fullmatch(i)]
    if bad:
        return {}, (
            f"`{shown(bad[0], 30)}` is not an agency id; ids are lower-case letters, "
            "digits, - and _, separated by commas, e.g. agencies=police,health,csc"
        )
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        return {}, f"{', '.join(twice)} is named more than once — name each agency once"
    return {"agencies": tuple(ids)}, None


def _under1(value: str) -> Parsed:
    answer = {"yes": True, "y": True, "no": False, "n": False}.get(value.casefold())
    if answer is None:
        return {}, "answer yes or no, e.g. under1=yes"
    return {"under1": answer}, None


def _period(value: str) -> Parsed:
    parts = [part.strip() for part in value.split("..")]
    if len(parts) != 2 or not all(parts):
        return {}, "give two dates joined by .., e.g. period=2025-11-01..2026-11-01"
    ends: list[date] = []
    for part in parts:
        iso, problem = _date(part)
        if iso is None:
            return {}, problem
        ends.append(date.fromisoformat(iso))
    if ends[0] > ends[1]:
        return {}, "the period ends before it starts — give FROM..TO with the earlier date first"
    return {"period": (ends[0], ends[1])}, None


def people(value: str) -> Parsed:
    """``to=@alex,@sam`` (mentions as Slack sends them, separated by commas or spaces):
    ``{"to": (user ids, each once)}``."""
    parts = _PERSON.findall(value)
    users: list[str] = []
    for part in parts:
        user, problem = parse_user(part)
        if user is None:
            return {}, f"`{shown(part, 40)}`: {problem}"
        users.append(user)
    if not users:
        return {}, "`to=` needs at least one person, e.g. to=@alex,@sam"
    return {"to": tuple(dict.fromkeys(users))}, None


REFERENCE_MAX = 40
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def reference(raw: str) -> tuple[str | None, str | None]:
    """A review's reference, upper case: (reference, None) or (None, the problem)."""
    echo = shown(raw)
    if len(raw) > REFERENCE_MAX:
        return None, f"reference `{echo}` is {len(raw)} characters long; use at most 40"
    if not _REFERENCE.fullmatch(raw):
        return None, f"reference `{echo}`: use letters, digits and dashes only, e.g. RR-2026-014"
    return raw.upper(), None


REASON_MAX = 500


def reason(value: str) -> Parsed:
    """A hold's reason (``/rrm hold REF reason=…``): free text of 1 to 500 characters,
    ``{"reason": text}``."""
    if not value:
        return {}, "`reason=` needs a value, e.g. reason=LCSPR commissioned"
    if len(value) > REASON_MAX:
        return {}, f"the reason is {len(value)} characters long; use at most {REASON_MAX}"
    return {"reason": value}, None


OPEN_FIELDS: dict[str, tuple[Callable[[str], Parsed], str]] = {
    "child": (_child, 'child="Child A"'),
    "notified": (_date_field("notified"), "notified=2026-11-20"),
    "meeting": (_meeting, "meeting=2026-12-09T10:00"),
    "due": (_date_field("due"), "due=2026-12-02"),
    "chair": (_chair, "chair=@chair (type @ and pick the person)"),
    "agencies": (_agencies, "agencies=police,health,csc"),
    "incident": (_date_field("incident"), "incident=2026-11-18"),
    "under1": (_under1, "under1=yes"),
    "period": (_period, "period=2025-11-01..2026-11-01"),
}


def date_value(name: str) -> Callable[[str], Parsed]:
    """A date argument (ISO or UK, e.g. ``until=2026-12-11``): ``{name: date}``."""
    return _date_field(name)


def apply_field(key: str, word: Word, found: dict[str, Any]) -> list[str]:
    """Read ``key=value`` (one of ``OPEN_FIELDS``) into ``found``; the problems, each naming
    what was typed and the fix (a value is needed, or why it can't be read)."""
    parse, example = OPEN_FIELDS[key]
    plain = unescape_slack(word.value).strip()
    if not plain:
        return [f"`{key}=` needs a value, e.g. {example}"]
    parsed, problem = parse(plain)
    found.update(parsed)
    return [f"`{shown(word.raw)}`: {problem}"] if problem else []
