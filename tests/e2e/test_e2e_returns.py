"""End to end: the real bot over HTTP, people acting through signed requests as Slack sends
them, and assertions on what the fake Slack received (messages, modals, the transcript).

Journeys are data (STYLE 9): a list of (what the person does, what the modal then shows).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.fakeslack import FakeSlack, Message, Sent, SlackPerson, View, flatten_blocks
from bot.fakeslack.people import signed_headers
from tests.e2e.conftest import (
    CASES,
    CHAIR,
    COORD,
    CSC,
    HEALTH,
    NOBOT,
    OTHER_TEAM,
    OUTSIDER,
    POLICE,
    SECRET,
    RunningBot,
)

FIXTURES = Path(__file__).parent / "fixtures"
REF = "RR-2026-014"
OPEN = (
    f'open {REF} child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,health,csc"
)
CONTACTS = (POLICE, HEALTH, CSC)
CARD_BUTTONS = "[Start] [No involvement] [Not me] [Ask the coordinator]"
NARRATIVE = ("Officers attended after a neighbour's call. " * 80)[:3500]  # two boxes
RISK_ALERT = "⚠ RR-2026-014 (Child A): Northshire Police reports a current risk to another child"


# -- helpers ----------------------------------------------------------------------------------


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    loaded.pop("_comment", None)
    return loaded


def shown(view: View) -> str:
    """A modal as the person reads it: title, buttons, then its blocks as text."""
    buttons = " ".join(f"[{view.view[k]['text']}]" for k in ("submit", "close") if k in view.view)
    return "\n".join([f"“{view.title}” {buttons}", *flatten_blocks(view.blocks)])


def said(message: Message) -> str:
    return "\n".join([message.text, *flatten_blocks(message.blocks)])


def everything_said(fake: FakeSlack) -> str:
    """Every version of every message anyone saw, in channels, DMs and ephemeral replies
    (not the modals)."""
    with fake.world.lock:
        channels, users = list(fake.world.channels), list(fake.world.users)
    messages = [m for c in channels for m in fake.messages(c, include_deleted=True)]
    messages += [m for u in users for m in fake.ephemeral_messages(u)]
    return "\n".join(
        line
        for m in messages
        for v in m.versions
        for line in [str(v.get("text", "")), *flatten_blocks(list(v.get("blocks") or []))]
    )


def status_card(fake: FakeSlack) -> str:
    cards = fake.messages(CASES)
    assert len(cards) == 1, [said(m) for m in cards]
    return said(cards[0])


def open_review(bot: RunningBot) -> SlackPerson:
    """The coordinator opens RR-2026-014 by text; returns once every contact has the card."""
    coord = bot.person(COORD)
    sent = coord.command(OPEN, CASES)
    assert sent.status == 200
    assert "Opened rapid review *RR-2026-014*" in coord.await_ephemeral(sent).text
    for user in CONTACTS:
        coord.wait_for(partial(bot.fake.dm_messages, user), what=f"the request to {user}")
    return coord


def quiet(fake: FakeSlack, seconds: float = 0.4, timeout: float = 10.0) -> None:
    """Wait until the bot has called Slack for nothing for ``seconds`` (its work after the
    answer, such as publishing App Homes, is done)."""
    deadline, count, since = time.monotonic() + timeout, len(fake.calls), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < seconds:
        time.sleep(0.02)
        if len(fake.calls) != count:
            count, since = len(fake.calls), time.monotonic()


def start(person: SlackPerson, button: str = "return_start") -> View:
    person.wait_for(person.dm_messages, what=f"a request card for {person.user_id}")
    return person.open_from(person.last_dm(), button)


def same_answer(again: Sent, first: Sent) -> bool:
    """The same HTTP answer, for Slack: a bare ack and ``{}`` both just close the modal."""
    return (again.status, again.body or {}) == (first.status, first.body or {})


def next_pages(person: SlackPerson, count: int) -> None:
    for _ in range(count):
        sent = person.submit()
        assert sent.ok, (sent.status, sent.body, sent.client_errors)


# -- conversations as data --------------------------------------------------------------------

Step = tuple[Any, ...]
Expect = Mapping[str, Any] | None


def act(person: SlackPerson, step: Step) -> Sent | None:
    kind, *args = step
    if kind == "fill":
        person.fill(args[0])
        return None
    if kind == "choose":
        return person.choose(args[0], args[1])
    if kind == "next":
        return person.submit()
    if kind == "save row":
        sent = person.submit()
        if sent.ok:
            person.await_view(sent)  # the page behind is updated after the row modal closes
        return sent
    if kind == "back":
        return person.click_in_view("page_back")
    if kind == "add":
        return person.click_in_view("row_add", {"q": args[0]})
    if kind == "close":
        return person.close()
    if kind == "close row":  # the page behind is shown again (updated) after the row closes
        return person.close(await_update=True)
    raise ValueError(f"unknown step {kind!r}")


def play(person: SlackPerson, dialog: Sequence[tuple[Step, Expect]]) -> None:
    """Do each step and check what the modal then shows (``shows`` / ``hides`` substrings)
    or the errors under its inputs (``errors``: block id → start of the message)."""
    for n, (step, expected) in enumerate(dialog, 1):
        sent = act(person, step)
        if not expected:
            continue
        text = shown(person.current_view())
        where = f"step {n} {step!r}:\n{text}"
        if "errors" in expected:
            assert sent is not None
            errors = sent.errors
            assert set(errors) == set(expected["errors"]), f"{errors} after {where}"
            for block_id, start_of_message in expected["errors"].items():
                assert errors[block_id].startswith(start_of_message), errors
        for wanted in expected.get("shows", ()):
            assert wanted in text, f"{wanted!r} not shown after {where}"
        for unwanted in expected.get("hides", ()):
            assert unwanted not in text, f"{unwanted!r} still shown after {where}"


EVENT = {"B2": "Response officer", "B3": ["child"], "B4": "home_visit",
         "B5": "Attended the home after a call from a neighbour."}

FULL_RETURN: list[tuple[Step, Expect]] = [
    (("fill", {"0.2": "Detective sergeant, public protection", "0.3": ["police_systems"],
               "0.3.other": "PNC", "0.4": "2026-11-24"}), None),
    (("next",), {"shows": ["Section 2 of 12 — *Involvement*", "[Back]"]}),
    # A1 is required: the Slack client itself refuses Next without it.
    (("next",), {"errors": {"q|A1": "Please complete this required field"}}),
    (("choose", "A1", "yes_child"), {"shows": ["(x) Yes – with the child"],
                                     "hides": ["What is outstanding"]}),
    (("choose", "A3", "yes"), {"shows": ["Which service, and what plan or status?"]}),
    (("fill", {"A2": ["child", "mother"], "A3.detail": "Child in need plan",
               "A4": NARRATIVE}), None),
    (("next",), {"shows": ["Section 3 of 12 — *Chronology of key events*", "0 events"]}),
    (("add", "B"), {"shows": ["“Add event” [Save row]", "Person(s) involved"]}),
    (("fill", {**EVENT, "B1": "31/02/2026"}), None),
    (("next",), {"errors": {"q|B1": "31/02/2026 is not a real date"}}),
    (("close row",), {"shows": ["Section 3 of 12", "0 events"]}),
    (("add", "B"), {"shows": ["“Add event”"]}),
    (("fill", {**EVENT, "B1": "05/03/2026 14:30"}), None),  # a UK date and time
    (("save row",), {"shows": ["1 event", "*Event 1* · 05/03/2026 14:30 · Response officer"]}),
    (("next",), {"shows": ["Section 4 of 12 — *The child*"], "hides": ["Any bruising"]}),
    (("choose", "C4", "yes"), {"shows": ["Any bruising, marks or injuries recorded"]}),
    (("choose", "C5", "no"), {"hides": ["Each bruise, mark or injury recorded"]}),
    (("back",), {"shows": ["Section 3 of 12", "1 event"]}),
    (("next",), {"shows": ["Section 4 of 12", "independently mobile? (optional): (x) Yes",
                           "Any bruising, marks or injuries recorded"]}),
    *[(("next",), {"shows": [f"Section {n} of 12"]}) for n in range(5, 12)],
    (("choose", "J1", "unsure"), {"shows": ["Which criteria?"]}),
    (("fill", {"J1a": ["recurrent_themes"], "J1b": "Bruising seen by two agencies."}), None),
    (("next",), {"shows": ["Section 12 of 12 — *Sign-off and data handling*", "[Review]"]}),
    (("choose", "K1", "yes"), {"shows": ["Approver's role"]}),
    (("fill", {"K1.role": "Head of public protection", "K1.date": "2026-11-25", "K2": "yes"}),
     None),
    (("next",), {"shows": ["“Review your return” [Submit return]",
                           "✅ Everything needed is answered",
                           "*Date records were searched* 24/11/2026",
                           "Event 1: 05/03/2026 14:30 · Response officer"]}),
    (("next",), {"shows": ["Thank you — the return has been received. You can still edit it from the request message"]}),
]


# -- opening a review -------------------------------------------------------------------------


def test_open_by_text_posts_the_status_card_and_asks_each_contact(
    bot: RunningBot, fake: FakeSlack
) -> None:
    open_review(bot)

    card = status_card(fake)
    assert "*Rapid review RR-2026-014* · Child A" in card
    assert "Meeting: Wednesday 9 December 2026 at 10:00" in card
    assert "Returns received: *0 of 3*" in card
    for user, agency in zip(CONTACTS, ("Police", "Health NHS Trust", "Children's Social Care"),
                            strict=True):
        (request,) = fake.dm_messages(user)
        text = said(request)
        assert f"Agency: *Northshire {agency}*" in text
        assert "Due: *Wednesday 2 December 2026*" in text
        assert CARD_BUTTONS in text
        assert "never sent through Slack" in text
    assert fake.dm_messages(CHAIR) == [] and fake.dm_messages("U0GPNAMED1") == []


def test_only_coordinators_can_open_a_review(bot: RunningBot, fake: FakeSlack) -> None:
    chair = bot.person(CHAIR)
    sent = chair.command(OPEN, CASES)

    assert "Only partnership coordinators can do this" in chair.await_ephemeral(sent).text
    assert fake.messages(CASES) == []
    assert not any(fake.dm_messages(u) for u in CONTACTS)
    open_review(bot)  # nothing half-made stands in the way of the coordinator


def test_rrm_alone_shows_the_usage(bot: RunningBot) -> None:
    someone = bot.person(POLICE)
    reply = someone.await_ephemeral(someone.command("", CASES))
    assert reply.text.startswith("*How to use /rrm*")
    assert "/rrm open RR-2026-014" in reply.text


def test_an_unknown_subcommand_says_what_is_wrong(bot: RunningBot, fake: FakeSlack) -> None:
    coord = bot.person(COORD)
    reply = coord.await_ephemeral(coord.command("frobnicate RR-2026-014", CASES))
    assert reply.text.startswith("Unknown command `/rrm frobnicate`.")
    assert "*How to use /rrm*" in reply.text
    assert fake.messages(CASES) == []


def test_open_where_the_bot_is_not_a_member_says_invite_me_first(
    bot: RunningBot, fake: FakeSlack
) -> None:
    coord = bot.person(COORD)
    reply = coord.await_ephemeral(coord.command(OPEN, NOBOT))

    assert reply.text == "Invite me first: /invite @rrm"
    assert fake.messages(NOBOT) == [] and fake.messages(CASES) == []
    assert not any(fake.dm_messages(u) for u in CONTACTS)
    open_review(bot)  # the reference was not taken


# -- answering --------------------------------------------------------------------------------


def test_a_full_return_through_every_kind_of_question(
    bot_on_each_database: RunningBot, fake: FakeSlack
) -> None:
    bot = bot_on_each_database
    open_review(bot)
    police = bot.person(POLICE)
    first = start(police)
    assert "Section 1 of 12 — *About this return*" in shown(first)

    play(police, FULL_RETURN)

    police.wait_for(lambda: "*Submitted* ✓" in said(police.last_dm()), what="the card to change")
    assert "[Edit]" in said(police.last_dm())
    police.wait_for(lambda: "Returns received: *1 of 3*" in status_card(fake), what="1 of 3")
    assert "Detective sergeant" not in everything_said(fake)

    # Edit reopens it; the narrative comes back whole, across its boxes.
    police.open_from(police.last_dm(), "return_edit")
    next_pages(police, 1)
    state = police.state_values()
    assert state["q|A4|0"]["v"]["value"] + state["q|A4|1"]["v"]["value"] == NARRATIVE


def test_no_involvement_is_a_nil_return(bot: RunningBot, fake: FakeSlack) -> None:
    open_review(bot)
    health = bot.person(HEALTH)
    page = start(health, "return_nil")
    assert "(x) No involvement" in shown(page)

    play(health, [
        (("fill", {"A1a": "Searched name and date of birth on the patient record system."}), None),
        (("next",), {"shows": ["*Sign-off and data handling*"]}),
        (("choose", "K1", "yes"), None),
        (("fill", {"K1.role": "Named nurse", "K1.date": "2026-11-26", "K2": "yes"}), None),
        (("next",), {"shows": ["[Submit return]", "No involvement"]}),
        (("next",), {"shows": ["Thank you"]}),
    ])

    health.wait_for(lambda: "*Nil return* ✓" in said(health.last_dm()), what="a nil card")
    health.wait_for(lambda: "Returns received: *1 of 3*" in status_card(fake), what="1 of 3")


def test_resume_after_a_restart_opens_the_first_unfinished_page(
    bot_on_each_database: RunningBot, fake: FakeSlack
) -> None:
    bot = bot_on_each_database
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    play(police, [
        (("fill", {"0.2": "Detective sergeant"}), None),
        (("next",), None),
        (("choose", "A1", "yes_family"), None),
        (("next",), {"shows": ["Section 3 of 12"]}),
    ])
    police.wait_for(lambda: "[Continue]" in said(police.last_dm()), what="Continue on the card")
    police.close()

    bot.restart()
    police = bot.person(POLICE)  # the app is at a new address now
    page = start(police)  # the card's Continue

    assert "Section 3 of 12 — *Chronology of key events*" in shown(page)
    play(police, [
        (("back",), {"shows": ["Section 2 of 12", "(x) Yes – family members only"]}),
        (("back",), {"shows": ["Your role (optional): [text: Detective sergeant]"]}),
    ])


def test_two_windows_saving_different_sections_both_keep_their_answers(
    bot_on_each_database: RunningBot,
) -> None:
    bot = bot_on_each_database
    open_review(bot)
    laptop = bot.person(POLICE)
    start(laptop)
    play(laptop, [
        (("next",), None),
        (("choose", "A1", "yes_child"), None),
        (("next",), {"shows": ["Section 3 of 12"]}),
    ])
    phone = laptop.new_window()
    start(phone)  # Continue: the chronology page too
    play(phone, [(("back",), {"shows": ["Section 2 of 12"]})])

    laptop.fill({"B9": "No contact between March and June."})
    phone.fill({"A4": "Known to the public protection unit."})
    saved_b, saved_a = laptop.submit(), phone.submit()

    assert saved_b.ok and "Section 4 of 12" in shown(laptop.current_view())
    assert saved_a.ok and "Section 3 of 12" in shown(phone.current_view())
    play(phone, [
        (("back",), {"shows": ["Known to the public protection unit."]}),
        (("next",), {"shows": ["No contact between March and June."]}),
    ])


def test_a_section_changed_in_another_window_is_refused_and_the_text_kept(
    bot_on_each_database: RunningBot,
) -> None:
    bot = bot_on_each_database
    open_review(bot)
    laptop = bot.person(POLICE)
    start(laptop)
    phone = laptop.new_window()
    start(phone)  # the same first page, in a second window
    phone.fill({"0.2": "Typed on the phone"})
    assert phone.submit().ok

    laptop.fill({"0.2": "Typed on the laptop"})
    refused = laptop.submit()

    assert refused.response_action == "update"
    page = shown(laptop.current_view())
    assert "changed in another window" in page and "Section 1 of 12" in page
    assert "Your role (optional): [text: Typed on the laptop]" in page
    play(laptop, [
        (("next",), {"shows": ["Section 2 of 12"]}),  # Next again: now it is saved
        (("back",), {"shows": ["[text: Typed on the laptop]"]}),
    ])


def test_current_risk_then_window_closed_alerts_owner_and_chair_once(
    bot: RunningBot, fake: FakeSlack
) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    play(police, [
        (("next",), None),
        (("choose", "A1", "yes_family"), None),  # required
        *[(("next",), None)] * 4,
        (("choose", "E2", "yes"), {"shows": ["Section 6 of 12", "If a child is at immediate risk",
                                             "Children's front door 01234 567890"]}),
        (("fill", {"E2a": "Sibling 2 still lives with the same carer."}), None),
        (("close",), None),
    ])

    for user in (COORD, CHAIR):
        alert = police.wait_for(partial(fake.dm_messages, user), what=f"an alert to {user}")
        assert [m.text for m in alert] == [RISK_ALERT + " not yet acted on — see their return"]
    said_anywhere = everything_said(fake)
    assert RISK_ALERT in said_anywhere and "Sibling 2" not in said_anywhere

    start(police)  # Continue: the page after E (saved, with E2 = Yes)
    play(police, [
        (("back",), {"shows": ["Section 6 of 12", "If a child is at immediate risk"]}),
        (("next",), {"shows": ["Section 7 of 12"], "hides": ["have been alerted"]}),
    ])  # saving E2 = Yes again alerts no one
    assert len(fake.dm_messages(CHAIR)) == 1


def test_ask_the_coordinator_tells_the_owner_and_not_me_opens_pass_it_on(
    bot: RunningBot, fake: FakeSlack
) -> None:
    open_review(bot)
    csc = bot.person(CSC)
    csc.wait_for(csc.dm_messages)

    asked = csc.await_ephemeral(csc.click(csc.last_dm(), "ask_coordinator"))
    modal = csc.open_from(csc.last_dm(), "return_not_me")  # tests/e2e/test_e2e_delegation.py

    assert "The coordinator has been told you have a question" in asked.text
    assert "“Pass it on” [Pass it on] [Cancel]" in shown(modal)
    csc.wait_for(lambda: len(fake.dm_messages(COORD)) == 1, what="the note to the owner")
    assert [m.text for m in fake.dm_messages(COORD)] == [
        "RR-2026-014 (Child A): Northshire Children's Social Care — <@U0CSC0001> asks about "
        "this review",
    ]


def test_a_command_delivered_twice_opens_one_review(bot: RunningBot, fake: FakeSlack) -> None:
    coord = bot.person(COORD)
    first = coord.command(OPEN, CASES)
    coord.await_ephemeral(first)

    assert coord.resend(first).status == 200  # Slack's retry: the same body
    coord.wait_for(lambda: all(fake.dm_messages(u) for u in CONTACTS), what="the requests")

    assert len(fake.messages(CASES)) == 1
    assert [len(fake.dm_messages(u)) for u in CONTACTS] == [1, 1, 1]
    assert len(fake.ephemeral_messages(COORD)) == 1


# -- requests that must change nothing --------------------------------------------------------


def test_every_page_delivered_twice_changes_nothing(bot: RunningBot, fake: FakeSlack) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    police.fill({"0.2": "First"})
    first = police.submit()
    police.wait_for(lambda: "[Continue]" in said(police.last_dm()), what="the card to settle")
    police.wait_for(lambda: len(fake.messages(CASES)[0].versions) == 2, what="the status card")
    quiet(fake)  # the App Homes published after the change
    calls = len(fake.calls)
    assert same_answer(police.resend(first), first)
    assert [c.method for c in fake.calls[calls:]] == []

    police.choose("A1", "yes_child")
    play(police, [
        (("next",), None),
        (("add", "B"), None),
        (("fill", {**EVENT, "B1": "2026-03"}), None),
    ])
    row = police.submit()
    assert same_answer(police.resend(row), row)
    police.await_view(row)
    assert "1 event" in shown(police.current_view())  # one row, however often it arrives

    fills: list[dict[str, Any]] = [{}] * 8 + [{"J1": "no", "J1b": "Single agency."},
                                             {"K1": "no", "K2": "yes"}]
    for answers in fills:  # every other page, each delivered twice
        police.fill(answers)
        sent = police.submit()
        assert sent.ok, sent.errors
        assert same_answer(police.resend(sent), sent)
    assert "“Review your return”" in shown(police.current_view())

    # A late copy of the first page, after it was changed again, changes nothing either.
    police.click_in_view("review_edit", "0")
    police.fill({"0.2": "Second"})
    assert police.submit().ok
    assert same_answer(police.resend(first), first)
    play(police, [(("back",), {"shows": ["[text: Second]"]})])


def test_a_forged_or_stale_signature_gets_401(bot: RunningBot, fake: FakeSlack) -> None:
    coord = bot.person(COORD)
    body = urlencode({**fixture("slash_command"), "text": OPEN}).encode()
    forged = signed_headers("not-the-secret", body)
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)

    assert coord.send_raw(body, forged).status == 401
    assert coord.send_raw(body, stale).status == 401
    assert fake.calls_to("chat.postMessage") == [] and fake.messages(CASES) == []


def test_another_contact_replaying_the_start_button_is_refused(
    bot: RunningBot, fake: FakeSlack
) -> None:
    open_review(bot)
    police, csc = bot.person(POLICE), bot.person(CSC)
    police.wait_for(police.dm_messages)
    police_start = police.click(police.last_dm(), "return_start")
    police.await_view(police_start)

    refusal = csc.await_ephemeral(csc.replay(police_start))

    assert refusal.text == (
        "This return is answered by Northshire Police's nominated contact, not by you.")
    assert [v for v in fake.views_of(CSC) if v.type == "modal"] == []  # (the Home is there)


def test_another_contact_cannot_change_a_return_with_its_page(bot: RunningBot) -> None:
    open_review(bot)
    police, csc = bot.person(POLICE), bot.person(CSC)
    start(police)
    police.fill({"0.2": "Police role"})
    police_page = police.submit()
    assert police_page.ok

    tampered = police_page.payload  # page 1 of the police return, as the view stands now
    tampered["view"]["hash"] = police.current_view().hash
    tampered["view"]["state"]["values"]["q|0.2"]["v"]["value"] = "Changed by CSC"
    sent = csc.replay(tampered)

    assert sent.status == 200 and sent.response_action == "update"
    assert "nominated contact, not by you" in json.dumps(sent.body)
    play(police, [(("back",), {"shows": ["Your role (optional): [text: Police role]"]})])


def test_another_contact_replaying_a_page_sees_none_of_its_answers(bot: RunningBot) -> None:
    open_review(bot)
    police, csc = bot.person(POLICE), bot.person(CSC)
    start(police)
    play(police, [
        (("next",), None),
        (("choose", "A1", "yes_child"), None),
        (("fill", {"A4": "Known to the public protection unit."}), None),
        (("next",), None),
        (("back",), None),
        (("back",), None),
    ])
    police_page = police.submit()  # answered with page 2, the summary in it
    assert "Known to the public protection unit." in json.dumps(police_page.body)

    sent = csc.replay(police_page)

    assert "Known to the public protection unit." not in json.dumps(sent.body)


def test_a_request_from_another_team_is_refused(bot: RunningBot, fake: FakeSlack) -> None:
    intruder = bot.person(COORD, team_id=OTHER_TEAM)  # a coordinator's id, another workspace
    sent = intruder.command(OPEN, CASES)

    assert sent.status == 200
    assert "only its own partnership's Slack workspace" in str(sent.body)
    assert fake.messages(CASES) == [] and fake.ephemeral_messages(COORD) == []

    open_review(bot)
    outsider = bot.person(OUTSIDER)
    replayed = outsider.replay(fixture("block_actions_message"))
    assert replayed.status == 200 and replayed.body is None
    assert fake.views_of(OUTSIDER) == [] and fake.ephemeral_messages(OUTSIDER) == []


def test_a_message_to_the_bot_gets_200_and_nothing_else(bot: RunningBot, fake: FakeSlack) -> None:
    police = bot.person(POLICE)
    body = json.dumps(fixture("event_message_im")).encode()
    headers = signed_headers(SECRET, body) | {"Content-Type": "application/json"}
    calls = len(fake.calls)

    assert police.send_raw(body, headers).status == 200
    assert [c.method for c in fake.calls[calls:] if c.method != "auth.test"] == []


# -- regressions: each failed against the first version of the bot ----------------------------


def test_a_page_corrected_after_an_error_is_saved(bot: RunningBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    play(police, [
        (("next",), None),
        (("choose", "A1", "yes_child"), None),
        (("next",), None),
        (("add", "B"), None),
        (("fill", {**EVENT, "B1": "31/02/2026"}), None),
        (("next",), {"errors": {"q|B1": "31/02/2026 is not a real date"}}),
        (("fill", {"B1": "28/02/2026"}), None),
        (("save row",), {"errors": {}, "shows": ["1 event", "28/02/2026"]}),
    ])


def test_three_contacts_press_next_at_once(bot_on_each_database: RunningBot) -> None:
    bot = bot_on_each_database
    open_review(bot)
    people = [bot.person(user) for user in CONTACTS]
    for person in people:
        start(person)
        person.fill({"0.2": f"Role of {person.user_id}"})
    results: dict[str, Sent] = {}
    go = threading.Barrier(len(people))

    def press_next(person: SlackPerson) -> None:
        go.wait()
        results[person.user_id] = person.submit()

    threads = [threading.Thread(target=press_next, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for person in people:
        assert results[person.user_id].ok
        assert "Section 2 of 12" in shown(person.current_view())


def test_the_review_period_and_the_childs_age_are_filled_in(bot: RunningBot) -> None:
    coord = bot.person(COORD)
    coord.await_ephemeral(coord.command(OPEN + " under1=yes period=2025-02-01..2026-11-19", CASES))
    police = bot.person(POLICE)

    page = start(police)

    assert "Review period searched: from (optional): [date: 2025-02-01]" in shown(page)
    assert "Review period searched: to (optional): [date: 2026-11-19]" in shown(page)
    play(police, [
        (("next",), None),
        (("choose", "A1", "yes_child"), None),
        (("next",), None),
        (("next",), {"shows": ["independently mobile? (optional): (x) Yes"]}),
    ])


def test_cancelling_a_row_modal_is_acknowledged(bot: RunningBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    play(police, [
        (("next",), None),
        (("choose", "A1", "yes_child"), None),
        (("next",), None),
        (("add", "B"), {"shows": ["“Add event”"]}),
    ])

    cancelled = police.close()

    assert cancelled is None or cancelled.status == 200


def test_a_row_added_under_an_unsaved_trigger_keeps_both(bot: RunningBot) -> None:
    """F1 = yes chosen (not yet saved) shows the moves; adding a move saves the page first, so
    after the row is saved F1 is still yes and the move is listed; Next then saves normally."""
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    next_pages(police, 1)
    police.choose("A1", "yes_child")
    next_pages(police, 5)
    assert "Section 7 of 12" in shown(police.current_view())
    police.choose("F1", "yes")
    police.click_in_view("row_add", {"q": "F1a"})
    police.fill({"area": "Blackpool, Lancashire", "from": "06/2023", "to": "01/2026"})
    saved = police.submit()
    assert saved.ok
    police.await_view(saved)
    page = shown(police.current_view())
    assert "(x) Yes" in page and "Blackpool, Lancashire" in page
    # Cancelling a second row leaves a page whose Next still saves (no false conflict).
    police.click_in_view("row_add", {"q": "F1a"})
    police.close(await_update=True)  # the page again, with the revision saved under the row
    assert "Section 7 of 12" in shown(police.current_view())
    after = police.submit()
    assert after.ok and "Section 8 of 12" in shown(police.current_view()), after.body
