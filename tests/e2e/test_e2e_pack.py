"""End to end: the meeting pack through the real bot over HTTP — ``/rrm pack`` delivering both
files with the three-step upload, a stranger refused, the ``/rrm summary`` modal, and Release to
chair pressed in the owner's DM. The clock is fixed the day before the meeting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.fakeslack import FakeSlack, Message, SlackPerson, flatten_blocks
from bot.services import packs
from tests.e2e.conftest import CASES, CHAIR, COORD, POLICE, ClockedBot, StartBot

REF = "RR-2026-014"
OPEN = (
    f'open {REF} child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
    "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,health,csc"
)
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London"))
PDF_WAIT = 60.0  # compiling renders a PDF: seconds, not milliseconds
UPLOAD_STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


@pytest.fixture
def bot(clocked_bot: StartBot) -> ClockedBot:
    return clocked_bot(TUESDAY)


def said(message: Message) -> str:
    return "\n".join([message.text, *flatten_blocks(message.blocks)])


def open_review(bot: ClockedBot) -> SlackPerson:
    coord = bot.person(COORD)
    reply = coord.await_ephemeral(coord.command(OPEN, CASES))
    assert "Opened rapid review *RR-2026-014*" in reply.text
    return coord


def ephemerals(person: SlackPerson, count: int) -> list[str]:
    found = person.wait_for(
        lambda: len(person.ephemerals()) >= count and person.ephemerals(),
        timeout=PDF_WAIT,
        what=f"{count} ephemeral replies to {person.user_id}",
    )
    return [m.text for m in found]


def test_the_chairs_pack_arrives_in_their_dm_by_the_three_step_upload(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    chair = bot.person(CHAIR)
    fake.clear_calls()

    sent = chair.command("pack rr-2026-014", CASES)

    assert sent.status == 200
    replies = ephemerals(chair, 2)
    assert replies == [
        "Compiling the meeting pack for RR-2026-014 (Child A) — it takes a few seconds…",
        "Meeting pack v1 for RR-2026-014 (Child A) (PDF and HTML) sent to <@U0CHAIR> in a "
        "direct message.",
    ]
    steps = [c.method for c in fake.calls if c.method in UPLOAD_STEPS]
    assert sorted(steps) == sorted([*UPLOAD_STEPS[:2], *UPLOAD_STEPS[:2], UPLOAD_STEPS[2]])
    assert steps[-1] == "files.completeUploadExternal"  # both files shared in one message
    assert fake.calls_to("conversations.open")
    dm = fake.dm_channel(CHAIR)
    assert dm is not None
    pdf, html = sorted(fake.files_in(dm), key=lambda f: f.name, reverse=True)
    assert (pdf.name, html.name) == ("RR-2026-014-v1.pdf", "RR-2026-014-v1.html")
    assert pdf.content is not None and pdf.content.startswith(b"%PDF")
    assert html.content is not None and b"Rapid review meeting pack" in html.content
    (shared,) = fake.dm_messages(CHAIR)
    assert shared.text == "Meeting pack v1 for RR-2026-014 (Child A) — OFFICIAL-SENSITIVE"
    assert sorted(shared.files) == sorted([pdf.id, html.id])
    assert fake.files_in(CASES) == [] and fake.dm_messages(COORD) == []
    assert coord.ephemerals()[-1].text.startswith("Opened")


def test_someone_who_is_neither_chair_nor_coordinator_is_refused(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    open_review(bot)
    police = bot.person(POLICE)

    reply = police.await_ephemeral(police.command(f"pack {REF}", CASES))

    assert reply.text == (
        "Only the chair of RR-2026-014 and partnership coordinators can get its meeting pack."
    )
    assert fake.calls_to("files.getUploadURLExternal") == []
    chair = bot.person(CHAIR)
    named = chair.await_ephemeral(chair.command(f"pack {REF} to=<@U0POLICE1|police>", CASES))
    assert named.text == "Only partnership coordinators can send the meeting pack to others."


def test_the_case_summary_modal_saves_and_comes_back_filled(bot: ClockedBot) -> None:
    coord = open_review(bot)

    modal = coord.await_view(coord.command(f"summary {REF}", CASES))
    assert modal.title == "Case summary"
    coord.fill({"summary": "Child A was taken to hospital.", "attendees": "x" * 201})
    refused = coord.submit()
    assert refused.response_action == "errors"
    assert refused.errors == {"attendees": "Keep each line to 200 characters."}
    coord.fill({"attendees": "DI Jo Bloggs, Police\nDr A Patel, GP"})
    assert coord.submit().ok

    again = coord.await_view(coord.command(f"summary {REF}", CASES))
    state = coord.state_values()
    assert again.id != modal.id
    assert state["summary"]["v"]["value"] == "Child A was taken to hospital."
    assert state["attendees"]["v"]["value"] == "DI Jo Bloggs, Police\nDr A Patel, GP"
    chair = bot.person(CHAIR)
    reply = chair.await_ephemeral(chair.command(f"summary {REF}", CASES))
    assert reply.text.startswith("Only partnership coordinators can do this.")


def test_release_pressed_in_the_owners_dm_sends_the_chair_the_pack(
    bot: ClockedBot, fake: FakeSlack
) -> None:
    coord = open_review(bot)
    ctx = bot.runtime.ctx
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(fake.team_id, REF)
    assert review is not None
    packs.send_draft_to_owner(ctx, review.id)  # as the sweep does two working days before
    draft = coord.wait_for(lambda: "[Release to chair] [Hold]" in said(coord.last_dm())
                           and coord.last_dm(), what="the draft's buttons")  # fmt: skip
    assert [f.name for f in fake.files_in(fake.dm_channel(COORD) or "")] == [
        "RR-2026-014-v1-draft.pdf", "RR-2026-014-v1-draft.html"]  # fmt: skip

    chair = bot.person(CHAIR)
    refused = chair.await_ephemeral(chair.replay(coord.click(draft, "pack_hold")))
    assert refused.text.startswith("Only partnership coordinators can do this.")
    coord.wait_for(lambda: "*Held* by <@U0COORD>" in said(coord.last_dm()), what="held")

    coord.click(coord.last_dm(), "pack_release")

    # The chair's DM is opened to upload the pack, once it is compiled: seconds on a busy machine.
    chair_dm = coord.wait_for(lambda: fake.dm_channel(CHAIR), timeout=PDF_WAIT,
                              what="the chair's DM")  # fmt: skip
    files = coord.wait_for(lambda: len(fake.files_in(chair_dm)) == 2 and fake.files_in(chair_dm),
                           timeout=PDF_WAIT, what="the chair's pack")  # fmt: skip
    assert sorted(f.name for f in files) == ["RR-2026-014-v2.html", "RR-2026-014-v2.pdf"]
    decided = coord.wait_for(lambda: "Released to the chair" in said(coord.last_dm())
                             and coord.last_dm(), what="the message to change")  # fmt: skip
    assert "*Released to the chair* by <@U0COORD>" in said(decided)
    assert "It was sent to the chair <@U0CHAIR> now." in said(decided)
    assert "[Hold]" not in said(decided)
