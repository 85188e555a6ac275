"""End to end: changing a review as it goes (issue 8 point 4) through the real bot over HTTP —
``/rrm add`` (an agency from the file, a new one by name, one withdrawn asked again),
``/rrm edit``, ``/rrm extend``, ``/rrm remove`` and ``/rrm owner`` — with what each person then
sees in the fake Slack, the reminders re-planned in the database, and the audit.
The clock is fixed on Wednesday 25 November 2026, five days after the notification."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from forms.records import AgencyReturn, ReturnState, Review
from forms.reminder_items import Kind, Reminder, ReminderState
from tests.e2e.conftest import CASES, CHAIR, COORD, CSC, HEALTH, POLICE, ClockedBot, StartBot
from tests.e2e.test_e2e_returns import REF, open_review, said, status_card

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))
COORD2, CHAIR2, HEAD, PROBATION = "U0COORD2", "U0CHAIR2", "U0HEAD001", "U0PROBAT1"
REFUSED = "Only partnership coordinators can do this"


@pytest.fixture
def bot(clocked_bot: StartBot, fake: FakeSlack) -> ClockedBot:
    fake.add_user(COORD2, "cat", "Cat Coordinator")
    fake.add_user(CHAIR2, "pat", "Pat Chair")
    fake.add_user(HEAD, "head", "Head Teacher")
    return clocked_bot(WEDNESDAY, rrm_coordinators=(COORD, COORD2))


# -- helpers ----------------------------------------------------------------------------------


def reply(person: SlackPerson, text: str) -> str:
    return person.await_ephemeral(person.command(text, CASES)).text


def review(bot: ClockedBot) -> Review:
    with bot.runtime.ctx.uow as uow:
        found = uow.reviews.get_by_reference(bot.fake.team_id, REF)
    assert found is not None
    return found


def returns(bot: ClockedBot) -> dict[str, AgencyReturn]:
    review_id = review(bot).id
    with bot.runtime.ctx.uow as uow:
        return {r.agency_key: r for r in uow.returns.list_for_review(review_id)}


def pending(bot: ClockedBot) -> list[Reminder]:
    review_id = review(bot).id
    with bot.runtime.ctx.uow as uow:
        items = uow.reminders.list_for_review(review_id)
    return [r for r in items if r.state is ReminderState.PENDING]


def days(bot: ClockedBot, kind: Kind, return_id: int | None = None) -> list[date]:
    zone = ZoneInfo("Europe/London")
    items = [r for r in pending(bot) if r.kind is kind and r.return_id == return_id]
    return [r.due_at.astimezone(zone).date() for r in items]


def audit(bot: ClockedBot) -> list[tuple[str, dict[str, Any]]]:
    review_id = review(bot).id
    with bot.runtime.ctx.uow as uow:
        return [(e.action, e.details) for e in uow.audit.list_for_review(review_id)]


def dms(fake: FakeSlack, user: str) -> list[str]:
    return [said(m) for m in fake.dm_messages(user)]


def wait_for_card(coord: SlackPerson, fake: FakeSlack, text: str) -> None:
    coord.wait_for(lambda: text in status_card(fake), what=f"the status card to say {text}")


# -- /rrm add ---------------------------------------------------------------------------------


def test_add_an_agency_from_the_file_and_a_new_one_by_name(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)

    added = reply(coord, f"add {REF} probation")

    assert added.startswith("*Probation Service (Northshire)* added to *RR-2026-014 (Child A)*")
    assert "request sent to <@U0PROBAT1>, due Wednesday 2 December 2026" in added
    (card,) = coord.wait_for(lambda: fake.dm_messages(PROBATION), what="probation's request")
    assert "Agency: *Probation Service (Northshire)*" in said(card)
    assert "[Start] [No involvement] [Not me]" in said(card)
    wait_for_card(coord, fake, "Returns received: *0 of 4*")

    school = reply(coord, f'add {REF} "St Mary\'s &amp; &lt;b&gt; Primary" <@{HEAD}|head>')

    assert "*St Mary's &amp; &lt;b&gt; Primary* added" in school
    assert "`st-mary-s-b-primary`" in school
    (card,) = coord.wait_for(lambda: fake.dm_messages(HEAD), what="the school's request")
    assert "Agency: *St Mary's &amp; &lt;b&gt; Primary*" in said(card)
    wait_for_card(coord, fake, "Returns received: *0 of 5*")
    stored = returns(bot)
    assert stored["st-mary-s-b-primary"].agency_name == "St Mary's & <b> Primary"
    assert stored["probation"].contact_user_id == PROBATION
    for ret in (stored["probation"], stored["st-mary-s-b-primary"]):  # reminders planned
        assert days(bot, Kind.DUE_SOON, ret.id) == [date(2026, 11, 30), date(2026, 12, 1)]
    actions = [a for a, _ in audit(bot)]
    assert actions.count("return.added") == 2 and actions.count("return.invited") == 5
    assert fake.dm_messages(COORD) == []  # the owner added them: no note to themselves

    other = bot.person(COORD2)
    reply(other, f"add {REF} housing")
    coord.wait_for(lambda: fake.dm_messages(COORD), what="the note to the owner")
    assert "Housing" in said(fake.dm_messages(COORD)[0])
    assert "added to the review by <@U0COORD2>" in said(fake.dm_messages(COORD)[0])


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (f"add {REF} police", "Northshire Police is already asked in RR-2026-014 (not started)"),
        (f"add {REF} nosuch", "There is no agency `nosuch` in the partnership file"),
        (f'add {REF} "St Mary\'s Primary"', "a new agency needs its contact"),
        (f"add {REF} St Marys", "a new agency's name goes in quotes"),
        ("add RR-2099-001 probation", "There is no review RR-2099-001."),
        (f"add {REF}", "name the agency after the reference"),
    ],
)
def test_add_refuses_what_cannot_be_added(
    bot: ClockedBot, fake: FakeSlack, command: str, says: str
) -> None:
    coord = open_review(bot)
    before = returns(bot)

    text = reply(coord, command)

    assert says in text and "*How to use /rrm add*" in text
    assert returns(bot) == before and "*0 of 3*" in status_card(fake)


# -- /rrm edit --------------------------------------------------------------------------------


def test_edit_moves_the_meeting_and_due_date_and_changes_the_chair(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    reply(coord, f'extend {REF} police due=2026-12-04 reason="awaiting records"')
    ids = {k: r.id for k, r in returns(bot).items()}
    assert days(bot, Kind.PACK_DRAFT) == [date(2026, 12, 7)]

    text = reply(coord, f"edit {REF} meeting=2026-12-10 14:00 due=2026-12-03 chair=<@{CHAIR2}|pat>")

    assert text.startswith("Changed *RR-2026-014 (Child A)*:")
    assert "meeting: Thursday 10 December 2026 at 14:00" in text
    assert "due date: Thursday 3 December 2026 (2 return(s) moved with it" in text
    assert f"chair: <@{CHAIR2}> (was <@{CHAIR}>)" in text
    after = review(bot)
    assert after.chair == CHAIR2 and after.due_date == date(2026, 12, 3)
    assert after.meeting_at == datetime(2026, 12, 10, 14, 0, tzinfo=ZoneInfo("Europe/London"))
    dues = {k: r.due_date for k, r in returns(bot).items()}
    assert dues == {"police": date(2026, 12, 4), "health": date(2026, 12, 3),
                    "csc": date(2026, 12, 3)}  # fmt: skip
    # reminders and pack delivery follow: the draft 2 working days before the new meeting,
    # the chair's pack to the new chair, csc's due-soon 2 and 1 working days before 3 Dec
    assert days(bot, Kind.PACK_DRAFT) == [date(2026, 12, 8)]
    (chair_item,) = [r for r in pending(bot) if r.kind is Kind.PACK_CHAIR]
    assert chair_item.due_at.date() == date(2026, 12, 9) and chair_item.recipient == CHAIR2
    assert days(bot, Kind.DUE_SOON, ids["csc"]) == [date(2026, 12, 1), date(2026, 12, 2)]
    assert days(bot, Kind.DUE_SOON, ids["police"]) == [date(2026, 12, 2), date(2026, 12, 3)]
    # whoever is affected is told
    coord.wait_for(lambda: dms(fake, CHAIR2) and dms(fake, CHAIR), what="both chairs told")
    assert "You are now the chair of rapid review *RR-2026-014 (Child A)*" in dms(fake, CHAIR2)[0]
    assert "Thursday 10 December 2026 at 14:00" in dms(fake, CHAIR2)[0]
    assert "You are no longer the chair" in dms(fake, CHAIR)[0]
    for user in (HEALTH, CSC):
        assert any("now due *Thursday 3 December 2026*" in m for m in dms(fake, user))
        assert "Due: *Thursday 3 December 2026*" in said(fake.dm_messages(user)[0])  # the card
    assert not any("Thursday 3 December" in m for m in dms(fake, POLICE))
    wait_for_card(coord, fake, "Meeting: Thursday 10 December 2026 at 14:00")
    (details,) = [d for a, d in audit(bot) if a == "review.rescheduled"]
    assert details["previous_due_date"] == "2026-12-02" and details["chair"] == CHAIR2
    assert sorted(details["returns_moved"]) == sorted([ids["health"], ids["csc"]])


def test_a_meeting_date_alone_keeps_its_time_and_the_chair_is_told(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    other = bot.person(COORD2)

    text = reply(other, f"edit {REF} meeting=11/12/2026")

    assert "meeting: Friday 11 December 2026 at 10:00" in text
    coord.wait_for(lambda: dms(fake, CHAIR), what="the chair told")
    assert "the meeting has moved to Friday 11 December 2026 at 10:00" in dms(fake, CHAIR)[0]
    coord.wait_for(lambda: dms(fake, COORD), what="the owner told")
    assert "changed by <@U0COORD2>: meeting: Friday 11 December 2026" in dms(fake, COORD)[0]
    assert not any(dms(fake, u)[1:] for u in (POLICE, HEALTH, CSC))  # due dates unchanged


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (f"edit {REF} meeting=2026-11-24T10:00", "That time has passed"),
        (f"edit {REF} due=2026-12-10", "after the meeting (09/12/2026)"),
        (f"edit {REF} meeting=2026-12-01", "give a new due= too"),
        (f"edit {REF} due=2026-11-24", "That due date has passed"),
        (f"edit {REF} due=31/02/2026", "is not a real date"),
        (f"edit {REF} due=2026-12-02", "Nothing changes"),
        (f"edit {REF}", "say what changes"),
        (f"edit {REF} place=town-hall", "unknown key `place=`"),
    ],
)
def test_edit_refuses_impossible_dates_and_changes_nothing(
    bot: ClockedBot, fake: FakeSlack, command: str, says: str
) -> None:
    coord = open_review(bot)
    before, planned = review(bot), pending(bot)

    text = reply(coord, command)

    assert says in text and "*How to use /rrm edit*" in text
    assert review(bot) == before and pending(bot) == planned


# -- /rrm extend ------------------------------------------------------------------------------


def test_extend_moves_one_returns_reminders_and_tells_its_contact(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    ids = {k: r.id for k, r in returns(bot).items()}
    health_before = days(bot, Kind.DUE_SOON, ids["health"])
    assert days(bot, Kind.DUE_SOON, ids["police"]) == health_before

    text = reply(coord, f"extend {REF} police due=04/12/2026 reason=awaiting &lt;b&gt; records")

    assert text.startswith("*Northshire Police*'s return for *RR-2026-014 (Child A)* is now due")
    assert "Friday 4 December 2026 (was Wednesday 2 December 2026)" in text
    assert days(bot, Kind.DUE_SOON, ids["police"]) == [date(2026, 12, 2), date(2026, 12, 3)]
    assert days(bot, Kind.DUE_TODAY, ids["police"]) == [date(2026, 12, 4)]
    assert days(bot, Kind.DUE_SOON, ids["health"]) == health_before  # the others don't move
    stored = returns(bot)["police"]
    assert stored.due_date == date(2026, 12, 4)
    assert stored.extension_reason == "awaiting <b> records"
    coord.wait_for(lambda: len(fake.dm_messages(POLICE)) == 2, what="the contact told")
    told = dms(fake, POLICE)
    assert "now due *Friday 4 December 2026* — awaiting &lt;b&gt; records" in told[1]
    assert "Due: *Friday 4 December 2026*" in told[0]  # the request card too
    (details,) = [d for a, d in audit(bot) if a == "return.extended"]
    assert details == {"agency": "police", "due": "2026-12-04", "previous_due": "2026-12-02",
                       "reason_characters": 20}  # fmt: skip
    assert "awaiting" not in json.dumps(audit(bot))


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (f"extend {REF} police due=2026-12-04", "the reason is required"),
        (f"extend {REF} police reason=late", "give the new due date"),
        (f"extend {REF} police due=2026-12-10 reason=late", "after the meeting"),
        (f"extend {REF} gp due=2026-12-04 reason=late", "RR-2026-014 asks no agency `gp`"),
        (f"extend {REF} police due=2026-12-02 reason=late", "already due on 02/12/2026"),
    ],
)
def test_extend_refuses_and_changes_nothing(
    bot: ClockedBot, fake: FakeSlack, command: str, says: str
) -> None:
    coord = open_review(bot)
    before, planned = returns(bot), pending(bot)

    text = reply(coord, command)

    assert says in text and "*How to use /rrm extend*" in text
    assert returns(bot) == before and pending(bot) == planned


# -- /rrm remove ------------------------------------------------------------------------------


def test_remove_withdraws_a_return_and_add_asks_again(bot: ClockedBot, fake: FakeSlack) -> None:
    coord = open_review(bot)
    csc = bot.person(CSC)
    csc.wait_for(csc.dm_messages)
    asked = csc.click(csc.last_dm(), "ask_coordinator")  # a button the contact can press again
    csc_id = returns(bot)["csc"].id
    assert days(bot, Kind.DUE_SOON, csc_id)

    text = reply(coord, f"remove {REF} csc")

    assert text.startswith("*Northshire Children's Social Care*'s return is withdrawn from")
    assert f"`/rrm add {REF} csc` asks them again" in text
    wait_for_card(coord, fake, "Returns received: *0 of 2*")
    assert returns(bot)["csc"].state is ReturnState.WITHDRAWN
    assert [r for r in pending(bot) if r.return_id == csc_id] == []  # reminders cancelled
    card = csc.wait_for(lambda: "Withdrawn" in said(csc.last_dm()) and csc.last_dm())
    assert "withdrawn by the coordinator — no return needed" in said(card)
    assert "[Start]" not in said(card)
    refused = csc.await_ephemeral(csc.replay(asked))
    assert refused.text == (
        "Northshire Children's Social Care's return for RR-2026-014 was withdrawn by the "
        "coordinator — no return needed."
    )
    assert ("return.withdrawn", {"agency": "csc", "previous_state": "invited"}) in audit(bot)
    again = reply(coord, f"remove {REF} csc")
    assert "already withdrawn" in again

    back = reply(coord, f"add {REF} csc")

    assert back.startswith("*Northshire Children's Social Care* asked again")
    wait_for_card(coord, fake, "Returns received: *0 of 3*")
    assert returns(bot)["csc"].state is ReturnState.INVITED
    assert days(bot, Kind.DUE_SOON, csc_id)
    csc.wait_for(lambda: "[Start]" in said(csc.last_dm()), what="a new request card")
    assert len(fake.dm_messages(CSC)) == 2


def test_locking_leaves_a_withdrawn_card_saying_withdrawn(bot: ClockedBot) -> None:
    coord = open_review(bot)
    police, csc = bot.person(POLICE), bot.person(CSC)
    reply(coord, f"remove {REF} police")  # the first return: its card is finalised first
    police.wait_for(lambda: "Withdrawn" in said(police.last_dm()), what="the withdrawn card")

    assert reply(coord, f"lock {REF}").startswith("Locked")

    csc.wait_for(lambda: "is *locked*" in said(csc.last_dm()), what="the last final card")
    assert "withdrawn by the coordinator — no return needed" in said(police.last_dm())
    assert "No return was received" not in said(police.last_dm())


# -- /rrm owner -------------------------------------------------------------------------------


def test_owner_hands_the_review_to_another_coordinator(bot: ClockedBot, fake: FakeSlack) -> None:
    coord = open_review(bot)

    text = reply(coord, f"owner {REF} <@{COORD2}|cat>")

    assert (
        text
        == f"*RR-2026-014 (Child A)* is now owned by <@{COORD2}> (was <@{COORD}>); both are told."
    )
    assert review(bot).owner == COORD2
    coord.wait_for(lambda: dms(fake, COORD2), what="the new owner told")
    assert f"<@{COORD}> handed rapid review *RR-2026-014 (Child A)* to you" in dms(fake, COORD2)[0]
    (draft,) = [r for r in pending(bot) if r.kind is Kind.PACK_DRAFT]
    assert draft.recipient == COORD2
    assert ("review.owner_changed", {"from": COORD, "to": COORD2}) in audit(bot)

    not_coord = reply(coord, f"owner {REF} <@{CHAIR}|chris>")
    assert f"<@{CHAIR}> is not a coordinator" in not_coord
    assert "*How to use /rrm owner*" in not_coord
    assert review(bot).owner == COORD2


# -- who may ----------------------------------------------------------------------------------


def test_only_coordinators_change_a_review(bot: ClockedBot, fake: FakeSlack) -> None:
    coord = open_review(bot)
    before, planned, stored = review(bot), pending(bot), returns(bot)
    for user in (CHAIR, POLICE):
        person = bot.person(user)
        for command in (
            f"add {REF} probation",
            f"edit {REF} due=2026-12-03",
            f"extend {REF} police due=2026-12-04 reason=late",
            f"remove {REF} csc",
            f"owner {REF} <@{user}|me>",
        ):
            assert reply(person, command).startswith(REFUSED), (user, command)
    assert review(bot) == before and pending(bot) == planned and returns(bot) == stored
    assert fake.dm_messages(PROBATION) == [] and "0 of 3" in status_card(fake)
    assert coord.user_id == COORD


def test_a_locked_review_takes_no_new_agency_extension_or_withdrawal(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    assert reply(coord, f"lock {REF}").startswith("Locked")
    stored = returns(bot)

    for command in (
        f"add {REF} probation",
        f"extend {REF} police due=2026-12-04 reason=late",
        f"remove {REF} csc",
    ):
        assert "RR-2026-014 is locked: it can't be changed." in reply(coord, command)
    assert "is locked: no return is due any more" in reply(coord, f"edit {REF} due=2026-12-03")
    moved = reply(coord, f"edit {REF} meeting=2026-12-10T10:00")  # the meeting still can move
    assert "meeting: Thursday 10 December 2026 at 10:00" in moved
    assert days(bot, Kind.PACK_DRAFT) == [date(2026, 12, 8)]
    assert returns(bot) == stored and fake.dm_messages(PROBATION) == []
