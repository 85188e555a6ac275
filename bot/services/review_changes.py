"""Changing a review's schedule and people as it goes (issue 8): ``/rrm edit`` (the meeting,
the review's due date, the chair) and ``/rrm owner`` (hand the review to another coordinator).

Coordinators only (the settings say who, never the payload). A new review due date moves every
return that still had the old one; a return given its own date with ``/rrm extend`` keeps it.
After the commit the reminders and pack delivery are re-planned (they are one plan), the status
card is updated, and whoever is affected is told: contacts whose return is not yet sent (their
new due date), the new and the old chair, the owner when someone else made the change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.messenger import DeliveryFailed
from bot.services import notify, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest
from bot.services.lifecycle import find_review
from bot.services.reviews import require_coordinator
from bot.slack.blocks import change_cards as texts
from forms.parsing import JSONValue
from forms.records import AgencyReturn, ReturnState, Review, ReviewStatus
from forms.status import WAITING_STATES

log = logging.getLogger(__name__)

RESCHEDULED, OWNER_CHANGED = "review.rescheduled", "review.owner_changed"


@dataclass(frozen=True)
class Changed:
    """The review after the change, and the coordinator's reply."""

    review: Review
    text: str


def _dm(ctx: Context, user: str, text: str) -> None:
    try:
        ctx.messenger.dm(user, text)
    except DeliveryFailed as exc:
        log.warning("a note about a changed review was not delivered: %s", exc.reason)


# -- /rrm edit ----------------------------------------------------------------------------


def edit(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    reference: str,
    meeting: date | None = None,
    meeting_time: time | None = None,
    due: date | None = None,
    chair: str | None = None,
) -> Changed:
    """Move the meeting (a date alone keeps its time), the review's due date, or change the
    chair. Refused on a closed review; the due date also on a locked one."""
    require_coordinator(ctx, actor)
    before = find_review(ctx, team_id, reference)
    meeting_at = _meeting_at(ctx, before, meeting, meeting_time)
    _check(ctx, before, meeting_at, due)
    new_meeting = meeting_at if meeting_at != before.meeting_at else None
    new_due = due if due != before.due_date else None
    new_chair = chair if chair != before.chair else None
    if new_meeting is None and new_due is None and new_chair is None:
        raise InvalidRequest({"edit": f"Nothing changes: {before.reference} already has that."})
    now = ctx.now()
    with ctx.uow as uow:
        after = uow.reviews.set_schedule(
            before.id, meeting_at=new_meeting, due_date=new_due, chair=new_chair
        )
        moved: list[AgencyReturn] = []
        if new_due is not None:
            for ret in uow.returns.list_for_review(before.id):
                if ret.state is not ReturnState.WITHDRAWN and ret.due_date == before.due_date:
                    moved.append(uow.returns.set_due(ret.id, after.due_date, None, now))
        details = _details(before, after, moved)
        uow.audit.add(team_id, actor, RESCHEDULED, now, review_id=after.id, details=details)
        uow.commit()
    reminders.replan(ctx, after.id)
    notify.refresh_status_card(ctx, after.id)
    _tell_contacts(ctx, after, moved)
    _tell_chairs(ctx, before, after)
    lines = texts.rescheduled_lines(before, after, len(moved), ctx.zone)
    if actor != after.owner:
        notify.tell_owner(ctx, after, texts.edited_note(lines, after, actor))
    return Changed(after, texts.edited_reply(lines, after))


def _meeting_at(ctx: Context, review: Review, day: date | None, at: time | None) -> datetime | None:
    if day is None:
        return None
    kept = review.meeting_at.astimezone(ctx.zone).time().replace(tzinfo=None)
    return datetime.combine(day, at or kept, tzinfo=ctx.zone)


def _check(ctx: Context, review: Review, meeting_at: datetime | None, due: date | None) -> None:
    """Refuse what cannot be: a closed review, a meeting in the past, a due date that has
    passed, is before the notification or after the meeting."""
    if review.status is ReviewStatus.CLOSED:
        raise InvalidRequest({"reference": f"{review.reference} is closed: it can't be changed."})
    problems: dict[str, str] = {}
    if review.status is ReviewStatus.LOCKED and due is not None:
        problems["due"] = f"{review.reference} is locked: no return is due any more."
    if meeting_at is not None and meeting_at <= ctx.now():
        problems["meeting"] = "That time has passed: give a meeting still to come."
    meeting_day = (meeting_at or review.meeting_at).astimezone(ctx.zone).date()
    if due is not None and due < ctx.today():
        problems["due"] = "That due date has passed: give today or a later date."
    elif due is not None and due < review.notification_date:
        problems["due"] = "The due date must be on or after the notification date."
    if (due or review.due_date) > meeting_day:
        key = "due" if due is not None else "meeting"
        problems.setdefault(
            key,
            f"Returns would be due ({(due or review.due_date):%d/%m/%Y}) after the meeting "
            f"({meeting_day:%d/%m/%Y}): the due date must be on or before the meeting"
            + ("." if due is not None else " — give a new due= too."),
        )
    if problems:
        raise InvalidRequest(problems)


def _details(before: Review, after: Review, moved: list[AgencyReturn]) -> dict[str, JSONValue]:
    """The audit's record of the change: what was and what is, ids and dates only."""
    details: dict[str, JSONValue] = {}
    if after.meeting_at != before.meeting_at:
        details["meeting_at"] = after.meeting_at.isoformat()
        details["previous_meeting_at"] = before.meeting_at.isoformat()
    if after.due_date != before.due_date:
        details["due_date"] = after.due_date.isoformat()
        details["previous_due_date"] = before.due_date.isoformat()
        details["returns_moved"] = [r.id for r in moved]
    if after.chair != before.chair:
        details["chair"], details["previous_chair"] = after.chair, before.chair
    return details


def _tell_contacts(ctx: Context, review: Review, moved: list[AgencyReturn]) -> None:
    """Contacts whose return is not yet sent: their card shows the new date, and a DM says so."""
    for ret in moved:
        if ret.state not in WAITING_STATES or ret.contact_user_id is None:
            continue
        notify.update_request_card(ctx, review, ret)
        _dm(ctx, ret.contact_user_id, texts.new_due_dm(review, ret))


def _tell_chairs(ctx: Context, before: Review, after: Review) -> None:
    if after.chair != before.chair:
        _dm(ctx, after.chair, texts.chair_dm(after, ctx.zone))
        _dm(ctx, before.chair, texts.chair_removed_dm(after))
    elif after.meeting_at != before.meeting_at:
        _dm(ctx, after.chair, texts.meeting_moved_dm(after, ctx.zone))


# -- /rrm owner ---------------------------------------------------------------------------


def hand_over(ctx: Context, *, team_id: str, actor: str, reference: str, user: str) -> Changed:
    """Hand the review to another coordinator: they get its notes, digests and draft pack
    from now on; both are told."""
    require_coordinator(ctx, actor)
    review = find_review(ctx, team_id, reference)
    if not ctx.is_coordinator(user):
        raise InvalidRequest(
            {
                "owner": f"<@{user}> is not a coordinator: hand {review.reference} to someone "
                "listed in RRM_COORDINATORS (ask your safeguarding business unit to add them)."
            }
        )
    if user == review.owner:
        raise InvalidRequest({"owner": f"<@{user}> already owns {review.reference}."})
    was, now = review.owner, ctx.now()
    with ctx.uow as uow:
        review = uow.reviews.set_owner(review.id, user)
        details: dict[str, JSONValue] = {"from": was, "to": user}
        uow.audit.add(team_id, actor, OWNER_CHANGED, now, review_id=review.id, details=details)
        uow.commit()
    reminders.replan(ctx, review.id)
    _dm(ctx, user, texts.owner_dm(review, actor, was))
    if was != actor:
        _dm(ctx, was, texts.owner_was_dm(review, actor))
    return Changed(review, texts.owner_reply(review, was))
