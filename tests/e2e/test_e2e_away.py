"""End to end: a contact away, through the real bot over HTTP — ``/rrm away`` with a deputy and
without, ``/rrm back``, and the Home's "I'm away" modal and "I'm back" button — then reminder
sweeps (what ``rrm tick`` runs) with the clock moved: reminders go to the deputy, or wait until
the first working day after the absence and then the latest goes once; the owner is told.

The review is opened on Wednesday 25 November 2026; returns are due Wednesday 2 December, so
the contacts' reminders fall on Monday 30 November, Tuesday 1 and Wednesday 2 December.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from bot.services import reminders
from bot.throttle import unthrottled
from tests.e2e.conftest import CASES, COORD, COORDS, CSC, HEALTH, POLICE, ClockedBot, StartBot
from tests.e2e.test_e2e_home import LONDON, WEDNESDAY, home_of, seen
from tests.e2e.test_e2e_returns import REF, open_review, said

DEPUTY = "U0DEPUTY1"


@pytest.fixture
def bot(clocked_bot: StartBot, fake: FakeSlack) -> ClockedBot:
    fake.add_user(DEPUTY, "dee", "Dee Deputy")
    return clocked_bot(WEDNESDAY)


def sweep(bot: ClockedBot, day: int, month: int = 12) -> reminders.SweepReport:
    """One sweep (as ``rrm tick`` runs it) at 09:05 on ``day``."""
    bot.clock.set(datetime(2026, month, day, 9, 5, tzinfo=LONDON))
    return reminders.sweep(bot.runtime.ctx, throttle=unthrottled())


def reminders_to(fake: FakeSlack, user: str) -> list[str]:
    return [said(m) for m in fake.dm_messages(user) if "Agency return requested" not in said(m)]


def command(person: SlackPerson, text: str) -> str:
    return person.await_ephemeral(person.command(text, CASES)).text


def test_away_with_a_deputy_sends_the_reminders_to_the_deputy(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    police = bot.person(POLICE)

    reply = command(police, f"away until=2026-12-04 deputy=<@{DEPUTY}|dee>")

    assert reply.startswith("🌴 You are away until *Friday 4 December 2026*. Reminders go to "
                            f"your deputy <@{DEPUTY}> meanwhile.")  # fmt: skip
    note = coord.wait_for(lambda: [m for m in fake.dm_messages(COORD) if "away" in m.text])
    assert note[0].text == (
        "RR-2026-014 (Child A): Northshire Police — the contact is away until Friday 4 December "
        f"2026; reminders go to their deputy <@{DEPUTY}>"
    )
    coord.wait_for(lambda: [m for m in fake.messages(COORDS) if "away" in m.text])

    report = sweep(bot, 30, 11)

    assert ("sent", DEPUTY) in [(o.result, o.recipient) for o in report.outcomes]
    assert reminders_to(fake, POLICE) == []
    (to_deputy,) = reminders_to(fake, DEPUTY)
    assert (
        f"Sent to you as deputy for <@{POLICE}>*, who is away until *Friday 4 December 2026*"
        in to_deputy
    )
    assert "ask <@U0POLICE1> or the coordinator (<@U0COORD>) to pass the request on" in to_deputy
    assert "return_start" not in json.dumps(fake.dm_messages(DEPUTY)[-1].blocks)
    nudged = command(coord, f"remind {REF}")
    assert f"Northshire Police (<@{DEPUTY}>)" in nudged

    with bot.runtime.ctx.uow as uow:
        review = uow.reviews.get_by_reference(fake.team_id, REF)
        assert review is not None
        audit = uow.audit.list_for_review(review.id)
    assert [(a.action, a.details.get("deputy")) for a in audit if a.action == "contact.away"] == [
        ("contact.away", DEPUTY)
    ]
    assert any(a.action == "reminder.sent" and a.details.get("deputy_for") == POLICE for a in audit)


def test_away_without_a_deputy_holds_the_reminders_until_the_contact_is_back(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    health = bot.person(HEALTH)

    reply = command(health, "away until=01/12/2026")
    assert (
        "Reminders wait until you are back: the latest goes on Wednesday 2 December 2026" in reply
    )
    coord.wait_for(lambda: [m for m in fake.dm_messages(COORD) if "reminders wait until" in m.text])

    held = [(o.result, o.recipient) for o in sweep(bot, 30, 11).outcomes]
    assert ("deferred", HEALTH) in held and ("sent", HEALTH) not in held
    assert HEALTH not in [o.recipient for o in sweep(bot, 1).sent]
    assert reminders_to(fake, HEALTH) == []
    nudged = command(coord, f"remind {REF}")
    assert "Not Northshire Health NHS Trust: away until 01 Dec 2026, with no deputy" in nudged

    back_day = sweep(bot, 2)

    assert [o.reminder.kind.value for o in back_day.sent if o.recipient == HEALTH] == ["due_today"]
    assert back_day.superseded >= 2  # the ones held on the 30th and the 1st: only the latest goes
    (only,) = reminders_to(fake, HEALTH)
    assert "Due today" in only
    assert [o for o in sweep(bot, 2).sent if o.recipient == HEALTH] == []  # once


def test_away_and_back_from_the_home(bot: ClockedBot, fake: FakeSlack) -> None:
    coord = open_review(bot)
    csc = bot.person(CSC)
    home_of(csc, "Going to be away?")

    modal = csc.await_view(csc.click_in_home("home_away"))
    assert "Away until" in seen(modal)
    csc.fill({"away_until": "2026-11-20", "away_deputy": CSC})
    refused = csc.submit()
    assert refused.errors == {
        "away_until": "That day is not in the future: give your last day away.",
        "away_deputy": "Your deputy must be someone else.",
    }
    csc.fill({"away_deputy": "U0RRMBOT"})
    assert csc.submit().errors["away_deputy"] == "A bot can't be a deputy: name a person."
    csc.fill({"away_until": "2026-12-10", "away_deputy": DEPUTY})
    assert csc.submit().ok

    shown = csc.await_home("You are away until Thursday 10 December 2026.")
    assert f"Reminders go to your deputy <@{DEPUTY}>." in seen(shown)
    coord.wait_for(lambda: [m for m in fake.dm_messages(COORD) if "Social Care — the contact is "
                            "away until Thursday 10 December 2026" in m.text])  # fmt: skip
    assert [o.recipient for o in sweep(bot, 30, 11).sent if o.recipient in (CSC, DEPUTY)] == [
        DEPUTY
    ]

    csc.click_in_home("home_back")
    csc.await_home("Welcome back: your reminders come to you again.")
    assert [o.recipient for o in sweep(bot, 1).sent if o.recipient in (CSC, DEPUTY)] == [CSC]
    assert command(csc, "back") == "You were not marked as away: your reminders come to you."
    coord.wait_for(lambda: [m for m in fake.dm_messages(COORD) if "the contact is back" in m.text])
