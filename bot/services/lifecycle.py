"""Use cases of the end of a review (DESIGN §3 Roles, §5 retention): lock it, close it with its
outcome and the date it was sent to the Panel, put it on hold (or lift the hold).

Only coordinators do these (the settings say who, never the payload), and only on a review of
their own Slack team. Locking or closing stops every change to the returns (the return use cases
refuse a review that is not open) and finalises the status card and the contacts' request
cards. Each is audited: who, what, when — a hold's reason only by its length, since it is free
text (it is stored encrypted). The purge is in ``bot.services.retention``, the export in
``bot.services.export``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from bot.messenger import DeliveryFailed, MessageRef
from bot.services import notify, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest, TryAgain
from bot.services.pack_build import load_review
from bot.services.reviews import require_coordinator
from bot.slack.blocks import lifecycle as blocks
from forms.records import ReturnState, Review, ReviewOutcome, ReviewStatus
from forms.text import clean_text
from storage.errors import StorageBusy

log = logging.getLogger(__name__)

LOCKED, CLOSED = "review.locked", "review.closed"
HELD, HOLD_LIFTED = "retention.held", "retention.hold_lifted"
MAX_REASON = 500
find_review = load_review
"""The review by reference (any case) or id, in the team only; NotFound otherwise."""


def lock(ctx: Context, *, team_id: str, actor: str, reference: str) -> Review:
    """Lock a review (coordinators): its returns can no longer be submitted or changed."""
    require_coordinator(ctx, actor)
    review = find_review(ctx, team_id, reference)
    if review.status is not ReviewStatus.OPEN:
        raise InvalidRequest({"reference": f"{review.reference} is already {review.status}."})
    now = ctx.now()
    with _writing(), ctx.uow as uow:
        review = uow.reviews.set_status(review.id, ReviewStatus.LOCKED, now)
        uow.audit.add(review.team_id, actor, LOCKED, now, review_id=review.id)
        uow.commit()
    ctx.later(lambda: _ended(ctx, review.id))
    return review


def closing(ctx: Context, *, team_id: str, actor: str, reference: str) -> Review:
    """The review a coordinator is about to close (before the close modal opens)."""
    require_coordinator(ctx, actor)
    review = find_review(ctx, team_id, reference)
    if review.status is ReviewStatus.CLOSED:
        raise InvalidRequest({"reference": f"{review.reference} is already closed."})
    return review


def close(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    review: str | int,
    outcome: str | None,
    panel_sent_date: date | None,
) -> Review:
    """Close a review (coordinators) with its outcome (local review, other learning, none) and
    the date it was sent to the Panel. Raises InvalidRequest keyed ``outcome`` /
    ``panel_sent_date`` for missing or impossible values."""
    require_coordinator(ctx, actor)
    found = find_review(ctx, team_id, review)
    if found.status is ReviewStatus.CLOSED:
        raise InvalidRequest({"reference": f"{found.reference} is already closed."})
    problems: dict[str, str] = {}
    chosen = next((o for o in ReviewOutcome if o.value == outcome), None)
    if chosen is None:
        problems["outcome"] = "Choose the outcome of the rapid review."
    if panel_sent_date is None:
        problems["panel_sent_date"] = "Give the date the rapid review was sent to the Panel."
    elif panel_sent_date < found.notification_date:
        problems["panel_sent_date"] = "It cannot have been sent before the notification date."
    elif panel_sent_date > ctx.today():
        problems["panel_sent_date"] = "That date is still to come: give the date it was sent."
    if problems or chosen is None or panel_sent_date is None:
        raise InvalidRequest(problems)
    now = ctx.now()
    with _writing(), ctx.uow as uow:
        closed = uow.retention.close(found.id, chosen, panel_sent_date, now)
        uow.audit.add(
            closed.team_id,
            actor,
            CLOSED,
            now,
            review_id=closed.id,
            details={"outcome": chosen.value, "panel_sent_date": panel_sent_date.isoformat()},
        )
        uow.commit()
    ctx.later(lambda: _ended(ctx, closed.id))
    return closed


def hold(ctx: Context, *, team_id: str, actor: str, reference: str, reason: str | None) -> Review:
    """Put a review on hold (coordinators) so that it is never purged — for an LCSPR, an
    inquest or a criminal case — or lift the hold with ``reason`` None."""
    require_coordinator(ctx, actor)
    review = find_review(ctx, team_id, reference)
    if review.purged_at is not None:
        raise InvalidRequest(
            {"reference": f"{review.reference} was purged already: there is nothing to hold."}
        )
    text = None if reason is None else clean_text(reason).strip()
    if text is None and review.hold_reason is None:
        raise InvalidRequest({"reference": f"{review.reference} is not on hold."})
    if text is not None and not text:
        raise InvalidRequest({"reason": "Say why, e.g. reason=LCSPR commissioned."})
    if text is not None and len(text) > MAX_REASON:
        raise InvalidRequest({"reason": f"Keep the reason to {MAX_REASON} characters."})
    now = ctx.now()
    with _writing(), ctx.uow as uow:
        held = uow.retention.set_hold(review.id, text)
        details = {"reason_characters": len(text)} if text is not None else None
        action = HELD if text is not None else HOLD_LIFTED
        uow.audit.add(held.team_id, actor, action, now, review_id=held.id, details=details)
        uow.commit()
    return held


def _ended(ctx: Context, review_id: int) -> None:
    """After a lock or close: no more reminders (the plan of a review that is not open holds
    none, the 15th-working-day warning included), and the cards say so."""
    reminders.replan(ctx, review_id)
    finalise_cards(ctx, review_id)


def finalise_cards(ctx: Context, review_id: int) -> None:
    """After a lock or close: the status card shows it, and each contact's request card loses
    its buttons (a withdrawn return's card already says so and is left). A card Slack no
    longer has is logged and skipped."""
    notify.refresh_status_card(ctx, review_id)
    with ctx.uow as uow:
        review = uow.reviews.get(review_id)
        returns = uow.returns.list_for_review(review_id)
    if review is None:
        return
    for ret in returns:
        if ret.dm_channel and ret.dm_ts and ret.state is not ReturnState.WITHDRAWN:
            text, card = blocks.final_card(review, ret)
            try:
                ctx.messenger.update(MessageRef(ret.dm_channel, ret.dm_ts), text, card)
            except DeliveryFailed as exc:
                log.warning("final card of return %s not shown: %s", ret.id, exc.reason)


@contextmanager
def _writing() -> Iterator[None]:
    """Turn a busy database into TryAgain (the unit of work rolled back: nothing changed)."""
    try:
        yield
    except StorageBusy:
        raise TryAgain("The database was busy; nothing changed — try again.") from None
