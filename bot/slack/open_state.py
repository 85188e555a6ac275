"""The ``/rrm open`` modal's state back into an :class:`OpenRequest`, or the problems.

``request_from_state`` reads ``view.state.values`` of the modal built by
:mod:`bot.slack.blocks.open_review`; every problem is keyed by its input's block id for
``response_action: errors`` and names the field and the fix. ``field_block`` maps the field
names of :func:`bot.services.reviews.validate` (``InvalidRequest.fields``) to the same block
ids, so errors found by the service show under the right input. Nothing here raises on a
malformed state.

Also what the adapter needs around the modal: ``draft_from_state`` (re-render it as it is),
``default_contacts`` (each agency's default contact, emails looked up), ``suggest_reference``
and ``pseudonym_check`` (warn once about a pseudonym that looks identifying).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from bot.services.reviews import MAX_PSEUDONYM, OpenRequest, default_period
from bot.slack.blocks.common import INPUT_ACTION_ID
from bot.slack.blocks.limits import ERROR_MESSAGE_MAX
from bot.slack.blocks.open_review import FIELDS, OpenDraft, block_id, contact_block_id
from bot.slack.blocks.text import excerpt
from bot.slack.grammar import REFERENCE_MAX
from forms.partnership import EmailContact, Partnership
from forms.pseudonym import pseudonym_warnings

WARNED_KEY = "warned"
"""The ``private_metadata`` key holding the pseudonym the coordinator was already warned about."""

_SERVICE_FIELDS = {
    "reference": "reference",
    "child": "child",
    "under1": "under1",
    "incident": "incident",
    "notified": "notified",
    "period": "period_from",
    "description": "description",
    "meeting": "meeting_date",
    "due": "due",
    "chair": "chair",
    "agencies": "agencies",
}
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_EXAMPLE_REFERENCE = "e.g. RR-2026-015"
_SUGGESTED = re.compile(r"RR-(\d{4})-(\d+)", re.IGNORECASE)
KEEP_OR_CHANGE = "Press Open review again to keep it, or change it."


def draft_from_state(state_values: object) -> OpenDraft:
    """The draft of the modal as it is now (``view.state.values``), e.g. to re-render it when
    the chosen agencies change. Never raises: what cannot be read is None."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = read_input(state_values, block_id(name))
        if name == "agencies":
            values[name] = tuple(value) if isinstance(value, list) else None
        else:
            values[name] = value if isinstance(value, str) else None
    contacts: dict[str, str] = {}
    if isinstance(state_values, Mapping):
        for key in state_values:
            if isinstance(key, str) and key.startswith(contact_block_id("")):
                user = read_input(state_values, key)
                if isinstance(user, str):
                    contacts[key.removeprefix(contact_block_id(""))] = user
    return OpenDraft(**values, contacts=contacts)


def read_input(state_values: object, block: str) -> str | list[str] | None:
    """The raw value of one input in ``view.state.values``: typed text, chosen option(s),
    date, time or user; None when blank, absent or malformed."""
    actions = state_values.get(block) if isinstance(state_values, Mapping) else None
    element = actions.get(INPUT_ACTION_ID) if isinstance(actions, Mapping) else None
    if not isinstance(element, Mapping):
        return None
    for key in ("value", "selected_date", "selected_time", "selected_user"):
        if isinstance(element.get(key), str) and element[key]:
            return str(element[key])
    option = element.get("selected_option")
    if isinstance(option, Mapping) and isinstance(option.get("value"), str):
        return str(option["value"]) or None
    options = element.get("selected_options")
    if isinstance(options, list):
        chosen = [o.get("value") for o in options if isinstance(o, Mapping)]
        return [v for v in chosen if isinstance(v, str) and v] or None
    return None


def default_contacts(
    partnership: Partnership, chosen: Iterable[str], lookup_email: Callable[[str], str | None]
) -> dict[str, str | None]:
    """The default contact of each chosen agency: its first contact, an email resolved with
    ``lookup_email`` (``users.lookupByEmail``), None when it could not be."""
    found: dict[str, str | None] = {}
    for agency_id in chosen:
        agency = partnership.agency(agency_id)
        if agency is not None:
            first = agency.contacts[0]
            if isinstance(first, EmailContact):
                found[agency_id] = lookup_email(first.email)
            else:
                found[agency_id] = first
    return found


def suggest_reference(year: int, existing: Iterable[str]) -> str:
    """The next ``RR-<year>-NNN`` after the highest of ``existing`` in that year."""
    numbers = [int(m[2]) for r in existing if (m := _SUGGESTED.fullmatch(r)) and int(m[1]) == year]
    return f"RR-{year}-{max(numbers, default=0) + 1:03d}"


def pseudonym_notice(warnings: Sequence[str]) -> str:
    """The notice over a modal whose pseudonym looks identifying (raw; the view escapes it)."""
    return " ".join(warnings) + " " + KEEP_OR_CHANGE


def field_block(name: str) -> str:
    """The block id that shows a problem with the service-side field ``name`` (``child``,
    ``agencies``, ``due``, ``meeting``, ``incident``, ``period``, ``chair``, ``reference``);
    a modal field name (``meeting_time``…) is its own block; anything else goes on the
    reference, the first input, so that Slack never gets an error for a missing block."""
    if name in _SERVICE_FIELDS:
        return block_id(_SERVICE_FIELDS[name])
    return block_id(name if name in FIELDS else "reference")


def service_errors(problems: Mapping[str, str]) -> dict[str, str]:
    """Problems keyed by service field name (``InvalidRequest.fields``) as ``response_action:
    errors``: keyed by block id, each one line; two problems on one block are joined."""
    found: dict[str, str] = {}
    for name, message in problems.items():
        key = field_block(name)
        found[key] = f"{found[key]} {message}" if key in found else message
    return {key: excerpt(message, ERROR_MESSAGE_MAX) for key, message in found.items()}


def pseudonym_check(pseudonym: str, meta: Mapping[str, object]) -> str | None:
    """The notice to show before opening when ``pseudonym`` looks identifying, or None when it
    looks like a pseudonym or the coordinator was already warned about this very text (the
    adapter re-renders with ``{WARNED_KEY: pseudonym}`` in the metadata)."""
    if meta.get(WARNED_KEY) == pseudonym:
        return None
    warnings = pseudonym_warnings(pseudonym)
    return pseudonym_notice(warnings) if warnings else None


def request_from_state(
    state_values: object, *, partnership: Partnership, tz: tzinfo
) -> OpenRequest | dict[str, str]:
    """The open request the modal's state describes, or {block id: problem}. The meeting is
    its date and time in ``tz`` (the partnership's zone), an aware datetime."""
    draft = draft_from_state(state_values)
    reader = _Reader()
    reference = reader.reference(draft.reference)
    pseudonym = reader.pseudonym(draft.child)
    under_1 = reader.required(
        "under1",
        draft.under1,
        "Answer yes or no: is the child under 1 or not independently mobile?",
    )
    incident = reader.day("incident", draft.incident, "the incident date", required=False)
    notified = reader.day("notified", draft.notified, "the notification date")
    period_from = reader.day(
        "period_from", draft.period_from, "the start of the review period", required=False
    )
    period_to = reader.day(
        "period_to", draft.period_to, "the end of the review period", required=False
    )
    meeting_day = reader.day("meeting_date", draft.meeting_date, "the meeting date")
    meeting_time = reader.clock(draft.meeting_time)
    due = reader.day("due", draft.due, "the return due date")
    chair = reader.required("chair", draft.chair, "Choose the chair.")
    contacts = reader.contacts(draft, partnership, state_values)
    if notified and (period_from or period_to):
        start, end = default_period(notified, incident, under_1 == "yes")
        if (period_from or start) > (period_to or end):
            reader.fail(
                "period_from",
                "The review period must start before it ends: "
                "choose an earlier start or a later end.",
            )
    if reader.errors:
        return reader.errors
    assert reference and pseudonym and notified and meeting_day and meeting_time and due
    assert chair and contacts is not None
    return OpenRequest(
        reference=reference,
        pseudonym=pseudonym,
        notification_date=notified,
        meeting_at=_local(meeting_day, meeting_time, tz),
        due_date=due,
        chair=chair,
        contacts=contacts,
        under_1=under_1 == "yes",
        incident_date=incident,
        period_from=period_from,
        period_to=period_to,
        incident_description=draft.description if (draft.description or "").strip() else None,
    )


def _local(day: date, clock: time, tz: tzinfo) -> datetime:
    """``day`` at ``clock`` in ``tz``; a time that does not exist (skipped when the clocks go
    forward) becomes the same instant on the new offset, e.g. 01:30 → 02:30 BST."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


class _Reader:
    """Reads one field at a time and collects the problems, keyed by block id."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(block_id(name), excerpt(message, ERROR_MESSAGE_MAX))

    def required(self, name: str, value: str | None, message: str) -> str | None:
        if value is None or not value.strip():
            self.fail(name, message)
            return None
        return value

    def reference(self, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            self.fail("reference", f"Give a reference, {_EXAMPLE_REFERENCE}.")
        elif len(text) > REFERENCE_MAX:
            self.fail("reference", f"Use at most {REFERENCE_MAX} characters, {_EXAMPLE_REFERENCE}.")
        elif not _REFERENCE.fullmatch(text):
            self.fail("reference", f"Use letters, digits and dashes only, {_EXAMPLE_REFERENCE}.")
        else:
            return text.upper()
        return None

    def pseudonym(self, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            self.fail("child", "Give the child's pseudonym, e.g. Child A.")
        elif len(text) > MAX_PSEUDONYM:
            self.fail(
                "child",
                f"The pseudonym is {len(text)} characters long: use at most "
                f"{MAX_PSEUDONYM}, e.g. Child A.",
            )
        else:
            return text
        return None

    def day(self, name: str, value: str | None, what: str, *, required: bool = True) -> date | None:
        if value is None:
            if required:
                self.fail(name, f"Give {what}.")
            return None
        try:
            if _DAY.fullmatch(value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(name, f"Choose {what} from the calendar.")
        return None

    def clock(self, value: str | None) -> time | None:
        match = _CLOCK.fullmatch(value or "")
        if match is None:
            self.fail("meeting_time", "Give the meeting time, e.g. 10:00.")
            return None
        return time(int(match[1]), int(match[2]))

    def contacts(
        self, draft: OpenDraft, partnership: Partnership, state_values: object
    ) -> dict[str, str | None] | None:
        """{agency id: chosen user} for each chosen agency; an agency whose picker is not in the
        view yet (chosen just before pressing Open review) gets its default contact (None)."""
        shown = set(state_values) if isinstance(state_values, Mapping) else set()
        if not draft.agencies:
            self.fail("agencies", "Choose at least one agency.")
            return None
        contacts: dict[str, str | None] = {}
        for agency_id in dict.fromkeys(draft.agencies):
            agency = partnership.agency(agency_id)
            if agency is None:
                self.fail("agencies", "Choose the agencies from the list again.")
                return None
            user = draft.contacts.get(agency_id)
            if user is None and contact_block_id(agency_id) in shown:
                self.errors.setdefault(
                    contact_block_id(agency_id),
                    excerpt(f"Choose a contact for {agency.name}.", ERROR_MESSAGE_MAX),
                )
            contacts[agency_id] = user
        return None if self.errors else contacts
