"""What every use case needs besides its arguments: configuration, roles, the calendar, and a
way to run work after the request has been answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_check import Configuration
from bot.messenger import Messenger
from forms.calendar import WorkingCalendar
from storage.ports import UnitOfWork

Later = Callable[[Callable[[], object]], None]
"""Runs a function after the current request has been answered (a thread pool in the app,
at once in unit tests)."""


def run_now(fn: Callable[[], object]) -> None:
    """A `Later` that runs the function at once."""
    fn()


class HomeQueue:
    """The App Home publishes waiting to run, by key: a burst of changes publishes a person's
    Home once, after the last; and when each Home was last published with a notice (the answer
    to a button pressed on it), which a publish right after would wipe. Thread-safe."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._waiting: set[Hashable] = set()
        self._noticed: dict[Hashable, float] = {}
        self._shown: set[Hashable] = set()
        self._monotonic = monotonic

    def shown(self, key: Hashable) -> None:
        """This process published the person's Home (they opened the tab, or it was kept
        fresh since): from now on changes publish it again."""
        with self._lock:
            self._shown.add(key)

    def claim(self, key: Hashable) -> bool:
        """Whether the caller should schedule the publish (False: one is waiting already, or
        the person has not opened their Home since this process started — Slack asks for it
        with ``app_home_opened`` whenever they do, so publishing it unseen is wasted work)."""
        with self._lock:
            if key not in self._shown or key in self._waiting:
                return False
            self._waiting.add(key)
            return True

    def started(self, key: Hashable) -> None:
        """The publish began: a change from now on schedules another."""
        with self._lock:
            self._waiting.discard(key)

    def noticed(self, key: Hashable) -> None:
        """The Home was just published with a notice."""
        with self._lock:
            self._noticed[key] = self._monotonic()

    def noticed_within(self, key: Hashable, seconds: float) -> bool:
        """Whether the Home was published with a notice less than ``seconds`` ago."""
        with self._lock:
            at = self._noticed.get(key)
            return at is not None and self._monotonic() - at < seconds


@dataclass(frozen=True)
class Context:
    """The collaborators of the service layer, built in `main()` or the app factory."""

    uow: UnitOfWork
    messenger: Messenger
    clock: Clock
    config: Configuration
    coordinators: frozenset[str]
    later: Later = run_now
    homes: HomeQueue = field(default_factory=HomeQueue, compare=False, repr=False)
    """The App Home publishes waiting to run (``bot.services.home``)."""

    @property
    def calendar(self) -> WorkingCalendar:
        p = self.config.partnership
        return WorkingCalendar(p.extra_closed_days, p.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.partnership.timezone)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the partnership's time zone."""
        return self.clock.now().astimezone(self.zone).date()

    def is_coordinator(self, user_id: str) -> bool:
        return user_id in self.coordinators
