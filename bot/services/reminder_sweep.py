"""The reminder sweep: claim what is due, send it at Slack's pace, record the outcome.

One sweep (every minute under ``rrm serve``, or ``rrm tick``) takes back claims older than the
lease, then claims due items in small batches — each claim one short transaction — and sends
each claimed item outside any transaction. An item is marked sent only after Slack accepted it.
Before sending it is checked against the review as it stands now (an item the current plan no
longer holds is cancelled), against its contact being away (sent to their deputy, or put back
until they are back) and against the recipient's reminder window (outside it, the item
is put back until the window opens in the recipient's own Slack time zone). A transient
failure (429, 5xx, network) puts it back with a growing wait; after ``max_attempts``, or at
once for a permanent refusal, it is marked failed and the owner is told.

Selecting and claiming are timed apart from sending (``SweepReport``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.faults import MID_SWEEP, kill_point
from bot.messenger import DeliveryFailed
from bot.services import notify
from bot.services.context import Context
from bot.services.reminder_dispatch import SYSTEM, Dispatcher, Skip, Target
from bot.throttle import Throttle, unthrottled
from forms.reminders import PACK_KINDS, Reminder, ReminderState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepSettings:
    """How a sweep claims and retries."""

    lease: timedelta = timedelta(minutes=10)
    batch: int = 100
    max_attempts: int = 5
    first_retry: timedelta = timedelta(minutes=1)
    max_retry: timedelta = timedelta(hours=1)
    max_batches: int = 1000


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed item: sent, deferred, retry, failed, cancelled or
    superseded."""

    reminder: Reminder
    result: str
    recipient: str
    reference: str = ""
    agency: str | None = None
    detail: str = ""

    def line(self) -> str:
        """One line for ``rrm tick``."""
        about = f"{self.reference} {self.agency}" if self.agency else self.reference
        extra = f" ({self.detail})" if self.detail else ""
        kind = self.reminder.kind.value.replace("_", " ")
        return f"{self.result:9} {kind:11} to {self.recipient} — {about}{extra}"


@dataclass
class SweepReport:
    """A sweep's outcomes, and how long claiming and sending took (seconds)."""

    at: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    reclaimed: int = 0
    superseded: int = 0
    claimed: int = 0
    claim_seconds: float = 0.0
    send_seconds: float = 0.0

    def of(self, result: str) -> list[Outcome]:
        """The outcomes with this result."""
        return [o for o in self.outcomes if o.result == result]

    @property
    def sent(self) -> list[Outcome]:
        return self.of("sent")


def worker_name() -> str:
    """A name unique to this sweep: host, process and a random part."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def sweep(
    ctx: Context,
    *,
    throttle: Throttle | None = None,
    settings: SweepSettings | None = None,
    worker: str | None = None,
    stop: threading.Event | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> SweepReport:
    """Run one sweep at ``ctx.now()`` and report what it did. Safe to run in several
    processes at once: each due item is claimed by exactly one of them. When ``stop`` is
    set (the bot is shutting down) the items still claimed are put back at once, for the
    next sweep of any process, rather than left until their claim lapses."""
    settings = settings or SweepSettings()
    worker = worker or worker_name()
    now = ctx.now()
    report = SweepReport(now)
    sender = Sender(ctx, throttle or unthrottled(), settings)
    for batch in range(settings.max_batches):
        if stop is not None and stop.is_set():
            break
        token = f"{worker}/{batch}"
        started = timer()
        with ctx.uow as uow:
            if batch == 0:
                report.reclaimed = uow.reminders.reclaim_expired(now - settings.lease)
            claimed, superseded = uow.reminders.claim_due(now, token, settings.batch)
            uow.commit()
        report.claim_seconds += timer() - started
        report.superseded += superseded
        report.claimed += len(claimed)
        if not claimed and not superseded:
            break  # a batch may be all superseded: then there may be more behind it
        started = timer()
        sender.dispatch.refresh()
        for n, item in enumerate(claimed):
            if stop is not None and stop.is_set():
                _put_back(ctx, claimed[n:], token, now)
                break
            report.outcomes.append(sender.send(item, token))
        report.send_seconds += timer() - started
    return report


def _put_back(ctx: Context, items: list[Reminder], token: str, now: datetime) -> None:
    with ctx.uow as uow:
        for item in items:
            uow.reminders.release(item.id, token, now)
        uow.commit()


class Sender:
    """Sends claimed items one by one (the sweep's, and ``/rrm remind``'s nudges)."""

    def __init__(self, ctx: Context, throttle: Throttle, settings: SweepSettings) -> None:
        self.ctx = ctx
        self.throttle = throttle
        self.settings = settings
        self.dispatch = Dispatcher(ctx)

    def send(
        self, item: Reminder, token: str, *, window: bool = True, actor: str = SYSTEM
    ) -> Outcome:
        """Check, send and record one item claimed under ``token``. ``window`` False sends
        it whatever the hour (a coordinator's nudge)."""
        d = self.dispatch
        try:
            target = d.target(item)
        except DeliveryFailed as exc:  # an escalation e-mail could not be looked up
            return self._failed(item, token, None, exc)
        if isinstance(target, Skip):
            return self._end(item, token, target, None)
        away = d.away(item, target)
        if isinstance(away, Skip):
            return self._end(item, token, away, target)
        if isinstance(away, datetime):
            return self._release_until(item, token, target, away, "the contact is away")
        target = away or target
        if window:
            held = self._hold_back(item, token, target)
            if held is not None:
                return held
        self.throttle.wait(target.recipient)
        try:
            skipped = d.deliver(item, target)
        except DeliveryFailed as exc:
            return self._failed(item, token, target, exc)
        if skipped is not None:
            return self._end(item, token, skipped, target)
        with self.ctx.uow as uow:
            recorded = uow.reminders.mark_sent(item.id, token, self.ctx.now(), target.recipient)
            if recorded:
                d.audit(uow, item, target, actor)
            uow.commit()
        kill_point(MID_SWEEP)
        if not recorded:
            log.warning("reminder %s was sent after its claim lapsed", item.id)
        return _outcome(item, target, "sent")

    def _hold_back(self, item: Reminder, token: str, target: Target) -> Outcome | None:
        """Outside the recipient's window: put the item back until the window opens."""
        d, now = self.dispatch, self.ctx.now()
        zone = d.zone_of(target.recipient, target.is_channel)
        start, end = d.policy.window_start, d.policy.window_end
        if d.calendar.in_window(now, zone, start, end):
            return None
        opening = d.calendar.next_window_opening(now, zone, start, end)
        return self._release_until(item, token, target, opening)

    def _release_until(
        self, item: Reminder, token: str, target: Target, until: datetime, why: str = ""
    ) -> Outcome:
        """Release the item, not to be sent before ``until`` (deferred)."""
        with self.ctx.uow as uow:
            uow.reminders.release(item.id, token, until)
            uow.commit()
        about = f"{why}: " if why else ""
        return _outcome(item, target, "deferred", f"{about}until {until:%Y-%m-%d %H:%M %Z}")

    def _failed(
        self, item: Reminder, token: str, target: Target | None, exc: DeliveryFailed
    ) -> Outcome:
        attempts = item.attempts + 1
        if exc.transient and attempts < self.settings.max_attempts:
            wait = min(self.settings.first_retry * 2 ** (attempts - 1), self.settings.max_retry)
            with self.ctx.uow as uow:
                uow.reminders.release(
                    item.id, token, self.ctx.now() + wait, error=exc.reason, attempted=True
                )
                uow.commit()
            return _outcome(item, target, "retry", exc.reason)
        outcome = self._end(item, token, Skip(exc.reason, ReminderState.FAILED), target)
        if target is not None and item.kind not in PACK_KINDS:  # packs tell the owner
            notify.tell_owner(self.ctx, target.review, target.undelivered_note(exc.reason))
        return outcome

    def _end(self, item: Reminder, token: str, skip: Skip, target: Target | None) -> Outcome:
        with self.ctx.uow as uow:
            uow.reminders.give_up(item.id, token, skip.state, skip.reason)
            uow.commit()
        return _outcome(item, target, skip.state.value, skip.reason)


def _outcome(item: Reminder, target: Target | None, result: str, detail: str = "") -> Outcome:
    if target is None:
        return Outcome(item, result, item.recipient, detail=detail)
    agency = target.ret.agency_name if target.ret else None
    return Outcome(item, result, target.recipient, target.review.reference, agency, detail)


__all__ = ["Outcome", "Sender", "SweepReport", "SweepSettings", "sweep", "worker_name"]
