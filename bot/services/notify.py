"""Outward effects of the use cases: the channel's status card, the contacts' request cards,
notes to the coordinator and the current-risk alert. Never any answer text."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.messenger import DeliveryFailed, MessageRef
from bot.services import home
from bot.services.context import Context
from bot.slack.blocks import cards
from forms.calendar import WorkingCalendar
from forms.records import AgencyReturn, ReturnState, Review

if TYPE_CHECKING:
    from bot.services import reach

log = logging.getLogger(__name__)


def _load(ctx: Context, review_id: int) -> tuple[Review, list[AgencyReturn]]:
    with ctx.uow as uow:
        review = uow.reviews.get(review_id)
        if review is None:
            raise LookupError(f"review {review_id} vanished")
        return review, uow.returns.list_for_review(review_id)


def post_status_card(ctx: Context, review_id: int) -> None:
    """Post the review's status card in its channel and remember where it is (and show the
    review on the App Home of everyone concerned)."""
    review, returns = _load(ctx, review_id)
    text, blocks = cards.status_card(review, returns, ctx.today(), ctx.zone)
    try:
        ref = ctx.messenger.post(review.channel_id, text, blocks)
    except DeliveryFailed as exc:
        tell_owner(ctx, review, f"I couldn't post the status card in the channel: {exc.reason}.")
    else:
        with ctx.uow as uow:
            uow.reviews.set_status_card(review_id, ref.ts)
            uow.commit()
    ctx.later(lambda: home.republish_review(ctx, review_id))


def refresh_status_card(ctx: Context, review_id: int) -> None:
    """Update the status card in place (after any change of a return's state or of the review),
    and republish, after the request, the App Home of everyone concerned."""
    review, returns = _load(ctx, review_id)
    ctx.later(lambda: home.republish_review(ctx, review_id))
    if not review.status_ts:
        return
    text, blocks = cards.status_card(review, returns, ctx.today(), ctx.zone)
    try:
        ctx.messenger.update(MessageRef(review.channel_id, review.status_ts), text, blocks)
    except DeliveryFailed as exc:
        log.warning("status card of review %s not updated: %s", review.id, exc.reason)


def due_phrase(ctx: Context, cal: WorkingCalendar, ret: AgencyReturn) -> str:
    return cal.working_days_left_phrase(ret.due_date, ctx.today())


def passed_by(ctx: Context, ret: AgencyReturn) -> str | None:
    """Who passed the return to its current contact ("Not me — pass it on"), or None."""
    with ctx.uow as uow:
        chain = uow.returns.delegations(ret.id)
    last = chain[-1] if chain else None
    return last.from_user if last and last.to_user == ret.contact_user_id else None


def _card(ctx: Context, review: Review, ret: AgencyReturn) -> tuple[str, list[cards.Block]]:
    """The request card as the return stands: Start/Continue, or done with Edit."""
    by = passed_by(ctx, ret)
    if ret.state in (ReturnState.SUBMITTED, ReturnState.NIL, ReturnState.PROVISIONAL):
        when = ret.submitted_at or ctx.now()
        return cards.done_card(review, ret, when, ctx.zone, passed_by=by)
    return cards.request_card(
        review,
        ret,
        due_phrase=due_phrase(ctx, ctx.calendar, ret),
        started=ret.state is not ReturnState.INVITED,
        passed_by=by,
    )


def send_request_card(ctx: Context, review: Review, ret: AgencyReturn) -> MessageRef:
    """DM the return's contact its request card (raises DeliveryFailed)."""
    if ret.contact_user_id is None:
        raise DeliveryFailed("", "no Slack user is nominated")
    text, blocks = _card(ctx, review, ret)
    return ctx.messenger.dm(ret.contact_user_id, text, blocks)


def invite_contacts(
    ctx: Context,
    review_id: int,
    *,
    actor: str,
    known: Mapping[str, reach.Unreachable] | None = None,
) -> dict[str, str]:
    """DM every invited contact at once. A contact who cannot be reached in Slack flags the
    return and the owner is told with Enter on behalf (``bot.services.reach``); ``known`` gives
    reasons found before any DM (agency id -> an email nobody in Slack has). Returns agency ->
    reason for each request that could not be delivered."""
    from bot.services import reach  # reach sends through this module

    review, returns = _load(ctx, review_id)
    failed: dict[str, str] = {}
    for ret in returns:
        if ret.state is not ReturnState.INVITED or ret.dm_ts:
            continue
        why = reach.invite_or_flag(
            ctx, review, ret, actor=actor, known=(known or {}).get(ret.agency_key)
        )
        if isinstance(why, reach.Unreachable):
            failed[ret.agency_key] = why.words
        elif why is not None:
            failed[ret.agency_key] = why.reason
    return failed


def update_request_card(ctx: Context, review: Review, ret: AgencyReturn) -> None:
    """Show the return's current state on its DM card."""
    if not (ret.dm_channel and ret.dm_ts):
        return
    ref = MessageRef(ret.dm_channel, ret.dm_ts)
    text, blocks = _card(ctx, review, ret)
    try:
        ctx.messenger.update(ref, text, blocks)
    except DeliveryFailed as exc:
        log.warning("request card of return %s not updated: %s", ret.id, exc.reason)


def tell_owner(
    ctx: Context, review: Review, text: str, *, dm_blocks: list[cards.Block] | None = None
) -> None:
    """DM the review's owner, and post in the coordinator channel if one is set.
    ``dm_blocks``: what only the owner's DM shows (the channel gets ``text`` alone)."""
    targets = [review.owner]
    channel = ctx.config.partnership.coordinator_channel
    for target in targets:
        try:
            ctx.messenger.dm(target, text, dm_blocks)
        except DeliveryFailed as exc:
            log.warning("note to the owner of review %s failed: %s", review.id, exc.reason)
    if channel:
        try:
            ctx.messenger.post(channel, text)
        except DeliveryFailed as exc:
            log.warning("coordinator channel note failed: %s", exc.reason)


def risk_alert(ctx: Context, review: Review, ret: AgencyReturn) -> None:
    """DM the owner and the chair that a current risk to another child was reported."""
    text = cards.risk_alert_text(review, ret.agency_name)
    for user in dict.fromkeys([review.owner, review.chair]):
        try:
            ctx.messenger.dm(user, text)
        except DeliveryFailed as exc:
            log.error("risk alert for review %s to a recipient failed: %s", review.id, exc.reason)
