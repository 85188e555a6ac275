"""Hostile text in every free-text field, through the real bot over HTTP (DESIGN §5).

What a person types is stored as typed (NUL and other control characters but newline and tab
removed, bidi overrides neutralised) and escaped only where it is shown: ``&``, ``<`` and ``>``
in Slack mrkdwn — a message's ``text`` included, which Slack formats too — HTML autoescape in
the pack, and raw in plain_text and input ``initial_value``s. A 20,000-character line is refused
with a clear message wherever it arrives, the Slack client's own limits bypassed or not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.fakeslack import FakeSlack, SlackPerson
from bot.services import packs
from forms.records import PackKind
from forms.text import clean_text
from tests.e2e.conftest import CASES, CHAIR, COORD, POLICE, RunningBot
from tests.e2e.test_e2e_returns import EVENT, OPEN, REF, open_review, shown, start

PSEUDONYM = "Child & <!channel> <https://evil.example|click> {{7*7}}"
LINE = ("<script>alert(1)</script> <!channel> <https://evil.example|click> {{7*7}} "
        "a\u202eevil\u202c b nul\x00byte & <b>bold</b>")  # fmt: skip
NARRATIVE = f"First line <!here>\n\t{LINE}\r\nlast {{% raw %}} <@U0EVIL01>"
MARKERS = ("<!channel>", "<!here>", "<https://evil.example", "<script>", "<b>", "<@U0EVIL01>")
"""Raw markup from the hostile text: never inside mrkdwn."""
LONG = "x" * 20_000


def typed_in_a_command(text: str) -> str:
    """What Slack sends for text typed after /rrm (``should_escape``: ``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_texts(fake: FakeSlack) -> Iterator[tuple[str, str]]:
    """(where, text) of every mrkdwn text the bot ever showed: each version of each message
    (its ``text`` too), each ephemeral reply and each version of each modal."""
    world = fake.world
    with world.lock:
        messages = [m for ms in world.messages.values() for m in ms] + list(world.ephemerals)
        views = list(world.views.values())
    for message in messages:
        for version in message.versions:
            yield f"message {message.channel}", str(version.get("text") or "")
            yield from _mrkdwn(version.get("blocks") or [], f"message {message.channel}")
    for view in views:
        for _, method, definition in view.versions:
            yield from _mrkdwn(definition.get("blocks") or [], f"view {view.id} ({method})")


def _mrkdwn(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield where, node["text"]
        for value in node.values():
            yield from _mrkdwn(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn(item, where)


def initial_values(view: Any) -> dict[str, str]:
    """Block id → ``initial_value`` of each text input in a modal."""
    return {
        b["block_id"]: b["element"]["initial_value"]
        for b in view.blocks
        if b.get("type") == "input" and "initial_value" in (b.get("element") or {})
    }


def answers(bot: RunningBot, agency: str = "police") -> dict[str, Any]:
    ctx = bot.runtime.ctx
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(bot.fake.team_id, REF)
        assert review is not None
        ret = next(r for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)
        return dict(uow.answers.get(ret.id))


def open_by_modal(bot: RunningBot, coord: SlackPerson) -> None:
    coord.await_view(coord.command(f"open {REF}", CASES))
    coord.fill({"o|child": PSEUDONYM, "o|under1": "no", "o|notified": "2026-11-20",
                "o|meeting_date": "2026-12-09", "o|meeting_time": "10:00", "o|due": "2026-12-02",
                "o|chair": CHAIR, "o|description": NARRATIVE})  # fmt: skip
    coord.choose("o|agencies", ["police"])
    assert coord.submit().ok
    coord.wait_for(lambda: any(REF in m.text for m in coord.ephemerals()), what="Opened")


def test_hostile_text_is_stored_as_typed_and_escaped_wherever_it_is_shown(
    bot: RunningBot, fake: FakeSlack
) -> None:
    coord = bot.person(COORD)
    open_by_modal(bot, coord)
    police = bot.person(POLICE)
    start(police)
    police.fill({"0.2": LINE})
    assert police.submit().ok
    police.choose("A1", "yes_child")
    police.fill({"A4": NARRATIVE})
    assert police.submit().ok
    police.click_in_view("row_add", {"q": "B"})
    police.fill({**EVENT, "B1": "05/03/2026", "B5": LINE})
    police.await_view(police.submit())
    police.click_in_view("page_back")
    police.click_in_view("page_back")
    assert initial_values(police.current_view())["q|0.2"] == clean_text(LINE)  # raw
    coord.await_view(coord.command(f"summary {REF}", CASES))
    coord.fill({"summary": NARRATIVE, "attendees": f"DI {LINE}\nDr <b>Who</b>"})
    assert coord.submit().ok
    again = initial_values(coord.await_view(coord.command(f"summary {REF}", CASES)))
    assert again == {"summary": clean_text(NARRATIVE).strip(),
                     "attendees": f"DI {clean_text(LINE)}\nDr <b>Who</b>"}  # fmt: skip
    coord.close()
    held = coord.await_ephemeral(coord.command(f"hold {REF} reason={typed_in_a_command(LINE)}",
                                               CASES))  # fmt: skip
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt;" in held.text

    stored = answers(bot)
    assert stored["0.2"] == clean_text(LINE) == LINE.replace("\x00", "").replace(
        "\u202e", "").replace("\u202c", "")  # fmt: skip
    assert stored["A4"] == clean_text(NARRATIVE) and "\t" in stored["A4"]
    assert stored["B"][0]["values"]["B5"] == clean_text(LINE)  # type: ignore[index]
    with bot.runtime.ctx.uow as uow:
        review = uow.reviews.get_by_reference(fake.team_id, REF)
    assert review is not None and review.pseudonym == PSEUDONYM
    assert review.incident_description == clean_text(NARRATIVE)
    assert review.case_summary == clean_text(NARRATIVE).strip()
    assert review.hold_reason == clean_text(LINE)

    shown_in_mrkdwn = list(mrkdwn_texts(fake))
    assert any("&lt;!channel&gt;" in text for _, text in shown_in_mrkdwn)  # the status card
    leaks = [(where, text[:120]) for where, text in shown_in_mrkdwn
             if any(marker in text for marker in MARKERS)]  # fmt: skip
    assert leaks == []

    html = packs.compile_pack(bot.runtime.ctx, team_id=fake.team_id, actor=COORD,
                              reference_or_id=REF, kind=PackKind.REQUESTED, recipients=(),
                              pdf=False).html  # fmt: skip
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;!channel&gt;" in html and "{{7*7}}" in html and "<b>bold" not in html
    assert "\u202e" not in html and "\x00" not in html


def test_a_and_b_x_comes_back_raw_and_is_stored_unchanged(bot: RunningBot) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    police.fill({"0.2": "A & B <x>"})
    assert police.submit().ok
    assert answers(bot)["0.2"] == "A & B <x>"

    police.click_in_view("page_back")  # resumed: the box shows the raw text
    assert initial_values(police.current_view())["q|0.2"] == "A & B <x>"
    assert police.submit().ok  # saved again as it stands

    assert answers(bot)["0.2"] == "A & B <x>"
    police.close()
    page = start(police)  # Continue, in a new modal
    police.click_in_view("page_back")
    assert initial_values(police.current_view())["q|0.2"] == "A & B <x>"
    assert "Section 2 of 12" in shown(page)


@pytest.mark.parametrize("field", ["q|0.2", "q|A4|0"])
def test_a_20000_character_answer_is_refused_clearly_even_past_the_slack_client(
    bot: RunningBot, field: str
) -> None:
    open_review(bot)
    police = bot.person(POLICE)
    start(police)
    if field == "q|A4|0":
        assert police.submit().ok
        police.choose("A1", "yes_child")
    before = answers(bot)
    police.fill({field: LONG})
    assert police.submit().status == 0  # the client itself refuses it

    view = police.current_view()  # the same page sent as if the client let it through
    state = police.state_values()
    state[field]["v"]["value"] = LONG
    payload = {
        "type": "view_submission", "team": {"id": bot.fake.team_id},
        "user": {"id": POLICE, "team_id": bot.fake.team_id}, "api_app_id": "A0RRMBOT",
        "trigger_id": bot.fake.trigger_id(POLICE),
        "view": {**view.view, "id": view.id, "hash": view.hash, "state": {"values": state}},
    }  # fmt: skip
    sent = police.send_payload(payload)

    assert sent.status == 200 and sent.response_action == "errors"
    assert "20,000 characters long" in json.dumps(sent.errors)
    assert answers(bot) == before


def test_a_20000_character_line_in_a_command_or_the_summary_is_refused_clearly(
    bot: RunningBot, fake: FakeSlack
) -> None:
    coord = bot.person(COORD)
    reply = coord.await_ephemeral(coord.command(OPEN.replace("Child A", LONG), CASES))
    assert "the pseudonym is 20000 characters long; use at most 200" in reply.text
    assert fake.messages(CASES) == []
    open_review(bot)
    reply = coord.await_ephemeral(coord.command(f"hold {REF} reason={LONG}", CASES))
    assert "the reason is 20000 characters long; use at most 500" in reply.text

    coord.await_view(coord.command(f"summary {REF}", CASES))
    view, state = coord.current_view(), coord.state_values()
    state["summary"]["v"]["value"] = LONG
    sent = coord.send_payload({
        "type": "view_submission", "team": {"id": fake.team_id},
        "user": {"id": COORD, "team_id": fake.team_id}, "api_app_id": "A0RRMBOT",
        "view": {**view.view, "id": view.id, "hash": view.hash, "state": {"values": state}},
    })  # fmt: skip
    assert sent.status == 200 and sent.response_action == "errors"
    with bot.runtime.ctx.uow as uow:
        review = uow.reviews.get_by_reference(fake.team_id, REF)
    assert review is not None and review.case_summary is None and review.hold_reason is None
