"""Section 3 (returns status) and the flags about returns that are missing, overdue or provisional.

Status words: "Not started" (invited), "In progress" ("n of m sections saved, not submitted"),
"Overdue" (either of those past the end of its due date), "Submitted", "Nil return",
"Provisional", "Withdrawn". A submitted return with K1 = No is "awaiting sign-off"; one edited
after submission is "amended"; one a coordinator entered is "entered on behalf".

Flags: ``return_overdue`` (not received, past its due date), ``return_missing`` (not received,
not yet due) and ``return_provisional`` (A1 = not yet able to confirm). Withdrawn returns are
in the table only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from forms.calendar import WorkingCalendar
from forms.engine import progress
from forms.model import QuestionSet
from forms.pack.answers import ReturnView, short_date
from forms.pack.inputs import ReturnInput
from forms.pack.model import Flag, FlagItem, StatusRow, StatusTable
from forms.records import RECEIVED_STATES, ReturnState
from forms.status import is_overdue, received_count

STATE_WORDS = {
    ReturnState.INVITED: "Not started",
    ReturnState.IN_PROGRESS: "In progress",
    ReturnState.SUBMITTED: "Submitted",
    ReturnState.NIL: "Nil return",
    ReturnState.PROVISIONAL: "Provisional",
    ReturnState.WITHDRAWN: "Withdrawn",
}


def _local_date(at: datetime | None, tz: ZoneInfo) -> str:
    return short_date(at.astimezone(tz).date()) if at else ""


def status_table(
    form: QuestionSet,
    returns: Sequence[ReturnInput],
    today: date,
    *,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
) -> StatusTable:
    """One row per nominated return, in the order given."""
    rows = tuple(_row(form, r, today, calendar, tz) for r in returns)
    received, expected = received_count(r.ret for r in returns)
    return StatusTable(rows=rows, received=received, expected=expected)


def _progress_text(form: QuestionSet, item: ReturnInput) -> str:
    if item.ret.state is ReturnState.INVITED:
        return "Not started"
    done = progress(form, item.answers)
    return f"{done.answered_pages} of {done.total_pages} sections saved, not submitted"


def _row(
    form: QuestionSet,
    item: ReturnInput,
    today: date,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
) -> StatusRow:
    ret = item.ret
    view = ReturnView(form, ret.agency_key, ret.agency_name, ret.state.value, item.answers)
    status, detail, notes = STATE_WORDS[ret.state], "", []
    if ret.state not in RECEIVED_STATES and ret.state is not ReturnState.WITHDRAWN:
        detail = _progress_text(form, item)
        if is_overdue(ret, today):
            status = "Overdue"
            notes.append(calendar.working_days_left_phrase(ret.due_date, today))
        elif ret.state is ReturnState.INVITED:
            detail = ""  # the status already says "Not started"
    elif ret.state is ReturnState.PROVISIONAL:
        when = view.label("A1b.date")
        detail = f"Not yet able to confirm; expects to by {when}" if when else "Not yet confirmed"
    approved = ""
    if ret.state in RECEIVED_STATES:
        if view.choice("K1") == "yes":
            approved = view.text("K1.role") or "Approved (role not given)"
            if when := view.label("K1.date"):
                approved += f", {when}"
        elif view.choice("K1") == "no":
            approved = "Awaiting sign-off"
    if amended := amended_marker(item, tz):
        notes.append(amended)
    if marker := on_behalf_marker(item):
        notes.append(marker)
    return StatusRow(
        agency=ret.agency_name,
        state=ret.state.value,
        status=status,
        detail=detail,
        due=short_date(ret.due_date),
        submitted=_local_date(ret.submitted_at, tz) if ret.state in RECEIVED_STATES else "",
        approved_by=approved,
        reminders=item.reminders_sent,
        notes=tuple(notes),
    )


def amended_marker(item: ReturnInput, tz: ZoneInfo) -> str | None:
    """ "Amended after submission on <date time>" for a received return changed after it was
    submitted: the later of the stored time and the one read from the audit (None if never)."""
    times = [t for t in (item.amended_at, item.ret.amended_at) if t is not None]
    if not times or item.ret.state not in RECEIVED_STATES:
        return None
    local = max(times).astimezone(tz)
    return f"Amended after submission on {short_date(local.date())} {local:%H:%M}"


def on_behalf_marker(item: ReturnInput) -> str | None:
    """ "Entered by <coordinator> from a return received on <date>", for a return a
    coordinator entered on the agency's behalf (None for any other)."""
    if not item.entered_by:
        return None
    if item.received_on is None:
        return f"entered on the agency's behalf by {item.entered_by}"
    return f"Entered by {item.entered_by} from a return received on {short_date(item.received_on)}"


def return_flags(table: StatusTable, views: Sequence[ReturnView]) -> list[Flag]:
    """The overdue, missing and provisional flags, from the status table."""
    overdue = [r for r in table.rows if r.status == "Overdue"]
    missing = [r for r in table.rows if r.state in ("invited", "in_progress") and r not in overdue]
    provisional = [v for v in views if v.state == ReturnState.PROVISIONAL.value]
    flags = []
    if overdue:
        flags.append(
            Flag(
                kind="return_overdue",
                severity="concern",
                title="Returns overdue",
                summary="These agencies' returns are past their due date and not received.",
                items=tuple(_status_item(r, f"due {r.due}, {', '.join(r.notes)}") for r in overdue),
            )
        )
    if missing:
        flags.append(
            Flag(
                kind="return_missing",
                severity="info",
                title="Returns not yet received",
                summary="These agencies' returns are not in this pack yet (not yet due).",
                items=tuple(_status_item(r, f"due {r.due}") for r in missing),
            )
        )
    if provisional:
        flags.append(
            Flag(
                kind="return_provisional",
                severity="concern",
                title="Provisional returns",
                summary="These agencies could not yet confirm whether they were involved (A1).",
                items=tuple(_provisional_item(v) for v in provisional),
            )
        )
    return flags


def _status_item(row: StatusRow, what: str) -> FlagItem:
    return FlagItem(agency=row.agency, question=None, text=f"{row.detail or row.status} — {what}")


def _provisional_item(view: ReturnView) -> FlagItem:
    outstanding = view.text("A1b") or "what is outstanding not given"
    when = view.label("A1b.date")
    return FlagItem(
        agency=view.agency,
        question="A1b",
        text=f"{outstanding} (expects to confirm by {when})" if when else outstanding,
    )
