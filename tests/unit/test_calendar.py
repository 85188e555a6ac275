"""The working-day calendar, checked against the published England and Wales bank holidays
for 2026 and 2027 (gov.uk/bank-holidays)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.calendar import WorkingCalendar, due_date_in_words

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2026,
            {"01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"},
        ),
        (
            2027,
            {"01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"},
        ),
    ],
)
def test_weekday_bank_holidays_match_the_published_list(year: int, expected: set[str]) -> None:
    weekday_holidays = {d for d in CAL.bank_holidays(year) if d.weekday() < 5}
    assert weekday_holidays == {date.fromisoformat(f"{year}-{md}") for md in expected}


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-12-24", True),  # Thursday
        ("2026-12-25", False),  # Christmas Day, Friday
        ("2026-12-28", False),  # substitute for Boxing Day (Saturday 26th)
        ("2026-12-29", True),
        ("2027-01-01", False),  # New Year's Day, Friday
        ("2027-03-26", False),  # Good Friday
        ("2027-03-29", False),  # Easter Monday
        ("2026-08-31", False),  # late summer bank holiday
        ("2026-11-21", False),  # Saturday
        ("2026-11-22", False),  # Sunday
        ("2026-11-23", True),  # Monday
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Tue 22, Wed 23, Thu 24, (25, 26, 27, 28 closed), Tue 29, Wed 30, Thu 31,
        # (1 Jan, 2, 3 closed), Mon 4 January.
        ("2026-12-21", 7, "2027-01-04"),
        ("2026-12-24", 1, "2026-12-29"),
        ("2027-03-25", 1, "2027-03-30"),  # over Easter 2027
        ("2026-11-20", 1, "2026-11-23"),  # Friday to Monday
        ("2026-11-20", 7, "2026-12-01"),  # default due date for a Friday notification
        ("2026-11-20", 12, "2026-12-08"),  # default meeting date
        ("2026-11-23", 0, "2026-11-23"),  # a working day stays put
        ("2026-11-21", 0, "2026-11-23"),  # Saturday rolls on to Monday
        ("2026-12-25", 0, "2026-12-29"),
        ("2026-11-21", 1, "2026-11-23"),  # counting from a Saturday
        ("2026-12-02", -2, "2026-11-30"),  # 2 working days before a Wednesday due date
        ("2026-11-23", -1, "2026-11-20"),  # Monday back to Friday
        ("2027-01-04", -7, "2026-12-21"),
        ("2027-03-30", -1, "2027-03-25"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert CAL.add_working_days(date.fromisoformat(start), n) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-12-21", "2027-01-04", 7),
        ("2027-01-04", "2026-12-21", -7),
        ("2026-12-02", "2026-12-02", 0),
        ("2026-12-02", "2026-12-03", 1),
        ("2026-12-04", "2026-12-06", 0),  # Friday to Sunday
        ("2026-12-04", "2026-12-07", 1),  # Friday to Monday: 1 working day overdue
        ("2027-03-25", "2027-03-30", 1),
    ],
)
def test_working_days_between(a: str, b: str, expected: int) -> None:
    assert CAL.working_days_between(date.fromisoformat(a), date.fromisoformat(b)) == expected


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_adding_then_counting_gives_n_back(start: date, n: int) -> None:
    later = CAL.add_working_days(start, n)
    assert CAL.is_working_day(later)
    assert CAL.working_days_between(start, later) == n
    assert CAL.working_days_between(later, start) == -n


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_counting_back_from_a_working_day_is_the_inverse(start: date, n: int) -> None:
    day = CAL.add_working_days(start, 0)
    assert CAL.add_working_days(CAL.add_working_days(day, n), -n) == day


def test_extra_closed_days_are_not_working_days() -> None:
    cal = WorkingCalendar(extra_closed_days=[date(2026, 12, 24), date(2026, 12, 29)])
    assert not cal.is_working_day(date(2026, 12, 24))
    assert cal.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 30)
    assert cal.working_days_between(date(2026, 12, 21), date(2027, 1, 4)) == 5
    assert CAL.is_working_day(date(2026, 12, 24))  # the default calendar is unaffected


@pytest.mark.parametrize(
    ("due", "today", "phrase"),
    [
        ("2026-12-02", "2026-11-27", "3 working days left"),  # Fri: Mon, Tue, Wed
        ("2026-12-02", "2026-12-01", "1 working day left"),
        ("2026-12-02", "2026-12-02", "due today"),
        ("2026-12-02", "2026-12-03", "1 working day overdue"),
        ("2026-12-02", "2026-12-08", "4 working days overdue"),
        ("2026-12-04", "2026-12-05", "overdue"),  # the Saturday after a Friday due date
        ("2026-12-06", "2026-12-04", "no working days left"),  # due on a Sunday
        ("2027-01-04", "2026-12-24", "4 working days left"),  # 29, 30, 31 Dec and 4 Jan
    ],
)
def test_working_days_left_phrase(due: str, today: str, phrase: str) -> None:
    got = CAL.working_days_left_phrase(date.fromisoformat(due), date.fromisoformat(today))
    assert got == phrase


@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("2026-12-02", "Wednesday 2 December 2026"),
        ("2027-01-04", "Monday 4 January 2027"),
        ("2027-03-29", "Monday 29 March 2027"),
    ],
)
def test_due_date_in_words(day: str, words: str) -> None:
    assert due_date_in_words(date.fromisoformat(day)) == words


# -- the reminder window -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "opening"),
    [
        # inside the window: the same instant
        (london(2026, 12, 2, 9, 0), london(2026, 12, 2, 9, 0)),
        (london(2026, 12, 2, 17, 29), london(2026, 12, 2, 17, 29)),
        # early morning: 09:00 the same day
        (london(2026, 12, 2, 6, 15), london(2026, 12, 2, 9, 0)),
        # 17:30 is closed; late evening and night go to the next morning
        (london(2026, 12, 2, 17, 30), london(2026, 12, 3, 9, 0)),
        (london(2026, 12, 2, 23, 59), london(2026, 12, 3, 9, 0)),
        # Friday evening and the weekend: Monday
        (london(2026, 12, 4, 18, 0), london(2026, 12, 7, 9, 0)),
        (london(2026, 12, 5, 11, 0), london(2026, 12, 7, 9, 0)),
        # Christmas Eve evening: Christmas, Boxing Day substitute, weekend -> Tuesday 29th
        (london(2026, 12, 24, 19, 0), london(2026, 12, 29, 9, 0)),
        # New Year's Eve evening: Friday 1 Jan closed -> Monday 4 Jan
        (london(2026, 12, 31, 18, 0), london(2027, 1, 4, 9, 0)),
        # a bank holiday morning
        (london(2027, 3, 29, 10, 0), london(2027, 3, 30, 9, 0)),
    ],
)
def test_next_window_opening_in_london(at: datetime, opening: datetime) -> None:
    got = CAL.next_window_opening(at, "Europe/London")
    assert got == opening
    assert got.utcoffset() == opening.utcoffset()


def test_window_opening_after_the_clocks_go_back() -> None:
    # BST ends at 02:00 on Sunday 25 October 2026.
    assert CAL.in_window(utc(2026, 10, 23, 8, 30))  # 09:30 BST on Friday
    friday_evening = utc(2026, 10, 23, 16, 45)  # 17:45 BST
    opening = CAL.next_window_opening(friday_evening)
    assert opening == utc(2026, 10, 26, 9, 0)  # 09:00 GMT on Monday
    assert opening.utcoffset() == timedelta(0)
    assert not CAL.in_window(utc(2026, 10, 26, 8, 30))  # 08:30 GMT


def test_window_opening_after_the_clocks_go_forward_over_easter() -> None:
    # Easter 2027: Good Friday 26 March, BST starts Sunday 28 March, Easter Monday 29 March.
    thursday_evening = utc(2027, 3, 25, 18, 0)  # 18:00 GMT
    opening = CAL.next_window_opening(thursday_evening)
    assert opening == utc(2027, 3, 30, 8, 0)  # 09:00 BST on Tuesday
    assert opening.utcoffset() == timedelta(hours=1)
    assert CAL.in_window(utc(2027, 3, 30, 8, 0))
    assert not CAL.in_window(utc(2027, 3, 30, 7, 59))


def test_recipient_in_another_time_zone() -> None:
    evening_in_new_york = utc(2026, 12, 1, 23, 0)  # 18:00 EST Tue, 23:00 GMT
    assert CAL.next_window_opening(evening_in_new_york, "America/New_York") == utc(
        2026, 12, 2, 14, 0
    )
    assert CAL.next_window_opening(evening_in_new_york, "Europe/London") == utc(2026, 12, 2, 9, 0)

    morning_in_kolkata = utc(2026, 12, 1, 4, 0)  # 09:30 IST, 04:00 GMT
    assert CAL.in_window(morning_in_kolkata, "Asia/Kolkata")
    assert not CAL.in_window(morning_in_kolkata, "Europe/London")
    assert CAL.next_window_opening(morning_in_kolkata, "Asia/Kolkata") is morning_in_kolkata


def test_bank_holidays_apply_on_the_recipients_local_date() -> None:
    christmas_eve_in_new_york = utc(2026, 12, 24, 23, 0)  # 18:00 EST, already 25th in London
    opening = CAL.next_window_opening(christmas_eve_in_new_york, "America/New_York")
    assert opening == utc(2026, 12, 29, 14, 0)  # 09:00 EST on Tuesday 29th
    assert opening.tzinfo == ZoneInfo("America/New_York")


@pytest.mark.parametrize("tz", [None, "", "Mars/Olympus_Mons"])
def test_missing_or_unknown_zone_falls_back_to_the_calendars(tz: str | None) -> None:
    assert CAL.next_window_opening(utc(2026, 12, 1, 23, 0), tz) == utc(2026, 12, 2, 9, 0)


def test_custom_window() -> None:
    at = london(2026, 12, 2, 8, 0)
    assert CAL.next_window_opening(at, start=time(7, 30), end=time(8, 30)) is at
    assert CAL.next_window_opening(at, start=time(10, 0)) == london(2026, 12, 2, 10, 0)


def test_naive_datetimes_and_unknown_calendar_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.next_window_opening(datetime(2026, 12, 2, 10, 0))
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        WorkingCalendar(tz="Mars/Olympus_Mons")


def test_another_partnership_zone_is_the_default_window() -> None:
    cal = WorkingCalendar(tz="America/New_York")
    assert cal.next_window_opening(utc(2026, 12, 1, 23, 0)) == utc(2026, 12, 2, 14, 0)
