"""Use cases of reminders: re-plan a review's due items, run the sweep, ``/rrm remind``, and
the reminders-sent counts of ``/rrm status``.

The database, not the scheduler, knows what is due: ``replan`` writes a review's timeline
(``forms.reminders.plan``) into the ``reminders`` table when the review is opened and whenever
its dates, a return's state or answers, or a contact change; ``sweep`` (in
``bot.services.reminder_sweep``) sends what has fallen due, each item exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from bot.services.context import Context
from bot.services.errors import NotAllowed, NotFound, ReturnClosed
from bot.services.reminder_facts import review_facts
from bot.services.reminder_sweep import (
    Outcome,
    Sender,
    SweepReport,
    SweepSettings,
    sweep,
    worker_name,
)
from bot.slack.blocks import reminder_cards
from bot.throttle import Throttle, TokenBucket
from forms.records import RECEIVED_STATES, AgencyReturn, ReturnState, Review, ReviewStatus
from forms.reminders import DueItem, Kind, Policy, Reminder, ReturnFacts, Role, Synced, plan
from storage.errors import StorageBusy

__all__ = [
    "Outcome",
    "Reminded",
    "SweepReport",
    "SweepSettings",
    "remind",
    "replan",
    "replan_after_save",
    "sent_by_agency",
    "sweep",
]

log = logging.getLogger(__name__)
NUDGE_GAP = timedelta(hours=1)
_TRIES = 3


def replan(ctx: Context, review_id: int) -> Synced:
    """Recompute the review's due items from what is stored now and replace its pending ones
    (call after the commit that changed the review, a return's state, answers or contact).

    Never raises for a busy database: it logs and gives up (the sweep checks each item
    against the review again before sending it)."""
    calendar, policy, now = ctx.calendar, Policy.of(ctx.config.partnership), ctx.now()
    for attempt in range(1, _TRIES + 1):
        try:
            with ctx.uow as uow:
                uow.reminders.lock_review(review_id)  # first: the facts are read under it
                review = uow.reviews.get(review_id)
                if review is None:
                    return Synced()
                facts, _ = review_facts(uow, review, calendar.zone)
                synced = uow.reminders.sync(review_id, plan(facts, policy, calendar), now)
                uow.commit()
            return synced
        except StorageBusy:
            log.warning("re-planning review %s: database busy (try %s)", review_id, attempt)
    return Synced()


def replan_after_save(ctx: Context, ret: AgencyReturn) -> Synced:
    """After a page was saved: re-plan if the return was received (its K1 or A1b.date may
    have changed); a page of a return not yet received changes nothing in the plan."""
    return replan(ctx, ret.review_id) if ret.state in RECEIVED_STATES else Synced()


def outstanding(ret: ReturnFacts) -> bool:
    """Whether a return's contact still has something to do: send it, confirm a provisional
    return, have it signed off, or send a reopened one again."""
    return ret.contact is not None and (
        ret.waiting or ret.state is ReturnState.PROVISIONAL or ret.awaiting_sign_off
    )


@dataclass(frozen=True)
class Reminded:
    """``/rrm remind``: who was nudged (agency, user) and who not, with the reason."""

    review: Review
    nudged: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The reply to the coordinator."""
        return reminder_cards.remind_reply(self.review, self.nudged, self.skipped)


def remind(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    reference: str,
    throttle: Throttle | None = None,
) -> Reminded:
    """``/rrm remind REF`` (coordinators): nudge every outstanding contact now, whatever the
    hour, at most once an hour per return; audited ``return.reminded``."""
    if not ctx.is_coordinator(actor):
        raise NotAllowed("Only partnership coordinators can nudge contacts.")
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(team_id, reference.upper())
        if review is None:
            raise NotFound(f"There is no review {reference.upper()}. `/rrm status` lists them.")
        facts, returns = review_facts(uow, review, ctx.zone)
    if review.status is not ReviewStatus.OPEN:
        raise ReturnClosed(f"Review {review.reference} is {review.status.value}: nobody to nudge.")
    names = {r.id: r.agency_name for r in returns}
    outside = {r.id: r.unreachable for r in returns if r.unreachable or r.entered_by}
    sender = Sender(ctx, throttle or TokenBucket(burst=10), SweepSettings())
    token, result = worker_name(), Reminded(review)
    for ret in facts.returns:
        agency = names[ret.id]
        if not outstanding(ret):
            if ret.id in outside and ret.state not in RECEIVED_STATES:
                why = outside[ret.id] or "entered on the agency's behalf"
                result.skipped.append((agency, f"not reachable in Slack ({why})"))
            elif ret.contact is None and ret.state not in RECEIVED_STATES:
                result.skipped.append((agency, "no contact is nominated"))
            continue
        assert ret.contact is not None
        claimed = _claim_nudge(ctx, review, ret, token)
        if isinstance(claimed, str):
            result.skipped.append((agency, claimed))
            continue
        outcome = sender.send(claimed, token, window=False, actor=actor)
        if outcome.result == "sent":
            result.nudged.append((agency, outcome.recipient))
        elif outcome.result == "retry":
            result.skipped.append((agency, f"{outcome.detail} — I will try again shortly"))
        else:
            result.skipped.append((agency, outcome.detail))
    return result


def _claim_nudge(ctx: Context, review: Review, ret: ReturnFacts, token: str) -> Reminder | str:
    """Record a nudge as claimed by this request, or say why not (nudged within the hour)."""
    now = ctx.now().astimezone(UTC)
    assert ret.contact is not None
    item = DueItem(now, Kind.NUDGE, Role.CONTACT, ret.contact, ret.id, ctx.today())
    with ctx.uow as uow:
        last = uow.reminders.last_nudge(ret.id)
        if last is not None and now - last < NUDGE_GAP:
            return f"nudged less than an hour ago ({last.astimezone(ctx.zone):%H:%M})"
        claimed = uow.reminders.add_nudge(review.id, item, token)
        uow.commit()
    return claimed if claimed is not None else "nudged a moment ago by someone else"


def sent_by_agency(ctx: Context, review_id: int) -> dict[str, int]:
    """Reminders sent to each return's contact, nudges included, by agency name (the
    reminders-sent column of ``/rrm status``)."""
    with ctx.uow as uow:
        counts = uow.reminders.sent_counts(review_id)
        returns = uow.returns.list_for_review(review_id)
    return {r.agency_name: counts.get(r.id, 0) for r in returns}
