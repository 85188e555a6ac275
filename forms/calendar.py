"""Working days and the reminder window for England and Wales.

A working day is a Monday to Friday that is not a bank holiday in England and Wales
(``holidays.country_holidays("GB", subdiv="ENG")``, which includes Easter Monday, the August
bank holiday and substitute days such as Monday 28 December 2026 for a Saturday Boxing Day)
and not one of the partnership's ``extra_closed_days``.

Nothing here reads the clock: every function takes the dates or times it works on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WINDOW_START = time(9, 0)
WINDOW_END = time(17, 30)

_ONE_DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is a ``ValueError`` that names it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


_BANK_HOLIDAYS: dict[int, frozenset[date]] = {}
_BANK_HOLIDAYS_LOCK = threading.Lock()


def bank_holidays(year: int) -> frozenset[date]:
    """The England and Wales bank holidays of ``year``, worked out once a year per process
    (``holidays`` builds a calendar in about a millisecond, and a calendar is made for each
    use case)."""
    found = _BANK_HOLIDAYS.get(year)
    if found is None:
        with _BANK_HOLIDAYS_LOCK:
            calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
            found = _BANK_HOLIDAYS[year] = frozenset(calendar.keys())
    return found


class WorkingCalendar:
    """England and Wales working days, plus the partnership's own closed days.

    ``tz`` is the partnership's time zone: the default for the reminder window when a
    recipient's own zone is missing or unknown. Instances are safe to share between threads.
    """

    def __init__(self, extra_closed_days: Iterable[date] = (), tz: str = "Europe/London") -> None:
        self.tz_name = tz
        self.zone = zone(tz)
        self._extra = frozenset(extra_closed_days)

    # -- days -----------------------------------------------------------------------------

    def bank_holidays(self, year: int) -> frozenset[date]:
        """The England and Wales bank holidays of ``year`` (substitute days included)."""
        return bank_holidays(year)

    def is_working_day(self, d: date) -> bool:
        """True on a weekday that is neither a bank holiday nor an extra closed day."""
        return d.weekday() < 5 and d not in self._extra and d not in self.bank_holidays(d.year)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself is not counted).

        ``n = 0`` gives ``d`` when it is a working day, otherwise the next working day.
        A negative ``n`` counts back: ``add_working_days(due, -2)`` is "2 working days before
        the due date". Notified Friday 20 November 2026 + 7 is Tuesday 1 December 2026.
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

        The first working day after a due date is 1 working day overdue:
        ``working_days_between(due, today)``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            count += self.is_working_day(d)
            d += _ONE_DAY
        return count

    def working_days_left_phrase(self, due: date, today: date) -> str:
        """How a reminder puts the time left: "3 working days left", "due today",
        "1 working day overdue".

        Between the due date and the next working day (a due Friday seen on the Saturday)
        the phrase is "overdue"; before a due date with no working day left in between
        (a due Sunday seen on the Friday) it is "no working days left".
        """
        if due == today:
            return "due today"
        if due > today:
            left = self.working_days_between(today, due)
            return _count(left, "left") if left else "no working days left"
        late = self.working_days_between(due, today)
        return _count(late, "overdue") if late else "overdue"

    # -- the reminder window --------------------------------------------------------------

    def resolve_zone(self, name: str | None) -> ZoneInfo:
        """The zone called ``name``, or the calendar's own zone when it is missing or unknown
        (a Slack profile may carry no zone, or one this machine's tz database lacks)."""
        if not name:
            return self.zone
        try:
            return zone(name)
        except ValueError:
            return self.zone

    def in_window(
        self,
        at: datetime,
        tz: str | None = None,
        start: time = WINDOW_START,
        end: time = WINDOW_END,
    ) -> bool:
        """True if ``at`` falls on a working day, at or after ``start`` and before ``end``,
        on the wall clock of zone ``tz`` (default: the calendar's zone).

        Whether it is a working day is judged on the date in that zone, against the
        England and Wales calendar.
        """
        local = _aware(at).astimezone(self.resolve_zone(tz))
        return self.is_working_day(local.date()) and start <= local.time() < end

    def next_window_opening(
        self,
        at: datetime,
        tz: str | None = None,
        start: time = WINDOW_START,
        end: time = WINDOW_END,
    ) -> datetime:
        """``at`` itself if it is inside the window (see ``in_window``), otherwise the next
        ``start`` on a working day in zone ``tz``, returned as an aware datetime in that zone.

        The wall-clock time is kept across a clock change: the first opening after the
        last Sunday of October is 09:00 GMT, not 09:00 BST.
        """
        local = _aware(at).astimezone(self.resolve_zone(tz))
        if self.in_window(local, tz, start, end):
            return at
        day = local.date()
        if not (self.is_working_day(day) and local.time() < start):
            day = self.next_working_day(day)
        return datetime.combine(day, start, tzinfo=local.tzinfo)


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def due_date_in_words(due: date) -> str:
    """A date as a reminder writes it: "Wednesday 2 December 2026" (never locale-dependent)."""
    return f"{_DAY_NAMES[due.weekday()]} {due.day} {_MONTH_NAMES[due.month - 1]} {due.year}"


def _count(n: int, what: str) -> str:
    return f"{n} working day {what}" if n == 1 else f"{n} working days {what}"


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"need a time-zone-aware datetime, got {at.isoformat()}")
    return at
