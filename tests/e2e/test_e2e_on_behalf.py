"""End to end: a contact the bot cannot reach in Slack (issue 9). The real bot over HTTP, the
fake Slack made unable to DM one contact — one case per kind — and the owner entering that
agency's return on its behalf: told at once, the same modals, counted, audited, and marked in
the compiled pack. The clock is fixed on Wednesday 25 November 2026."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, Message, SlackPerson
from bot.services import export, packs
from forms.records import PackKind
from tests.e2e.conftest import (
    CASES,
    CHAIR,
    COORD,
    COORDS,
    CSC,
    HEALTH,
    POLICE,
    ClockedBot,
    StartBot,
)
from tests.e2e.test_e2e_returns import OPEN, REF, play, said, shown, status_card

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))
CONTACTS = {"police": POLICE, "health": HEALTH, "csc": CSC}
NAMES = {"police": "Northshire Police", "health": "Northshire Health NHS Trust",
         "csc": "Northshire Children's Social Care"}  # fmt: skip


@pytest.fixture
def bot(clocked_bot: StartBot) -> ClockedBot:
    return clocked_bot(WEDNESDAY)


# -- the kinds of contact the fake Slack cannot DM ----------------------------------------------


def unknown_email(fake: FakeSlack) -> None:
    with fake.world.lock:  # nobody in this workspace has health's mailbox any more
        fake.world.users[HEALTH].email = None


def deactivated(fake: FakeSlack) -> None:
    fake.deactivate_user(POLICE)


def external_refused(fake: FakeSlack) -> None:
    """A Slack Connect person whose organisation lets no app open a DM with them."""
    with fake.world.lock:
        fake.world.users[CSC].team_id = "T0PARTNER"
    fake.refuse_dms(CSC, "not_allowed_token_type")


def guest_refused(fake: FakeSlack) -> None:
    with fake.world.lock:
        fake.world.users[POLICE].is_restricted = True
    fake.refuse_dms(POLICE, "channel_not_found")


KINDS = {
    "unknown email": (unknown_email, "health",
                      "no Slack user has safeguarding@health.example — they may be outside "
                      "this workspace"),
    "deactivated": (deactivated, "police", "the Slack account is deactivated"),
    "conversations.open fails": (external_refused, "csc",
                                 "they are an external (Slack Connect) user whose organisation "
                                 "does not let this app message them"),
    "guest refused": (guest_refused, "police", "they are a guest in this workspace"),
}  # fmt: skip


def owners_note(coord: SlackPerson) -> Message:
    return coord.wait_for(
        lambda: next((m for m in coord.dm_messages() if "return_on_behalf" in json.dumps(m.blocks)),
                     None), what="the owner's Enter on behalf note")  # fmt: skip


def open_review(bot: ClockedBot, unreachable: str) -> SlackPerson:
    coord = bot.person(COORD)
    assert (
        "Opened rapid review *RR-2026-014*"
        in coord.await_ephemeral(coord.command(OPEN, CASES)).text
    )
    for key, user in CONTACTS.items():
        if key != unreachable:
            coord.wait_for(partial(bot.fake.dm_messages, user), what=f"the request to {user}")
    return coord


NIL_RETURN = [
    (("fill", {"0.2": "Safeguarding lead (by secure email)"}), None),
    (("next",), {"shows": ["Section 2 of 12 — *Involvement*"]}),
    (("choose", "A1", "no_involvement"), None),
    (("fill", {"A1a": "Searched the agency's records for the child and family."}), None),
    (("next",), {"shows": ["*Sign-off and data handling*"]}),
    (("choose", "K1", "yes"), None),
    (("fill", {"K1.role": "Named nurse", "K1.date": "2026-11-24", "K2": "yes"}), None),
    (("next",), {"shows": ["[Submit return]", "No involvement"]}),
    (("next",), {"shows": ["Thank you", "edit it with Enter on behalf in the note"]}),
]


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_unreachable_contact_is_entered_on_behalf_and_marked_in_the_pack(
    bot: ClockedBot, fake: FakeSlack, kind: str
) -> None:
    make_unreachable, agency, reason = KINDS[kind]
    make_unreachable(fake)
    coord = open_review(bot, agency)

    # The owner is told at once: reference, agency, the reason, and Enter on behalf.
    note = said(owners_note(coord))
    assert f"RR-2026-014 (Child A): {NAMES[agency]}" in note
    assert reason in note and "[Enter on behalf]" in note
    channel_note = coord.wait_for(
        lambda: next((m for m in fake.messages(COORDS) if NAMES[agency] in m.text), None),
        what="the coordinator channel's note",
    )
    assert reason in channel_note.text and channel_note.blocks == []
    coord.wait_for(lambda: "to be entered on behalf: " + NAMES[agency] in status_card(fake),
                   what="the status card")  # fmt: skip
    unreachable_user = CONTACTS[agency]
    assert fake.dm_messages(unreachable_user) == []
    for key, user in CONTACTS.items():  # the other contacts are asked as usual
        if key != agency:
            (card,) = fake.dm_messages(user)
            assert "[Start] [No involvement]" in said(card)

    # Someone who is not a coordinator pressing a forged Enter on behalf is refused.
    chair = bot.person(CHAIR)
    button = owners_note(coord)
    refused = chair.await_ephemeral(chair.click(button, "return_on_behalf"))
    assert refused.text.startswith("Only partnership coordinators")
    assert [v for v in fake.views_of(CHAIR) if v.view.get("type") == "modal"] == []

    # The owner enters it: the received date (not in the future), then the same modals.
    page = coord.open_from(button, "return_on_behalf")
    assert "Date the return was received" in shown(page)
    coord.fill({"received": "2026-11-26"})
    assert coord.submit().errors["received"].startswith("The return can't have arrived after")
    coord.fill({"received": "2026-11-24"})
    assert coord.submit().ok
    assert "Section 1 of 12 — *About this return*" in shown(coord.current_view())
    play(coord, NIL_RETURN)

    coord.wait_for(lambda: "Returns received: *1 of 3*" in status_card(fake), what="1 of 3")
    assert "to be entered on behalf" not in status_card(fake)

    ctx = bot.runtime.ctx
    audit = export.audit_log(ctx, team_id=fake.team_id, reference=REF)
    assert any(f"U0COORD  return.unreachable  [{agency}]" in line for line in audit)
    assert any(f"U0COORD  return.on_behalf  [{agency}]" in line
               and "received_on=2026-11-24" in line for line in audit)  # fmt: skip
    saved = [line for line in audit if "page.saved" in line and f"[{agency}]" in line]
    assert saved and all("U0COORD" in line and "on_behalf=True" in line for line in saved)
    assert any(f"U0COORD  return.submitted  [{agency}]" in line and "on_behalf=True" in line
               for line in audit)  # fmt: skip

    html = packs.compile_pack(ctx, team_id=fake.team_id, actor=COORD, reference_or_id=REF,
                              kind=PackKind.REQUESTED, recipients=(), pdf=False).html  # fmt: skip
    marker = "Entered by Casey Coordinator from a return received on 24 Nov 2026"
    assert html.count(marker) == 2  # the returns status table and the return in Appendix A
    assert "Safeguarding lead (by secure email)" in html


def test_no_reminder_goes_to_an_unreachable_contact(bot: ClockedBot, fake: FakeSlack) -> None:
    deactivated(fake)
    coord = open_review(bot, "police")
    owners_note(coord)
    reply = coord.await_ephemeral(coord.command(f"remind {REF}", CASES))
    assert "Not Northshire Police: not reachable in Slack (the Slack account is deactivated)" in (
        reply.text
    )
    assert fake.dm_messages(POLICE) == []


def test_a_coordinator_cannot_enter_a_reachable_contacts_return(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    deactivated(fake)
    coord = open_review(bot, "police")
    button = owners_note(coord)
    with bot.runtime.engine.connect() as connection:
        health_return = connection.exec_driver_sql(
            "SELECT returns.id FROM returns JOIN agencies ON agencies.id = returns.agency_id "
            "WHERE agencies.key = 'health'"
        ).scalar_one()
    payload = json.loads(json.dumps(coord.click(button, "return_on_behalf").payload))
    payload["actions"][0]["value"] = json.dumps({"r": health_return})
    coord.replay(payload)
    refusal = coord.wait_for(
        lambda: next((m for m in coord.ephemerals() if "can be reached" in m.text), None),
        what="the refusal",
    )
    assert refusal.text.startswith("Northshire Health NHS Trust's contact can be reached in Slack")
    # The health contact's return still belongs to them alone: the coordinator can't open it.
    health = bot.person(HEALTH)
    health.wait_for(health.dm_messages)
    sent = coord.replay(health.click(health.last_dm(), "return_start").payload)
    assert sent.status == 200
    coord.wait_for(lambda: any("not by you" in m.text for m in coord.ephemerals()), what="refused")


def test_slack_connect_and_guest_contacts_slack_can_reach_are_asked_like_anyone(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    with fake.world.lock:
        fake.world.users[CSC].team_id = "T0PARTNER"  # Slack Connect, sharing a channel
        fake.world.users[POLICE].is_restricted = True  # a multi-channel guest
    coord = bot.person(COORD)
    coord.await_ephemeral(coord.command(OPEN, CASES))
    for user in CONTACTS.values():
        (card,) = coord.wait_for(partial(fake.dm_messages, user), what=f"the card to {user}")
        assert "[Start]" in said(card)
    assert not any("return_on_behalf" in json.dumps(m.blocks) for m in coord.dm_messages())
