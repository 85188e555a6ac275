"""End to end: a chronology pasted from a spreadsheet, through the real bot over HTTP.

A contact pastes 40 rows (two boxes, a heading row, dates as days, months and years, in no
order) with three bad rows, is told rows 7, 19 and 33 and why, fixes them, checks the 40 rows
shown back, adds them, submits; the compiled pack's HTML shows all 40 in date order.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from tests.e2e.conftest import CASES, COORD, POLICE, ClockedBot, StartBot
from tests.e2e.test_e2e_returns import open_review, shown, start

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))
PDF_WAIT = 60.0
HEADING = "Date\tSource\tPerson(s) involved\tEvent type\tWhat happened\tAction taken\t" \
    "Information shared with / received from\tKey practice episode"  # fmt: skip
BAD = {7: ("B1", "31/02/2025"), 19: ("B4", "Telepathy"), 33: ("B3", "Cousin")}


@pytest.fixture
def bot(clocked_bot: StartBot) -> ClockedBot:
    return clocked_bot(WEDNESDAY)


@dataclass(frozen=True)
class Event:
    tag: str
    typed: str  # the date as the agency's system wrote it
    start: date  # where the pack sorts it

    def cells(self, broken: tuple[str, str] | None = None) -> list[str]:
        row = {"B1": self.typed, "B2": "Health visitor", "B3": "The child; Mother",
               "B4": "Home visit", "B5": f"Chronology event {self.tag}.",
               "B6": "Advice given", "B7": "GP", "B8": "No"}  # fmt: skip
        if broken:
            row[broken[0]] = broken[1]
        return list(row.values())


def forty_events() -> list[Event]:
    """40 events with distinct dates in every accepted form, in a shuffled order."""
    events = []
    day = date(2025, 1, 6)
    forms = ["{d:%d/%m/%Y}", "{d:%Y-%m-%d}", "{d.day} {d:%b %Y}", "{d:%d/%m/%Y} 14:30"]
    for n in range(35):
        typed = forms[n % 4].format(d=day)
        events.append(Event(f"E{n:02d}", typed, day))
        day += timedelta(days=7)
    partial = [("11/2024", date(2024, 11, 1)), ("October 2024", date(2024, 10, 1)),
               ("2024-09", date(2024, 9, 1)), ("2023", date(2023, 1, 1)),
               ("2022", date(2022, 1, 1))]  # fmt: skip
    events += [Event(f"E{35 + n:02d}", typed, start) for n, (typed, start) in enumerate(partial)]
    random.Random(14).shuffle(events)
    return events


def boxes(events: list[Event], *, with_bad_rows: bool) -> dict[str, str]:
    """Rows 1–20 in the first box (under a heading row), 21–40 in the second."""
    lines = [
        "\t".join(e.cells(BAD.get(n) if with_bad_rows else None)) for n, e in enumerate(events, 1)
    ]
    first, second = "\n".join([HEADING, *lines[:20]]), "\n".join(lines[20:])
    assert len(first) <= 3000 and len(second) <= 3000
    return {"paste|0": first, "paste|1": second}


def to_section_b(person: SlackPerson) -> None:
    start(person)
    assert person.submit().ok
    person.choose("A1", "yes_child")
    person.fill({"A2": ["child", "mother"]})
    assert person.submit().ok
    assert "Chronology of key events" in shown(person.current_view())


def submit_return(person: SlackPerson) -> None:
    for _ in range(16):
        page = shown(person.current_view())
        if "Thank you" in page:
            return
        if "Section 11 of 12" in page:
            person.fill({"J1": "no", "J1b": "Single-agency learning."})
        if "Section 12 of 12" in page:
            person.fill({"K1": "no", "K2": "yes"})
        sent = person.submit()
        assert sent.ok, (page, sent.errors)
    raise AssertionError("the return was never submitted")


@pytest.mark.timeout(180)
def test_a_40_row_chronology_pasted_with_three_bad_rows_reaches_the_pack_in_date_order(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    police = bot.person(POLICE)
    to_section_b(police)
    events = forty_events()

    police.click_in_view("row_paste", {"q": "B"})
    assert "“Paste rows” [Check rows]" in shown(police.current_view())
    police.fill(boxes(events, with_bad_rows=True))
    refused = police.submit()

    assert refused.response_action == "errors"
    errors = refused.errors
    assert set(errors) == {"paste|0", "paste|1"}
    assert errors["paste|0"].startswith(
        "2 rows can't be added — Row 7: Date: 31/02/2025 is not a real date: February 2025 "
        "has 28 days. · Row 19: Event type: 'Telepathy' is not one of: Contact / appointment"
    )
    assert errors["paste|1"].startswith(
        "Row 33: Person(s) involved: 'Cousin' is not one of: The child"
    )
    assert police.current_view().title == "Paste rows"  # the text is kept

    police.fill(boxes(events, with_bad_rows=False))
    checked = police.submit()
    assert checked.response_action == "update", checked.body
    check = shown(police.current_view())
    assert "“Check pasted rows” [Add 40 events]" in check
    assert "*Check these 40 events* before they are added" in check
    assert "*7.* " in check and "*40.* " in check

    added = police.submit()
    assert added.ok and added.body in (None, {}), added.body
    police.await_view(added)
    page = shown(police.current_view())
    assert "Section 3 of 12 — *Chronology of key events*" in page and "40 events" in page
    again = police.replay(added)  # the same confirmation delivered twice adds nothing more
    assert again.status == 200
    assert "40 events" in shown(police.current_view())

    submit_return(police)
    fake.clear_calls()
    coord.command("pack RR-2026-014", CASES)
    dm = coord.wait_for(lambda: fake.dm_channel(COORD), timeout=PDF_WAIT, what="the DM")
    html = coord.wait_for(
        lambda: next((f for f in fake.files_in(dm) if f.name.endswith(".html")), None),
        timeout=PDF_WAIT,
        what="the pack's HTML",
    )
    assert html.content is not None
    pack = html.content.decode()
    assert "40 entries from 1 agency, in date order" in pack
    entries = re.findall(r'<div class="ev[^"]*">(.*?)</div>', pack, flags=re.S)
    shown_order = [t for e in entries for t in re.findall(r"Chronology event (E\d\d)", e)]
    by_date = [e.tag for e in sorted(events, key=lambda e: e.start)]
    assert shown_order == by_date
    assert len(shown_order) == 40


def test_cancelling_a_paste_adds_nothing_and_the_page_still_saves(bot: ClockedBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    to_section_b(police)
    police.click_in_view("row_paste", {"q": "B"})
    police.fill({"paste|0": "2025\tGP"})
    police.close(await_update=True)  # the page is shown again with its saved revision
    assert "0 events" in shown(police.current_view())
    after = police.submit()
    assert after.ok and "Section 4 of 12" in shown(police.current_view()), after.body


def test_nothing_pasted_says_so_under_the_first_box(bot: ClockedBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    to_section_b(police)
    police.click_in_view("row_paste", {"q": "B"})
    refused = police.submit()
    assert refused.errors == {
        "paste|0": "No rows were found: paste the rows copied from the sheet."
    }
