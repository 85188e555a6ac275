"""``build_pack``: the pure function from a review and its returns to the pack's view-model.

It reads no clock and does no I/O (``today``, ``generated_at`` and the calendar are given). Only
received returns (submitted, nil, provisional) feed the flags, the merged sections and the
appendix, and only their visible answers; every nominated return is in the status table, so a
review with missing returns, or with none at all, still builds.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from forms.pack.analysis import actions, decision_record, learning, next_steps, themes
from forms.pack.answers import ReturnView, long_date, long_datetime, short_date
from forms.pack.appendix import appendix
from forms.pack.chronology import chronology, moves
from forms.pack.flags import content_flags
from forms.pack.inputs import PackInput
from forms.pack.model import AgencyLine, ContentsEntry, Cover, Pack, StatusTable
from forms.pack.people import case_summary, family
from forms.pack.reference import reference
from forms.pack.returns import (
    STATE_WORDS,
    amended_marker,
    on_behalf_marker,
    return_flags,
    status_table,
)
from forms.records import RECEIVED_STATES, ReturnState

MARKING = "OFFICIAL-SENSITIVE"
RAPID_REVIEW_WORKING_DAYS = 15

SECTIONS = (
    ("cover", "Cover sheet"),
    ("flags", "Flags for the chair"),
    ("status", "Returns status"),
    ("family", "Family and network"),
    ("summary", "Case summary"),
    ("chronology", "Merged multi-agency chronology"),
    ("moves", "Moves and transfers"),
    ("themes", "Themes across agencies"),
    ("learning", "Good practice and learning"),
    ("actions", "Immediate actions already taken"),
    ("views", "Agency views on next steps"),
    ("decision", "Decision record"),
    ("appendix-a", "Appendix A: agency returns"),
    ("appendix-b", "Appendix B: reference"),
)


def build_pack(inp: PackInput) -> Pack:
    """Build the meeting pack's view-model from the review and every nominated return."""
    received = [r for r in inp.returns if r.ret.state in RECEIVED_STATES]
    views = [
        ReturnView(inp.form, r.ret.agency_key, r.ret.agency_name, r.ret.state.value, r.answers)
        for r in received
    ]
    table = status_table(inp.form, inp.returns, inp.today, calendar=inp.calendar, tz=inp.tz)
    raised, clear = content_flags(views)
    about_returns = return_flags(table, views)
    if not about_returns:
        clear.insert(0, "Returns missing, overdue or provisional")
    flags = [
        *(f for f in raised if f.kind == "current_risk"),
        *about_returns,
        *(f for f in raised if f.kind != "current_risk"),
    ]
    statuses = [
        (_appendix_status(v), _when(r.ret.submitted_at, inp.tz))
        for v, r in zip(views, received, strict=True)
    ]
    review = inp.review
    return Pack(
        marking=MARKING,
        title=f"{review.reference} ({review.pseudonym}): rapid review meeting pack",
        cover=_cover(inp, table),
        contents=tuple(
            ContentsEntry(anchor=anchor, number=str(n), title=title)
            for n, (anchor, title) in enumerate(SECTIONS, 1)
        ),
        flags=tuple(flags),
        flags_clear=tuple(clear),
        status=table,
        family=family(inp.form, views, review.pseudonym, review.under_1),
        summary=case_summary(views, review.incident_description, inp.case_summary),
        chronology=chronology(views),
        moves=moves(views),
        themes=themes(inp.form, views),
        learning=learning(views),
        actions=actions(views),
        views=next_steps(views),
        decision=decision_record(views),
        appendix=appendix(
            views,
            statuses,
            entered=[on_behalf_marker(r) for r in received],
            amended=[amended_marker(r, inp.tz) for r in received],
        ),
        reference=reference(),
    )


def _when(at: datetime | None, tz: ZoneInfo) -> str:
    if at is None:
        return ""
    local = _local(at, tz)
    return f"{long_datetime(local)} {local.tzname() or ''}".rstrip()


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    aware = at if at.tzinfo is not None and at.utcoffset() is not None else at.replace(tzinfo=tz)
    return aware.astimezone(tz)


def _appendix_status(view: ReturnView) -> str:
    status = STATE_WORDS[ReturnState(view.state)]
    return f"{status} (awaiting sign-off)" if view.choice("K1") == "no" else status


def _contents_note(table: StatusTable) -> str:
    counts = {state: sum(r.state == state.value for r in table.rows) for state in RECEIVED_STATES}
    parts = [
        f"{counts[ReturnState.SUBMITTED]} submitted",
        f"{counts[ReturnState.NIL]} nil",
        f"{counts[ReturnState.PROVISIONAL]} provisional",
    ]
    return (
        f"This pack contains the returns marked as received: {', '.join(parts)} "
        f"({table.received} of {table.expected} nominated agencies). Returns not yet "
        "submitted appear in the returns status table only; none of their answers are included."
    )


def _cover(inp: PackInput, table: StatusTable) -> Cover:
    review, cal = inp.review, inp.calendar
    rr_due = cal.add_working_days(review.notification_date, RAPID_REVIEW_WORKING_DAYS)
    retention = (
        f"{inp.retention_days} days after the review is closed"
        if inp.retention_days is not None
        else "when the review's retention period ends"
    )
    return Cover(
        marking=MARKING,
        title="Rapid review meeting pack",
        pseudonym=review.pseudonym,
        reference=review.reference,
        partnership=inp.partnership,
        incident_date=long_date(review.incident_date) if review.incident_date else "Not recorded",
        notification_date=long_date(review.notification_date),
        review_period=f"{short_date(review.period_from)} to {short_date(review.period_to)}",
        returns_due=long_date(review.due_date),
        rr_due_date=long_date(rr_due),
        rr_days_remaining=cal.working_days_left_phrase(rr_due, inp.today),
        meeting=_when(review.meeting_at, inp.tz),
        chair=inp.chair_name or review.chair,
        attendees=tuple(inp.attendees),
        agencies=tuple(AgencyLine(name=row.agency, status=row.status) for row in table.rows),
        version=f"Version {inp.version}",
        draft=inp.draft,
        generated=_when(inp.generated_at, inp.tz),
        distribution=tuple(inp.recipients),
        changed_since=tuple(inp.changed_since),
        contents_note=_contents_note(table),
        handling=(
            f"{MARKING}. For the named recipients only: do not forward, copy or print it beyond "
            "them. Keep it in the partnership's secure records system and delete other copies "
            "after the meeting. The bot keeps no copy of this pack; copies delivered through "
            f"Slack are deleted when a newer version is sent or {retention}."
        ),
    )
