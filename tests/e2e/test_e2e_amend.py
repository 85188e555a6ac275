"""End to end: editing a return after it was submitted (issue 8 point 3), through the real bot
over HTTP. The return stays received (n of m unchanged, no reminders restart), each changed
page is audited as an amendment (section id only), the pack marks it "Amended after submission
on <date time>", and after ``/rrm lock`` an edit is refused, naming whom to ask.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from forms.records import ReturnState
from forms.reminders import ReminderState
from tests.e2e.conftest import CASES, CHAIR, HEALTH, ClockedBot, StartBot, agency_return
from tests.e2e.test_e2e_returns import open_review, play, said, shown, start, status_card

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
PDF_WAIT = 120.0


@pytest.fixture
def bot(clocked_bot: StartBot) -> ClockedBot:
    return clocked_bot(WEDNESDAY)


def nil_return(health: SlackPerson) -> None:
    start(health, "return_nil")
    play(health, [
        (("fill", {"A1a": "Searched name and date of birth on the patient record system."}), None),
        (("next",), {"shows": ["*Sign-off and data handling*"]}),
        (("choose", "K1", "yes"), None),
        (("fill", {"K1.role": "Named nurse", "K1.date": "2026-11-25", "K2": "yes"}), None),
        (("next",), {"shows": ["[Submit return]"]}),
        (("next",), {"shows": ["Thank you"]}),
    ])  # fmt: skip


def test_an_edit_after_submission_stays_received_and_the_pack_says_amended(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    health = bot.person(HEALTH)
    nil_return(health)
    health.wait_for(lambda: "*Nil return* ✓" in said(health.last_dm()), what="the nil card")
    health.wait_for(lambda: "Returns received: *1 of 3*" in status_card(fake), what="1 of 3")
    submitted_at = agency_return(bot, "health").submitted_at

    bot.clock.set(datetime(2026, 11, 26, 14, 5, tzinfo=LONDON))
    edit = health.click(health.last_dm(), "return_edit")  # kept: pressed again after the lock
    first = health.await_view(edit)
    assert "Section 1 of" in shown(first)
    assert health.submit().ok  # page 1: the nil path never saved it; its pre-fill is saved now
    health.fill({"A1a": "Searched the patient record system and the child health record."})
    changed = health.submit()  # the page of A1a, changed: an amendment
    assert changed.ok
    health.close()

    ret = agency_return(bot, "health")
    assert ret.state is ReturnState.NIL and ret.submitted_at == submitted_at
    assert ret.amended_at == datetime(2026, 11, 26, 14, 5, tzinfo=LONDON)
    health.wait_for(lambda: "Amended 26 Nov 2026 14:05" in said(health.last_dm()), what="amended")
    assert "Returns received: *1 of 3*" in status_card(fake)
    with bot.runtime.ctx.uow as uow:
        entries = uow.audit.list_for_review(ret.review_id)
        pending = [
            r
            for r in uow.reminders.list_for_review(ret.review_id)
            if r.return_id == ret.id and r.state is ReminderState.PENDING
        ]
    amended = [e for e in entries if e.action == "return.amended"]
    assert [(e.actor, e.details) for e in amended] == [
        (HEALTH, {"section": "0"}),
        (HEALTH, {"section": "A"}),
    ]
    assert "return.reopened" not in {e.action for e in entries}
    assert pending == []  # reminders did not restart

    chair = bot.person(CHAIR)
    chair.command("pack RR-2026-014", CASES)
    dm = chair.wait_for(
        lambda: fake.dm_channel(CHAIR) and len(fake.files_in(fake.dm_channel(CHAIR))) == 2,
        timeout=PDF_WAIT,
        what="the pack",
    )
    assert dm
    html = next(f for f in fake.files_in(fake.dm_channel(CHAIR)) if f.name.endswith(".html"))
    assert html.content is not None
    page = html.content.decode()
    assert page.count("Amended after submission on 26 Nov 2026 14:05") == 2  # table, appendix

    locked = coord.await_ephemeral(coord.command("lock RR-2026-014", CASES))
    assert locked.text.startswith("Locked")
    refused = health.await_ephemeral(health.replay(edit))
    assert refused.text == (
        "Review RR-2026-014 is locked: returns can't be changed any more. Ask <@U0COORD>, the "
        "review's coordinator, if something must be added or corrected."
    )
    late = changed.payload | {"view": changed.payload["view"] | {"hash": "later"}}
    answer: Any = health.replay(late).body
    assert "Ask <@U0COORD>, the review's coordinator" in json.dumps(answer)
    assert answer["view"]["blocks"][0]["text"]["type"] == "mrkdwn"
    assert agency_return(bot, "health").amended_at == datetime(2026, 11, 26, 14, 5, tzinfo=LONDON)
