"""What every use case needs besides its arguments: configuration, roles, the calendar, and a
way to run work after the request has been answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Context:
    """The collaborators of the service layer, built in `main()` or the app factory."""

    uow: UnitOfWork
    messenger: Messenger
    clock: Clock
    config: Configuration
    coordinators: frozenset[str]
    later: Later = run_now

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
