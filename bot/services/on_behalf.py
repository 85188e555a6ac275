"""**Enter on behalf** (issue 9): a coordinator types in the return of an agency whose contact
cannot be reached in Slack, from what the agency sent to the partnership's secure email.

Any coordinator (as configured now, never as the payload says) may do it, for a return flagged
unreachable or already being entered on behalf — not for a contact Slack can reach, who answers
their own return. The coordinator gives the date the return was received; the return is then
recorded as entered by them (``returns.entered_by``, ``received_on``), audited, and opened in
the same modals the contact would have used (``bot.services.returns`` lets a coordinator in
once ``entered_by`` is set, and audits each page ``on_behalf``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services import notify, reminders
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, ReturnClosed
from bot.services.reviews import require_coordinator
from forms.calendar import due_date_in_words
from forms.records import RECEIVED_STATES, AgencyReturn, ReturnState, Review, ReviewStatus

ACTION = "return.on_behalf"


@dataclass(frozen=True)
class Offer:
    """A return a coordinator may enter on the agency's behalf, and the date to suggest."""

    review: Review
    ret: AgencyReturn
    received_on: date | None


def offer(ctx: Context, *, team_id: str, actor: str, return_id: int) -> Offer:
    """Check that ``actor`` may enter this return on its agency's behalf (nothing changes)."""
    require_coordinator(ctx, actor)
    with ctx.uow as uow:
        ret = uow.returns.get(return_id)
        review = uow.reviews.get(ret.review_id) if ret else None
    if ret is None or review is None or review.team_id != team_id:
        raise NotAllowed("This request isn't yours, or no longer exists.")
    if review.status is not ReviewStatus.OPEN:
        raise ReturnClosed(
            f"Review {review.reference} is {review.status.value}: returns can't be entered "
            "any more."
        )
    if ret.state is ReturnState.WITHDRAWN:
        raise ReturnClosed(
            f"{ret.agency_name}'s return was withdrawn from {review.reference}: "
            f"`/rrm add {review.reference} {ret.agency_key}` asks for it again first."
        )
    if ret.unreachable is None and ret.entered_by is None:
        raise NotAllowed(
            f"{ret.agency_name}'s contact can be reached in Slack and answers the return "
            "themselves; Enter on behalf is for a contact the bot cannot reach."
        )
    return Offer(review, ret, ret.received_on)


def check_received(ctx: Context, review: Review, received_on: date | None) -> dict[str, str]:
    """Problems with the date the return was received (empty when it will do)."""
    today = ctx.today()
    if received_on is None:
        return {"received": "Choose the date the return arrived by secure email."}
    if received_on > today:
        return {
            "received": f"The return can't have arrived after today ({due_date_in_words(today)})."
            " Choose the day it arrived."
        }
    if received_on < review.notification_date:
        notified = due_date_in_words(review.notification_date)
        return {
            "received": f"That is before the review's notification date ({notified}): a return "
            "for this review can't have arrived then. Check the date."
        }
    return {}


def begin(
    ctx: Context, *, team_id: str, actor: str, return_id: int, received_on: date | None
) -> rs.ReturnView:
    """Record ``actor`` as entering the return from one received on ``received_on`` (audited)
    and open it for them: where it was left off, or from its first page if it was received."""
    checked = offer(ctx, team_id=team_id, actor=actor, return_id=return_id)
    problems = check_received(ctx, checked.review, received_on)
    if problems:
        raise InvalidRequest(problems)
    assert received_on is not None
    ret, review = checked.ret, checked.review
    if (ret.entered_by, ret.received_on) != (actor, received_on):
        now = ctx.now()
        with ctx.uow as uow:
            uow.returns.set_on_behalf(return_id, actor, received_on, now)
            uow.audit.add(
                team_id,
                actor,
                ACTION,
                now,
                review_id=review.id,
                return_id=return_id,
                details={
                    "agency": ret.agency_key,
                    "received_on": received_on.isoformat(),
                    "on_behalf": True,
                },
            )
            uow.commit()
        ctx.later(lambda: notify.refresh_status_card(ctx, review.id))
        ctx.later(lambda: reminders.replan(ctx, review.id))
    if ret.state in RECEIVED_STATES:
        return rs.reopen(ctx, team_id=team_id, actor=actor, return_id=return_id)
    return rs.start(ctx, team_id=team_id, actor=actor, return_id=return_id)
