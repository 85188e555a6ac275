"""The partnership file (DESIGN §3): name, time zone, referral route, agencies and their contacts.

Loaded with the same line-aware errors as question sets (:mod:`forms.loader`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time
from importlib.resources import files
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from forms.loader import FormDefinitionError, Loc, Problem, build_model, parse_yaml

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SLUG = re.compile(r"[a-z][a-z0-9_-]*")


def _matcher(pattern: re.Pattern[str], kind: str, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError(kind, '"{value}" is not ' + what, {"value": value})
        return value

    return AfterValidator(check)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "bad_zone",
            'unknown time zone "{value}": use an IANA name such as Europe/London',
            {"value": value},
        ) from None
    return value


def _clock(value: str) -> str:
    match = re.fullmatch(r"(\d{2}):(\d{2})", value)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise PydanticCustomError(
            "bad_time", '"{value}" is not a time of day: use HH:MM, e.g. "10:00"', {"value": value}
        )
    return value


SlackUserId = Annotated[
    str, _matcher(_SLACK_USER, "bad_contact", "a Slack user id (U… or W…) or {email: …}")
]
Clock = Annotated[str, AfterValidator(_clock)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailContact(_Model):
    """A contact known by email, resolved with ``users.lookupByEmail``."""

    email: Annotated[str, _matcher(_EMAIL, "bad_contact", "an email address")]


Contact = SlackUserId | EmailContact


class Agency(_Model):
    """An agency that may be asked for a return; the first contact is nominated by default."""

    id: Annotated[
        str, _matcher(_SLUG, "bad_id", "a lower-case agency id (letters, digits, - and _)")
    ]
    name: str = Field(min_length=1)
    contacts: tuple[Contact, ...] = Field(min_length=1)
    escalation_contact: Contact | None = None


class Defaults(_Model):
    """Defaults for a new review, in working days after the notification."""

    due_working_days: int = Field(default=7, ge=1)
    meeting_working_days: int = Field(default=12, ge=1)
    meeting_time: Clock = "10:00"

    @property
    def meeting_clock(self) -> time:
        """``meeting_time`` as a ``datetime.time``."""
        return time.fromisoformat(self.meeting_time)


class Reminders(_Model):
    """The reminder policy (DESIGN §4); every key is optional."""

    before_due_working_days: tuple[int, ...] = (2, 1)
    on_due_day: bool = True
    overdue_daily: bool = True
    window_start: Clock = "09:00"
    window_end: Clock = "17:30"


class Partnership(_Model):
    """A partnership file."""

    name: str = Field(min_length=1)
    timezone: Annotated[str, AfterValidator(_zone)]
    referral_route: str = Field(min_length=1)
    coordinator_channel: (
        Annotated[str, _matcher(_SLACK_CHANNEL, "bad_contact", "a Slack channel id (C… or G…)")]
        | None
    ) = None
    defaults: Defaults = Defaults()
    pack_auto_release: bool = False
    extra_closed_days: tuple[date, ...] = ()
    reminders: Reminders = Reminders()
    agencies: tuple[Agency, ...] = Field(min_length=1)

    def agency(self, agency_id: str) -> Agency | None:
        """The agency with this id, or None."""
        return next((a for a in self.agencies if a.id == agency_id), None)


def _problems(partnership: Partnership) -> Iterator[Problem]:
    seen: dict[str, Loc] = {}
    for i, agency in enumerate(partnership.agencies):
        loc: Loc = ("agencies", i, "id")
        if agency.id in seen:
            yield Problem(loc, f'duplicate agency id "{agency.id}"', seen[agency.id])
        seen.setdefault(agency.id, loc)
    reminders = partnership.reminders
    if reminders.window_start >= reminders.window_end:
        yield Problem(("reminders", "window_end"), "window_end must be after window_start")


def load_partnership_text(text: str, source: str = "<partnership>") -> Partnership:
    """Parse a partnership file from YAML text. Raises :class:`FormDefinitionError`."""
    return build_model(parse_yaml(text, source), Partnership, _problems)


def load_partnership(path: str | Path) -> Partnership:
    """Load a partnership file; errors name the file, the line, the agency and the problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormDefinitionError([f"{path}: cannot read the partnership file: {exc}"]) from exc
    return load_partnership_text(text, str(path))


def default_partnership_path() -> Path:
    """The shipped fictional example partnership."""
    return Path(str(files("forms") / "examples" / "partnership.yaml"))
