"""End to end: the bot's App Home through the real bot over HTTP — ``app_home_opened`` for a
contact, a coordinator, a chair and someone with no role; its buttons (Start, Remind, Pack,
Lock, Close) pressed by those allowed and, forged, by those who are not; paging; and the Home
published again when a return is submitted. The clock is fixed on Wednesday 25 November 2026,
the review's returns due on Wednesday 2 December."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, SlackPerson, View, flatten_blocks
from bot.services import reviews
from forms.records import ReviewStatus
from tests.e2e.conftest import CASES, CHAIR, COORD, CSC, HEALTH, POLICE, ClockedBot, StartBot
from tests.e2e.test_e2e_returns import open_review, start

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
NOBODY = "U0NOBODY1"
REF = "RR-2026-014"


@pytest.fixture
def bot(clocked_bot: StartBot, fake: FakeSlack) -> ClockedBot:
    fake.add_user(NOBODY, "nora", "Nora Nobody")
    return clocked_bot(WEDNESDAY)


def seen(view: View | None) -> str:
    """The Home as the person reads it."""
    return "\n".join(flatten_blocks(view.blocks)) if view else ""


def buttons(view: View | None) -> list[str]:
    found = []
    for block in view.blocks if view else []:
        for el in [*(block.get("elements") or []), block.get("accessory")]:
            if isinstance(el, dict) and el.get("type") == "button":
                found.append(f"{el['text']['text']}:{el['action_id']}")
    return found


def home_of(person: SlackPerson, text: str) -> View:
    sent = person.open_home()
    assert sent.status == 200
    return person.await_home(text)


def published_to(fake: FakeSlack, user: str) -> list[Any]:
    return [c for c in fake.calls_to("views.publish") if c.args.get("user_id") == user]


def stored(bot: ClockedBot, reference: str = REF) -> Any:
    with bot.runtime.ctx.uow as uow:
        return uow.reviews.get_by_reference(bot.fake.team_id, reference)


def test_each_person_sees_their_own_home(bot: ClockedBot, fake: FakeSlack) -> None:
    open_review(bot)

    police = home_of(bot.person(POLICE), "Your requests")
    assert f"*{REF}* (Child A) · Northshire Police" in seen(police)
    assert "Not started · due Wednesday 2 December 2026 (5 working days left)" in seen(police)
    assert buttons(police) == ["I'm away:home_away", "Start:return_start"]

    coord = home_of(bot.person(COORD), "Open reviews")
    text = seen(coord)
    assert f"*{REF} · Child A* — yours" in text
    assert "Meeting: Wednesday 9 December 2026 at 10:00 (in 10 working days)" in text
    assert "Returns due: Wednesday 2 December 2026 (5 working days left)" in text
    assert "Returns received: *0 of 3*" in text
    assert "• Northshire Police: not started — 5 working days left" in text
    assert buttons(coord) == [
        "Remind:home_remind",
        "Pack:home_pack",
        "Lock:home_lock",
        "Close:home_close",
    ]

    chair = home_of(bot.person(CHAIR), "Reviews you chair")
    assert f"owner <@{COORD}> · you chair it" in seen(chair)
    assert buttons(chair) == ["Pack:home_pack"]
    assert "Your requests" not in seen(chair)

    nobody = home_of(bot.person(NOBODY), "Nothing for you here")
    assert "Northshire Safeguarding Children Partnership" in seen(nobody)
    assert buttons(nobody) == [] and REF not in seen(nobody)
    assert all(len(v.blocks) <= 100 for u in (POLICE, COORD, CHAIR, NOBODY)
               for v in fake.views_of(u) if v.type == "home")  # fmt: skip


def test_start_on_the_home_opens_the_same_form(bot: ClockedBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    home_of(police, "Your requests")

    modal = police.await_view(police.click_in_home("return_start"))

    assert "Section 1 of" in seen(modal)
    assert stored(bot).status is ReviewStatus.OPEN


def test_home_buttons_for_a_coordinator_and_refused_when_forged(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    open_review(bot)
    coord, police, chair = bot.person(COORD), bot.person(POLICE), bot.person(CHAIR)
    home_of(coord, "Open reviews")
    home_of(police, "Your requests")
    home_of(chair, "Reviews you chair")

    reminded = coord.click_in_home("home_remind")
    assert reminded.status == 200
    coord.await_home("Nudged: Northshire Police")
    police.wait_for(lambda: "A nudge from the coordinator" in json.dumps(police.last_dm().blocks))

    forged = json.loads(json.dumps(reminded.payload))  # the coordinator's press, made Lock
    forged["actions"][0]["action_id"] = "home_lock"
    for forger in (police, chair):  # ... and sent as theirs
        assert forger.replay(forged).status == 200
        forger.await_home("Only partnership coordinators can do this.")
        assert stored(bot).status is ReviewStatus.OPEN
    coord.click_in_home("home_lock")
    coord.await_home("Locked *RR-2026-014 (Child A)*")
    assert stored(bot).status is ReviewStatus.LOCKED

    chair.click_in_home("home_pack")
    chair.await_home("Meeting pack v1 for RR-2026-014 (Child A) (PDF and HTML) sent to", 60)
    assert [f.name for f in fake.files_in(fake.dm_channel(CHAIR) or "")]

    modal = coord.await_view(coord.click_in_home("home_close"))
    assert "Close rapid review *RR-2026-014 (Child A)*" in seen(modal)
    assert police.replay(coord.click_in_home("home_close").payload).status == 200
    police.await_home("Only partnership coordinators can do this.")
    assert police.home() and not [v for v in fake.views_of(POLICE) if v.type == "modal"]


def test_older_reviews_are_paged(bot: ClockedBot, fake: FakeSlack) -> None:
    ctx = bot.runtime.ctx
    for n in range(27):
        reviews.open_review(
            ctx, team_id=fake.team_id, actor=COORD, channel_id=CASES,
            req=reviews.OpenRequest(
                reference=f"RR-2026-{100 + n}", pseudonym=f"Child {n}",
                notification_date=date(2026, 11, 20),
                meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=LONDON),
                due_date=date(2026, 12, 2), chair=CHAIR, contacts={"police": POLICE},
            ),
        )  # fmt: skip
    coord = bot.person(COORD)

    first = home_of(coord, "RR-2026-126 · Child 26")  # the newest first
    assert len(first.blocks) <= 100
    assert "RR-2026-101 · Child 1" not in seen(first)
    assert buttons(first)[-1] == "Older reviews:home_page"

    coord.click_in_home("home_page", "1")
    older = coord.await_home("RR-2026-100 · Child 0")
    assert "RR-2026-126" not in seen(older)
    assert buttons(older)[-1] == "Newer:home_page"
    police = home_of(bot.person(POLICE), "Your requests")
    assert len(police.blocks) <= 100
    assert "…and 17 more: see your direct messages from the bot." in seen(police)


def test_the_home_is_published_again_when_a_return_is_submitted(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    open_review(bot)
    coord, health, csc = bot.person(COORD), bot.person(HEALTH), bot.person(CSC)
    home_of(coord, "Returns received: *0 of 3*")
    home_of(health, "Start")
    home_of(csc, "Start")
    csc_homes = len(published_to(fake, CSC))

    start(health, "return_nil")
    health.fill({"A1a": "Searched the patient record system."})
    assert health.submit().ok
    health.choose("K1", "yes")
    health.fill({"K1.role": "Named nurse", "K1.date": "2026-11-25", "K2": "yes"})
    assert health.submit().ok
    assert health.submit().ok  # Submit return

    coord.await_home("Returns received: *1 of 3*")
    assert "• Northshire Health NHS Trust: nil return" in seen(coord.home())
    mine = health.await_home("Nil return ✓")
    assert buttons(mine)[-1] == "Edit:return_edit"
    csc.wait_for(  # every contact of the review who opened their Home: published again too
        lambda: len(published_to(fake, CSC)) > csc_homes,
        what="CSC's Home published again",
    )
    assert published_to(fake, POLICE) == []  # never opened it
    assert "Searched the patient record system" not in json.dumps(
        [v.view for u in (COORD, HEALTH, CSC, CHAIR) for v in fake.views_of(u) if v.type == "home"]
    )
