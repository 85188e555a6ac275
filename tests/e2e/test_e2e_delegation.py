"""End to end: "Not me — pass it on" through the real bot over HTTP (issue 8 point 2).

The police contact passes the request to a colleague with a reason: the colleague gets the
request with what was saved, the old card says where it went, the old buttons and an open page
answer "passed to …", the owner is told (the reason only in the owner's DM), the audit has ids
only, reminders go to the colleague, who can pass it on again. Refusals: themselves, a bot, a
deactivated account, someone answering another agency's return of the review.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from bot.services import reminders
from bot.throttle import unthrottled
from tests.e2e.conftest import COORD, COORDS, HEALTH, POLICE, ClockedBot, StartBot, agency_return
from tests.e2e.test_e2e_returns import open_review, said, shown, start, status_card

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
PAT, ROBIN, ROBOT, GONE = "U0POLICE2", "U0POLICE3", "U0ROBOT01", "U0LEFT001"
REASON = "Moved to the MASH team; Pat <b>covers</b> this area"
PASSED = "This request was passed to <@U0POLICE2> on Wednesday 25 November 2026"


@pytest.fixture
def bot(clocked_bot: StartBot, fake: FakeSlack) -> ClockedBot:
    fake.add_user(PAT, "pat", "Pat Constable")
    fake.add_user(ROBIN, "robin", "Robin Sergeant")
    fake.add_user(ROBOT, "robot", "Helpful Bot", is_bot=True)
    fake.add_user(GONE, "gone", "Former Officer", deleted=True)
    return clocked_bot(WEDNESDAY)


def audit(bot: ClockedBot, action: str) -> list[Any]:
    ret = agency_return(bot, "police")
    with bot.runtime.ctx.uow as uow:
        return [e for e in uow.audit.list_for_review(ret.review_id) if e.action == action]


def pass_on(person: SlackPerson, to: str, reason: str = REASON) -> Any:
    """Not me on the person's request card (their first DM), then the colleague and the
    reason; Pass it on."""
    person.open_from(person.dm_messages()[0], "return_not_me")
    person.fill({"d|to": to, "d|reason": reason})
    return person.submit()


def test_a_contact_passes_the_request_on_and_the_colleague_finishes_it(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    police.fill({"0.2": "Detective sergeant"})
    assert police.submit().ok
    police.choose("A1", "yes_child")
    open_page = police.submit()  # page 2 saved; page 3 shown — this page stays open
    assert open_page.ok
    police.close()
    continued = police.click(police.last_dm(), "return_start")  # Continue, kept for later
    police.await_view(continued)
    police.close()

    modal = police.open_from(police.last_dm(), "return_not_me")
    assert "Pass *Northshire Police*'s return for rapid review *RR-2026-014*" in shown(modal)
    for who, problem in (
        (POLICE, "That's you: pick the colleague who should answer it instead."),
        (ROBOT, "Helpful Bot is a bot, not a person: pick a colleague."),
        (GONE, "Former Officer's account is deactivated: pick a colleague who can answer it."),
        (HEALTH, "Northshire Health NHS Trust inbox already answers Northshire Health NHS "
                 "Trust's return for this review: pick a colleague in Northshire Police, or ask "
                 "the coordinator to nominate them."),
    ):  # fmt: skip
        police.fill({"d|to": who, "d|reason": REASON})
        refused = police.submit()
        assert refused.errors == {"d|to": problem}, refused.errors
    assert (
        agency_return(bot, "police").contact_user_id == POLICE
        and audit(bot, "return.delegated") == []
    )

    police.fill({"d|to": PAT, "d|reason": REASON})
    done = police.submit()
    assert done.ok
    assert "<@U0POLICE2> has the request now" in shown(police.current_view())

    # The colleague gets the request (Continue: the answers stay with the return).
    pat = bot.person(PAT)
    card = pat.wait_for(pat.dm_messages, what="the request to Pat")[-1]
    assert "Passed on to you by <@U0POLICE1>" in said(card)
    assert "[Continue] [No involvement] [Not me] [Ask the coordinator]" in said(card)
    # The old card says where it went, with no buttons.
    old = police.wait_for(lambda: "*Passed on*" in said(police.last_dm()) and police.last_dm())
    assert "You passed this request to <@U0POLICE2> on Wednesday 25 November 2026" in said(old)
    assert not any(b["type"] == "actions" for b in old.blocks)
    # The old buttons and the page left open answer "passed to Pat".
    again = police.await_ephemeral(police.replay(continued))
    assert again.text.startswith(PASSED + " — ask them or the coordinator.")
    late = open_page.payload | {"view": open_page.payload["view"] | {"hash": "later"}}
    assert PASSED in json.dumps(police.replay(late).body)
    # The owner is told: the reason in their DM only, never in the channel or the audit.
    note = police.wait_for(
        lambda: [m for m in fake.dm_messages(COORD) if "passed the request" in m.text]
    )[0]
    assert note.text == (
        "RR-2026-014 (Child A): Northshire Police — <@U0POLICE1> passed the request to <@U0POLICE2>"
    )
    assert "Reason given: Moved to the MASH team; Pat &lt;b&gt;covers&lt;/b&gt;" in said(note)
    assert [m.text for m in fake.messages(COORDS) if "passed" in m.text] == [note.text]
    assert "MASH" not in json.dumps([said(m) for m in fake.messages(COORDS)])
    (entry,) = audit(bot, "return.delegated")
    assert entry.actor == POLICE and entry.details["from"] == POLICE
    assert entry.details["to"] == PAT and "MASH" not in json.dumps(entry.details)
    rid = agency_return(bot, "police").id
    with bot.runtime.ctx.uow as uow:
        (record,) = uow.returns.delegations(rid)
    assert (record.from_user, record.to_user, record.reason) == (POLICE, PAT, REASON)

    # Pat continues where the police contact left off, with their answers, and submits.
    page = pat.open_from(card, "return_start")
    assert "Section 3 of 12" in shown(page)
    pat.click_in_view("page_back")
    pat.click_in_view("page_back")
    assert pat.state_values()["q|0.2"]["v"]["value"] == "Detective sergeant"
    assert pat.submit().ok  # page 1 again, as it was
    pat.choose("A1", "no_involvement")
    pat.fill({"A1a": "Searched the force systems."})
    assert pat.submit().ok
    pat.choose("K1", "yes")
    pat.fill({"K1.role": "Detective inspector", "K1.date": "2026-11-25", "K2": "yes"})
    assert pat.submit().ok
    assert "[Submit return]" in shown(pat.current_view())
    assert pat.submit().ok
    pat.wait_for(lambda: "*Nil return* ✓" in said(pat.last_dm()), what="Pat's card to say so")
    pat.wait_for(lambda: "Returns received: *1 of 3*" in status_card(fake), what="1 of 3")


def test_reminders_follow_the_new_contact_who_can_pass_it_on_again(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    police.wait_for(police.dm_messages, what="the request")
    assert pass_on(police, PAT).ok
    pat = bot.person(PAT)
    pat.wait_for(pat.dm_messages, what="the request to Pat")

    # Monday 30 November, 09:30: two working days before the due date.
    bot.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=LONDON))
    report = reminders.sweep(bot.runtime.ctx, throttle=unthrottled())
    sent = {(o.recipient, o.reminder.return_id) for o in report.of("sent")}
    rid = agency_return(bot, "police").id
    assert (PAT, rid) in sent and not any(who == POLICE for who, _ in sent)
    assert "RR-2026-014" in said(pat.last_dm()) and len(pat.dm_messages()) == 2
    assert len(police.dm_messages()) == 1  # only the request card, now "passed on"

    pat_start = pat.click(pat.dm_messages()[0], "return_start")  # Pat's Start, kept for later
    pat.await_view(pat_start)
    pat.close()
    assert pass_on(pat, ROBIN, "Robin is the named officer").ok
    robin = bot.person(ROBIN)
    card = robin.wait_for(robin.dm_messages, what="the request to Robin")[-1]
    assert "Passed on to you by <@U0POLICE2>" in said(card)
    chain = [(e.details["from"], e.details["to"]) for e in audit(bot, "return.delegated")]
    assert chain == [(POLICE, PAT), (PAT, ROBIN)]
    assert agency_return(bot, "police").contact_user_id == ROBIN
    # The first contact is told who has it now; Pat, where Pat passed it.
    first = police.await_ephemeral(police.replay(pat_start))
    assert first.text == PASSED + " — ask them or the coordinator. It is now with <@U0POLICE3>."
    second = pat.await_ephemeral(pat.replay(pat_start))
    assert second.text == (
        "This request was passed to <@U0POLICE3> on Monday 30 November 2026 — ask them or the "
        "coordinator."
    )
    bot.clock.set(datetime(2026, 12, 1, 9, 30, tzinfo=LONDON))
    report = reminders.sweep(bot.runtime.ctx, throttle=unthrottled())
    assert {o.recipient for o in report.of("sent") if o.reminder.return_id == rid} == {ROBIN}


def test_a_colleague_the_bot_cannot_reach_gives_the_owner_enter_on_behalf(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    fake.refuse_dms(PAT)  # e.g. a Slack Connect user whose organisation refuses app DMs
    open_review(bot)
    police = bot.person(POLICE)

    assert pass_on(police, PAT).ok

    coord = bot.person(COORD)
    note = coord.wait_for(
        lambda: next(
            (m for m in coord.dm_messages() if "return_on_behalf" in json.dumps(m.blocks)), None
        ),
        what="the owner's Enter on behalf note",
    )
    assert "Northshire Police" in said(note) and "[Enter on behalf]" in said(note)
    ret = agency_return(bot, "police")
    assert ret.contact_user_id == PAT and ret.unreachable is not None
    told = coord.wait_for(
        lambda: [m for m in coord.dm_messages() if "passed the request" in m.text]
    )
    assert told[0].text.endswith(
        "but it could not be delivered to them; please nominate someone else"
    )
    assert fake.dm_messages(PAT) == []
