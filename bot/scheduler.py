"""The reminder scheduler of ``rrm serve``, and ``rrm tick``.

APScheduler 3 only *triggers* sweeps: an in-memory job store, one interval job every minute,
``coalesce=True`` and ``max_instances=1``. What is due, what was missed while the bot was down
and what was already sent are all in the database, so nothing here needs to survive a restart
and there are no misfire settings to tune. The job is a ``functools.partial`` over
``sweep_job`` built in ``main()``; ``rrm tick`` runs the same sweep once, at a given time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock
from bot.services import reminders, retention
from bot.services.context import Context
from bot.throttle import Throttle

log = logging.getLogger(__name__)
JOB_ID = "reminder-sweep"
INTERVAL_SECONDS = 60


def sweep_job(
    ctx: Context,
    throttle: Throttle,
    stop: threading.Event | None = None,
    purge: DailyPurge | None = None,
) -> None:
    """One scheduled sweep; logs what it did (counts only, never message text). ``stop``
    set: the process is shutting down, and the sweep hands back what it has not sent.
    ``purge``: the retention purge, which runs at most once a day from the same job."""
    report = reminders.sweep(ctx, throttle=throttle, stop=stop)
    if report.claimed or report.reclaimed or report.superseded:
        log.info("reminder sweep: %s", summary(report))
    if purge is not None and not (stop is not None and stop.is_set()):
        purge(ctx)


class DailyPurge:
    """Apply the retention policy (``RRM_RETENTION_DAYS`` after close, reviews on hold kept)
    at the first sweep and then once every 24 hours. Purging is idempotent, so running it
    again after a restart does no harm."""

    def __init__(self, retention_days: int) -> None:
        self.retention_days = retention_days
        self._last: datetime | None = None

    def __call__(self, ctx: Context) -> None:
        now = ctx.now()
        if self._last is not None and now - self._last < timedelta(days=1):
            return
        self._last = now
        report = retention.purge_due(ctx, retention_days=self.retention_days)
        if report.purged:
            log.info("retention purge: %d review(s) purged", len(report.purged))


def make_scheduler(
    job: Callable[[], None], clock: Clock, *, interval_seconds: int = INTERVAL_SECONDS
) -> BackgroundScheduler:
    """A scheduler with the one sweep job, not started; its first run is at once (catching
    up after downtime), then every ``interval_seconds``."""
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=ZoneInfo("UTC"),
    )
    scheduler.add_job(
        job,
        "interval",
        seconds=interval_seconds,
        id=JOB_ID,
        name="reminder sweep",
        coalesce=True,
        max_instances=1,
        next_run_time=clock.now(),
    )
    return scheduler


def stop_scheduler(scheduler: Any) -> None:
    """Stop triggering sweeps and wait for a running one to finish."""
    if getattr(scheduler, "running", False):
        scheduler.shutdown(wait=True)


def summary(report: reminders.SweepReport) -> str:
    """``3 sent, 1 deferred, …; claim 0.004 s, send 0.120 s``."""
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    if report.superseded:
        counts["superseded"] = counts.get("superseded", 0) + report.superseded
    if report.reclaimed:
        counts["taken back"] = report.reclaimed
    done = ", ".join(f"{n} {what}" for what, n in counts.items()) or "nothing due"
    return f"{done}; claim {report.claim_seconds:.3f} s, send {report.send_seconds:.3f} s"


def print_report(report: reminders.SweepReport, out: TextIO) -> None:
    """What ``rrm tick`` prints: one line per item handled, then the summary."""
    print(f"Reminder sweep at {report.at.isoformat()}", file=out)
    for outcome in report.outcomes:
        print(f"  {outcome.line()}", file=out)
    print(summary(report), file=out)


def parse_at(text: str, zone: ZoneInfo) -> datetime:
    """``--at``: an ISO date-time; one without an offset is in the partnership's zone.
    Raises ValueError naming the problem."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--at {text!r} is not an ISO date-time, e.g. 2026-12-01T09:00 or "
            "2026-12-01T09:00:00+00:00"
        ) from None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at
