"""End to end: the end of a review through the real bot over HTTP — ``/rrm lock``, the
``/rrm close`` modal, ``/rrm hold`` — and the pseudonym check of the text form of ``/rrm open``.
The clock is fixed the day after the meeting."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack
from forms.records import ReviewOutcome, ReviewStatus
from tests.e2e.conftest import CASES, CHAIR, COORD, POLICE, ClockedBot, StartBot
from tests.e2e.test_e2e_returns import OPEN, REF, open_review, said, shown, start, status_card

THURSDAY = datetime(2026, 12, 10, 12, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def bot(clocked_bot: StartBot) -> ClockedBot:
    return clocked_bot(THURSDAY)


def stored(bot: ClockedBot, reference: str = REF) -> Any:
    with bot.runtime.ctx.uow as uow:
        return uow.reviews.get_by_reference(bot.fake.team_id, reference)


def test_lock_then_close_with_the_outcome_then_hold(bot: ClockedBot, fake: FakeSlack) -> None:
    coord = open_review(bot)
    police = bot.person(POLICE)
    start(police)
    police.fill({"0.2": "Detective sergeant"})
    first_page = police.submit()
    assert first_page.ok

    locked = coord.await_ephemeral(coord.command(f"lock {REF}", CASES))
    assert locked.text.startswith("Locked *RR-2026-014 (Child A)*")
    police.choose("A1", "yes_child")  # in the page still open: refused, and said so
    assert "is locked: returns can't be changed any more" in shown(police.current_view())
    coord.wait_for(lambda: "*Locked*" in status_card(fake), what="the card to say locked")
    card = police.wait_for(lambda: "is *locked*" in said(police.last_dm()) and police.last_dm())
    assert "[Continue]" not in said(card) and card.blocks[-1]["type"] == "section"

    modal = coord.await_view(coord.command(f"close {REF.lower()}", CASES))
    assert "Close rapid review *RR-2026-014 (Child A)*" in shown(modal)
    coord.fill({"outcome": "other_learning", "panel_sent": "2026-11-19"})
    early = coord.submit()
    assert early.errors == {"panel_sent": "It cannot have been sent before the notification date."}
    coord.fill({"panel_sent": "2026-12-10"})
    assert coord.submit().ok

    closed = coord.wait_for(lambda: [m for m in coord.ephemerals() if "Closed" in m.text])
    assert closed[0].text.startswith("Closed *RR-2026-014 (Child A)* — outcome: other learning.")
    coord.wait_for(lambda: "*Closed* — outcome: other learning · sent to the Panel on Thursday "
                   "10 December 2026" in status_card(fake), what="the final status card")  # fmt: skip
    review = stored(bot)
    assert review.status is ReviewStatus.CLOSED
    assert review.outcome is ReviewOutcome.OTHER_LEARNING
    again = coord.await_ephemeral(coord.command(f"close {REF}", CASES))
    assert again.text == "RR-2026-014 is already closed."
    late = first_page.payload | {"view": first_page.payload["view"] | {"hash": "later"}}
    assert "is closed: returns can't be changed any more" in json.dumps(police.replay(late).body)

    held = coord.await_ephemeral(
        coord.command(f"hold {REF} reason=Inquest &lt;b&gt; <!channel> listed", CASES)
    )
    assert held.text.startswith(
        "*RR-2026-014 (Child A)* is on hold (Inquest &lt;b&gt; &lt;!channel&gt; listed)"
    )
    assert stored(bot).hold_reason == "Inquest <b> <!channel> listed"
    lifted = coord.await_ephemeral(coord.command(f"hold {REF} off", CASES))
    assert lifted.text.startswith("The hold on *RR-2026-014 (Child A)* is lifted")


def test_only_coordinators_lock_close_and_hold(bot: ClockedBot, fake: FakeSlack) -> None:
    open_review(bot)
    chair = bot.person(CHAIR)
    for command in (f"lock {REF}", f"close {REF}", f"hold {REF} reason=LCSPR"):
        reply = chair.await_ephemeral(chair.command(command, CASES))
        assert reply.text.startswith("Only partnership coordinators can do this.")
    assert [v for v in fake.views_of(CHAIR) if v.type == "modal"] == []  # (the Home is there)
    review = stored(bot)
    assert review.status is ReviewStatus.OPEN and review.hold_reason is None


def test_an_identifying_pseudonym_in_the_text_form_opens_the_modal_with_the_warning(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = bot.person(COORD)

    modal = coord.await_view(coord.command(OPEN.replace("Child A", "Jane Smith"), CASES))

    assert "‘Jane Smith’ looks like a real name" in shown(modal)
    assert "Press Open review again to keep it, or change it." in shown(modal)
    assert fake.messages(CASES) == [] and stored(bot) is None
    coord.fill({"o|under1": "no"})  # asked by the modal (the text form assumes no)
    assert coord.submit().ok  # kept, knowingly
    coord.wait_for(lambda: any(REF in m.text for m in coord.ephemerals()), what="the confirmation")
    assert stored(bot).pseudonym == "Jane Smith"

    coord.await_view(coord.command(OPEN.replace(REF, "RR-2026-015").replace(
        "Child A", "Jane Smith"), CASES))  # fmt: skip
    coord.fill({"o|child": "Child B", "o|under1": "no"})
    assert coord.submit().ok  # changed: opened at once
    coord.wait_for(lambda: any("RR-2026-015" in m.text for m in coord.ephemerals()),
                   what="the confirmation, sent after every request")  # fmt: skip
    assert stored(bot, "RR-2026-015").pseudonym == "Child B"
