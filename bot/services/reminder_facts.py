"""What the reminder policy is told about a review, read inside a unit of work: its dates and
people, and per return its state, contact, due date, the date a provisional return's contact
promised (A1b.date), whether it awaits sign-off (K1 = No) and whether it was reopened.

Answers are read only for received returns, and only those two questions are looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from forms.records import (
    RECEIVED_STATES,
    AgencyReturn,
    Answers,
    AuditEntry,
    Review,
    ReviewStatus,
)
from forms.reminders import ReturnFacts, ReviewFacts
from storage.ports import UnitOfWork

PROMISED_DATE = "A1b.date"
SIGN_OFF = "K1"
REOPENED = "return.reopened"
SUBMITTED = frozenset({"return.submitted", "return.resubmitted"})


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def reopened_returns(audit: Sequence[AuditEntry]) -> set[int]:
    """Returns whose Edit was pressed after their last submission (by audit order)."""
    last: dict[int, str] = {}
    for entry in audit:
        if entry.return_id is not None and (entry.action == REOPENED or entry.action in SUBMITTED):
            last[entry.return_id] = entry.action
    return {return_id for return_id, action in last.items() if action == REOPENED}


def return_facts(
    ret: AgencyReturn, answers: Answers, reopened: bool, zone: ZoneInfo
) -> ReturnFacts:
    """The policy's view of one return. A contact who cannot be reached in Slack, or whose
    return a coordinator is entering on the agency's behalf, is no one to remind (the
    coordinator hears of it as overdue in the digest instead)."""
    submitted = ret.submitted_at.astimezone(zone).date() if ret.submitted_at else None
    outside = ret.unreachable is not None or ret.entered_by is not None
    return ReturnFacts(
        id=ret.id,
        agency_key=ret.agency_key,
        contact=None if outside else ret.contact_user_id,
        state=ret.state,
        due=ret.due_date,
        submitted_on=submitted,
        promised=_date(answers.get(PROMISED_DATE)),
        awaiting_sign_off=answers.get(SIGN_OFF) == "no",
        reopened=reopened,
    )


def review_facts(
    uow: UnitOfWork, review: Review, zone: ZoneInfo
) -> tuple[ReviewFacts, list[AgencyReturn]]:
    """The policy's view of a review (and its returns as stored), read through ``uow``."""
    returns = uow.returns.list_for_review(review.id)
    reopened = reopened_returns(uow.audit.list_for_review(review.id, (REOPENED, *SUBMITTED)))
    facts = tuple(
        return_facts(
            r,
            uow.answers.get(r.id) if r.state in RECEIVED_STATES else {},
            r.id in reopened,
            zone,
        )
        for r in returns
    )
    return (
        ReviewFacts(
            id=review.id,
            notified=review.notification_date,
            meeting_at=review.meeting_at,
            owner=review.owner,
            chair=review.chair,
            open=review.status is ReviewStatus.OPEN,
            locked=review.status is ReviewStatus.LOCKED,
            returns=facts,
        ),
        returns,
    )
