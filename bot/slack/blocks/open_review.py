"""The ``/rrm open`` modal (DESIGN §3): every field of a new rapid review, one contact picker
per chosen agency. Pure: no Slack client, no database, no clock.

Callback id ``open_review``. Input block ids are ``o|<field>`` (see :data:`FIELDS`) and
``o|contact|<agency id>``; every element's action id is ``v``. The agencies select dispatches
a block action (block ``o|agencies``) so the adapter can re-render the modal with a picker per
chosen agency: ``open_review_view(values=draft_from_state(state), ...)``
(:mod:`bot.slack.open_state` reads the state back). Typed text is raw in initial values and
escaped wherever it is shown in mrkdwn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticMultiSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.reviews import MAX_PSEUDONYM
from bot.slack.blocks.common import INPUT_ACTION_ID, context_line, encode_meta, mrkdwn_section
from bot.slack.blocks.limits import LABEL_MAX, OPTION_TEXT_MAX, SELECT_OPTIONS_MAX, VIEW_MAX_BLOCKS
from bot.slack.blocks.text import escape_mrkdwn, excerpt, plain
from bot.slack.grammar import REFERENCE_MAX, OpenArgs
from forms.parsing import JSONValue
from forms.partnership import Agency, EmailContact, Partnership

OPEN_CALLBACK_ID = "open_review"
FIELDS = (
    "reference",
    "child",
    "under1",
    "incident",
    "notified",
    "period_from",
    "period_to",
    "description",
    "meeting_date",
    "meeting_time",
    "due",
    "chair",
    "agencies",
)
"""The fields of the modal, in order; each is the input block ``o|<field>``."""
DESCRIPTION_MAX = 3000
PERIOD_HINT = "Default: 12 months before the incident; for a baby from the start of pregnancy"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def block_id(name: str) -> str:
    """The input block of a field: ``o|<field>``."""
    return f"o|{name}"


def contact_block_id(agency_id: str) -> str:
    """The contact picker of an agency: ``o|contact|<agency id>``."""
    return f"o|contact|{agency_id}"


@dataclass(frozen=True)
class OpenDraft:
    """What the modal shows, each value raw as Slack carries it (None: not given): dates as
    ``YYYY-MM-DD``, the meeting time as ``HH:MM``, ``under1`` as ``yes``/``no``, users as
    ids, ``contacts`` as {agency id: user id} for the pickers already chosen."""

    reference: str | None = None
    child: str | None = None
    under1: str | None = None
    incident: str | None = None
    notified: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    description: str | None = None
    meeting_date: str | None = None
    meeting_time: str | None = None
    due: str | None = None
    chair: str | None = None
    agencies: tuple[str, ...] | None = None
    contacts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenDefaults:
    """Computed defaults for blank fields (the caller applies the working-day calendar)."""

    notified: date | None = None
    due: date | None = None
    meeting_date: date | None = None
    meeting_time: time | None = None


def draft_from_args(args: OpenArgs) -> OpenDraft:
    """The draft of an incomplete ``/rrm open`` text command: the modal opens pre-filled."""
    period = args.period or (None, None)
    return OpenDraft(
        reference=args.reference,
        child=args.child,
        under1=None if args.under1 is None else ("yes" if args.under1 else "no"),
        incident=_iso(args.incident),
        notified=_iso(args.notified),
        period_from=_iso(period[0]),
        period_to=_iso(period[1]),
        meeting_date=_iso(args.meeting),
        meeting_time=args.meeting_time.strftime("%H:%M") if args.meeting_time else None,
        due=_iso(args.due),
        chair=args.chair,
        agencies=args.agencies,
    )


def open_defaults(
    values: OpenDraft,
    partnership: Partnership,
    *,
    today: date,
    add_working_days: Callable[[date, int], date],
) -> OpenDefaults:
    """Defaults from the notification date (today's when none is given): due = notified + the
    partnership's ``due_working_days``, meeting = notified + ``meeting_working_days`` at its
    ``meeting_time``."""
    notified = _day(values.notified) or today
    settings = partnership.defaults
    return OpenDefaults(
        notified=notified,
        due=add_working_days(notified, settings.due_working_days),
        meeting_date=add_working_days(notified, settings.meeting_working_days),
        meeting_time=settings.meeting_clock,
    )


def open_review_view(
    *,
    partnership: Partnership,
    reference: str,
    chosen: Sequence[str],
    contacts: Mapping[str, str | None],
    values: OpenDraft,
    defaults: OpenDefaults,
    meta: Mapping[str, JSONValue],
    notice: str | None = None,
) -> dict[str, Any]:
    """The modal: ``values`` pre-fill it, ``defaults`` fill what is blank, ``reference`` is the
    suggested reference; one contact picker per agency in ``chosen``, pre-filled with the
    person already picked, else ``contacts`` (the resolved default contact, None when an
    email contact could not be resolved)."""
    top: list[Block] = []
    if notice:
        top.append(mrkdwn_section(f"⚠ {escape_mrkdwn(notice)}", block_id="notice"))
    top.append(
        context_line(
            "Identifying details of the family never go through Slack: use a pseudonym. Each "
            "contact gets a request at once.",
            block_id="intro",
        )
    )
    blocks = top + _fields(partnership, reference, chosen, values, defaults)
    agencies = [a for a in (partnership.agency(i) for i in dict.fromkeys(chosen)) if a]
    unknown = list(dict.fromkeys(i for i in chosen if partnership.agency(i) is None))
    room = VIEW_MAX_BLOCKS - len(blocks) - 1
    pickers = [_contact(a, values.contacts.get(a.id) or contacts.get(a.id)) for a in agencies]
    blocks += pickers[:room]
    notes = [f"Not in the partnership file: {', '.join(unknown)}."] if unknown else []
    if len(agencies) > room:
        notes.append(f"{len(agencies) - room} more agencies get their default contacts.")
    if notes:
        text = escape_mrkdwn(excerpt(" ".join(notes), 2000))
        blocks.append(context_line(text, block_id="notes"))
    view = View(
        type="modal",
        callback_id=OPEN_CALLBACK_ID,
        title=PlainTextObject(text="Open rapid review"),
        submit=PlainTextObject(text="Open review"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=encode_meta(meta),
        blocks=blocks,
    )
    return view.to_dict()


def _fields(
    partnership: Partnership,
    reference: str,
    chosen: Sequence[str],
    v: OpenDraft,
    d: OpenDefaults,
) -> list[Block]:
    s = partnership.defaults
    child = v.child or None
    child_box = _text(child, MAX_PSEUDONYM)
    due_hint = f"Usually {s.due_working_days} working days after the notification date"
    meeting_hint = f"Usually {s.meeting_working_days} working days after the notification date"
    time_text = _clock(v.meeting_time) or (d.meeting_time or s.meeting_clock).strftime("%H:%M")
    return [
        _input(
            "reference",
            "Reference",
            _text(v.reference or reference, REFERENCE_MAX),
            "Letters, digits and dashes, e.g. RR-2026-015",
        ),
        _input("child", "Child's pseudonym", child_box, "Never a real name: e.g. Child A"),
        _input(
            "under1",
            "Child under 1 or not independently mobile",
            _yes_no(v.under1),
            "Sets the default review period",
        ),
        _input("incident", "Incident date", _date(v.incident, None), optional=True),
        _input(
            "notified",
            "Notification date",
            _date(v.notified, d.notified),
            "The date of the serious incident notification",
        ),
        _input(
            "period_from",
            "Review period from",
            _date(v.period_from, None),
            PERIOD_HINT,
            optional=True,
        ),
        _input(
            "period_to",
            "Review period to",
            _date(v.period_to, None),
            "Default: the incident date (else the notification date)",
            optional=True,
        ),
        _input(
            "description",
            "Brief incident description",
            _text(v.description, DESCRIPTION_MAX, multiline=True),
            "Shown only in the meeting pack",
            optional=True,
        ),
        _input("meeting_date", "Meeting date", _date(v.meeting_date, d.meeting_date), meeting_hint),
        _input(
            "meeting_time",
            "Meeting time",
            TimePickerElement(action_id=INPUT_ACTION_ID, initial_time=time_text),
        ),
        _input(
            "due",
            "Return due date",
            _date(v.due, d.due),
            f"{due_hint}; returns are due by the end of this day",
        ),
        _input("chair", "Chair", _user(v.chair), "Gets the meeting pack before the meeting"),
        _input(
            "agencies",
            "Agencies",
            _agencies(partnership, chosen),
            "Each agency chosen gets a contact below",
            dispatch=True,
        ),
    ]


def _input(
    name: str,
    label: str,
    element: InputInteractiveElement,
    hint: str | None = None,
    *,
    optional: bool = False,
    dispatch: bool = False,
) -> InputBlock:
    return InputBlock(
        block_id=block_id(name),
        label=PlainTextObject(text=plain(label, LABEL_MAX)),
        element=element,
        hint=PlainTextObject(text=hint) if hint else None,
        optional=optional or None,
        dispatch_action=dispatch or None,
    )


def _contact(agency: Agency, user: str | None) -> InputBlock:
    first = agency.contacts[0]
    user = user or (first if isinstance(first, str) else None)
    initial = user if user and _USER.fullmatch(user) else None
    hint = None
    if initial is None and isinstance(first, EmailContact):
        hint = f"No Slack user found for {first.email}: choose the contact"
    return InputBlock(
        block_id=contact_block_id(agency.id),
        label=PlainTextObject(text=plain(f"{agency.name} contact", LABEL_MAX)),
        element=_user(initial),
        hint=PlainTextObject(text=plain(hint, LABEL_MAX)) if hint else None,
    )


def _text(value: str | None, max_length: int, *, multiline: bool = False) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=INPUT_ACTION_ID,
        initial_value=value or None,
        max_length=max(max_length, len(value or "")) if not multiline else max_length,
        multiline=multiline or None,
    )


def _yes_no(value: str | None) -> RadioButtonsElement:
    options = [
        Option(value="yes", text=PlainTextObject(text="Yes")),
        Option(value="no", text=PlainTextObject(text="No")),
    ]
    chosen = next((o for o in options if o.value == value), None)
    return RadioButtonsElement(action_id=INPUT_ACTION_ID, options=options, initial_option=chosen)


def _date(value: str | None, default: date | None) -> DatePickerElement:
    initial = _iso(_day(value) or default)
    return DatePickerElement(action_id=INPUT_ACTION_ID, initial_date=initial)


def _user(user: str | None) -> UserSelectElement:
    initial = user if user and _USER.fullmatch(user) else None
    return UserSelectElement(
        action_id=INPUT_ACTION_ID, placeholder="Choose a person", initial_user=initial
    )


def _agencies(partnership: Partnership, chosen: Sequence[str]) -> StaticMultiSelectElement:
    options = [
        Option(value=a.id, text=PlainTextObject(text=plain(a.name, OPTION_TEXT_MAX)))
        for a in partnership.agencies[:SELECT_OPTIONS_MAX]
    ]
    initial = [o for o in options if o.value in set(chosen)] or None
    return StaticMultiSelectElement(
        action_id=INPUT_ACTION_ID,
        placeholder="Choose the agencies",
        options=options,
        initial_options=initial,
    )


def _day(value: str | None) -> date | None:
    if value is None or not _DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _clock(value: str | None) -> str | None:
    return value if value and _CLOCK.fullmatch(value) else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
