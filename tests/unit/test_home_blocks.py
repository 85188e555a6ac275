"""The App Home's Block Kit (a pure function of its view-model): within Slack's limits — at
most 100 blocks however many requests, reviews and agencies — escaped, paged, the buttons each
role may press, and never any answer text."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.blocks.home import (
    MAX_BLOCKS,
    REVIEWS_PER_PAGE,
    Home,
    Request,
    ReviewLine,
    home_view,
    page_of,
)
from bot.slack.blocks.limits import view_problems
from forms.calendar import WorkingCalendar
from forms.records import Absence, AgencyReturn, ReturnState, Review, ReviewStatus

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
CAL = WorkingCalendar()
ME, COORD, CHAIR = "U0POLICE1", "U0COORD", "U0CHAIR"


def review(n: int = 1, *, pseudonym: str = "Child A", status: ReviewStatus = ReviewStatus.OPEN,
           owner: str = COORD) -> Review:  # fmt: skip
    return Review(
        id=n, partnership_id=1, team_id="T0TEAM", reference=f"RR-2026-{n:03d}",
        pseudonym=pseudonym, under_1=False, incident_date=None,
        notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=LONDON), due_date=date(2026, 12, 2),
        period_from=date(2025, 11, 20), period_to=date(2026, 11, 20), incident_description=None,
        owner=owner, chair=CHAIR, channel_id="C0CASES", status_ts="1.0", status=status,
        created_at=NOW, closed_at=None, form_content="", form_sha256="",
    )  # fmt: skip


def ret(n: int, state: ReturnState = ReturnState.INVITED, *, review_id: int = 1,
        name: str = "Northshire Police", due: date = date(2026, 12, 2)) -> AgencyReturn:  # fmt: skip
    return AgencyReturn(
        id=n, review_id=review_id, agency_id=n, agency_key=f"a{n}", agency_name=name,
        contact_user_id=ME, state=state, due_date=due, submitted_at=None, dm_channel=None,
        dm_ts=None, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def build(home: Home) -> dict[str, Any]:
    return home_view(home, calendar=CAL, today=TODAY, tz=LONDON, partnership="Northshire & Co")


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for block in view["blocks"]:
        for el in [*(block.get("elements") or []), block.get("accessory")]:
            if isinstance(el, dict) and el.get("type") == "button":
                found.append((el["text"]["text"], el["action_id"]))
    return found


def test_a_contact_sees_each_request_with_the_button_its_state_needs() -> None:
    home = Home(ME, False, (
        Request(review(1), ret(1)),
        Request(review(2), ret(2, ReturnState.IN_PROGRESS, review_id=2, due=date(2026, 11, 24))),
        Request(review(3), ret(3, ReturnState.NIL, review_id=3)),
        Request(review(4, status=ReviewStatus.LOCKED), ret(4, review_id=4)),
    ), ())  # fmt: skip

    view = build(home)

    assert view_problems(view) == []
    assert buttons(view) == [
        ("I'm away", "home_away"), ("Start", "return_start"), ("Continue", "return_start"),
        ("Edit", "return_edit"),
    ]  # fmt: skip
    text = texts(view)
    assert "Not started · due Wednesday 2 December 2026 (5 working days left)" in text
    assert "In progress · due Tuesday 24 November 2026 (1 working day overdue)" in text
    assert "Nil return ✓ · you can still edit it" in text
    assert "the review is locked: no more changes" in text
    assert [json.loads(b["value"]) for b in _accessories(view)[1:]] == [
        {"r": 1},
        {"r": 2},
        {"r": 3},
    ]


def _accessories(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in view["blocks"] if b.get("accessory")]


def test_a_coordinator_sees_reviews_with_every_button_and_a_chair_only_pack() -> None:
    returns = (ret(1), ret(2, ReturnState.SUBMITTED, name="Health"),
               ret(3, ReturnState.WITHDRAWN, name="Housing"))  # fmt: skip
    line = ReviewLine(review(1), returns)
    locked = ReviewLine(review(2, status=ReviewStatus.LOCKED, owner="U0OTHER"), ())

    mine = build(Home(COORD, True, (), (line, locked)))
    chairs = build(Home(CHAIR, False, (), (line,), chaired=True))

    assert buttons(mine) == [
        ("Remind", "home_remind"), ("Pack", "home_pack"), ("Lock", "home_lock"),
        ("Close", "home_close"), ("Pack", "home_pack"), ("Close", "home_close"),
    ]  # fmt: skip
    assert buttons(chairs) == [("Pack", "home_pack")]
    text = texts(mine)
    assert "*RR-2026-001 · Child A* — yours" in text
    assert "*RR-2026-002 · Child A* — owner <@U0OTHER> · *Locked*" in text
    assert "Returns received: *1 of 2*" in text
    assert "• Northshire Police: not started — 5 working days left" in text
    assert "• Housing: withdrawn" in text
    assert "Meeting: Wednesday 9 December 2026 at 10:00 (in 10 working days)" in text
    assert "you chair it" in texts(chairs)


def test_at_most_100_blocks_with_everything_at_its_largest() -> None:
    agencies = tuple(ret(i, name=f"Agency number {i} with a long name" * 3) for i in range(40))
    lines = tuple(ReviewLine(review(n), agencies) for n in range(REVIEWS_PER_PAGE))
    requests = tuple(Request(review(n), ret(n, review_id=n)) for n in range(30))
    away = Absence("T0TEAM", COORD, date(2026, 12, 4), None, NOW)
    home = Home(COORD, True, requests, lines, page=1, pages=3, chaired=True, away=away,
                notice="x" * 5000)  # fmt: skip

    view = build(home)

    assert len(view["blocks"]) <= MAX_BLOCKS
    assert view_problems(view) == []
    assert "…and 20 more: see your direct messages from the bot." in texts(view)
    assert "more agencies (`/rrm status`)" in texts(view)
    assert buttons(view)[-2:] == [("Newer", "home_page"), ("Older reviews", "home_page")]
    assert [b["value"] for b in view["blocks"][-1]["elements"]] == ["0", "2"]
    assert page_of(view) == 1


def test_someone_with_no_role_is_told_what_the_bot_is() -> None:
    view = build(Home("U0NOBODY", False, (), (), notice="Only partnership coordinators can."))

    text = texts(view)
    assert "Nothing for you here just now." in text and "Northshire &amp; Co" in text
    assert "Only partnership coordinators can." in text
    assert buttons(view) == [] and view_problems(view) == []


def test_away_shows_until_when_and_where_reminders_go() -> None:
    away = Absence("T0TEAM", ME, date(2026, 12, 4), None, NOW)
    request = (Request(review(), ret(1)),)

    held = build(Home(ME, False, request, (), away=away))
    deputy = build(Home(ME, False, request, (), away=replace(away, deputy="U0DEPUTY")))

    assert "You are away until Friday 4 December 2026.* Reminders wait until you are back " \
           "(Monday 7 December 2026)." in texts(held)  # fmt: skip
    assert "Reminders go to your deputy <@U0DEPUTY>." in texts(deputy)
    assert buttons(held)[0] == ("I'm back", "home_back")


def test_what_people_typed_is_escaped_and_answers_are_never_there() -> None:
    hostile = review(pseudonym="<!channel> & <@U0X>")
    view = build(Home(COORD, True, (Request(hostile, ret(1, name="<b>Ag</b>")),),
                      (ReviewLine(hostile, (ret(1, name="<b>Ag</b>"),)),)))  # fmt: skip

    text = texts(view)
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;@U0X&gt;" in text
    assert "&lt;b&gt;Ag&lt;/b&gt;" in text
    keys = {k for b in view["blocks"] for k in b}
    assert keys <= {"type", "text", "accessory", "elements", "block_id"}


def test_the_page_of_a_home_is_read_back_defensively() -> None:
    assert page_of({"private_metadata": '{"page": 3}'}) == 3
    for broken in (None, {}, {"private_metadata": "nope"}, {"private_metadata": '{"page": -1}'},
                   {"private_metadata": '{"page": true}'}, {"private_metadata": "[1]"}):  # fmt: skip
        assert page_of(broken) == 0
