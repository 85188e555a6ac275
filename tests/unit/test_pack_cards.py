"""Block Kit of the meeting pack: within Slack's limits, typed text escaped in mrkdwn and raw in
inputs, and never more than the reference, the pseudonym, an agency and a section."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.slack.blocks import check_message, check_view, pack_cards
from forms.records import PackRelease
from tests.unit.fixtures.pack.review import review as fixture_review

LONDON = ZoneInfo("Europe/London")
CHAIR_AT = datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)
SNEAKY = dataclasses.replace(
    fixture_review(), pseudonym="<!channel> & Baby <B>", case_summary="A & <b>B</b>",
    attendees=("DI Jo <Bloggs>", "Dr A Patel"),
)  # fmt: skip


def test_texts_escape_what_was_typed() -> None:
    comment = pack_cards.upload_comment(SNEAKY, 2, draft=True)
    assert comment == (
        "Draft meeting pack v2 for RR-2026-014 (&lt;!channel&gt; &amp; Baby &lt;B&gt;) — "
        "OFFICIAL-SENSITIVE"
    )
    note = pack_cards.change_note(SNEAKY, "Police <x>", "B", 1)
    assert note.endswith("Police &lt;x&gt; changed section B since pack v1")
    failed = pack_cards.undelivered_note(SNEAKY, 3, "U0SAM", "no <way>")
    assert failed.endswith("not delivered to <@U0SAM>: no &lt;way&gt;")
    reply = pack_cards.request_reply(SNEAKY, 2, ["U0A"], {"U0B": "gone & <away>"})
    assert "<!channel>" not in reply and "Not delivered to <@U0B>: gone &amp; &lt;away&gt;" in reply
    assert pack_cards.request_reply(SNEAKY, 2, [], {}).endswith("went to nobody.")


def test_draft_and_decision_messages_carry_the_review_id_only() -> None:
    text, blocks = pack_cards.draft_message(SNEAKY, 4, chair_at=CHAIR_AT, tz=LONDON, auto=False)
    check_message(blocks)
    assert "<!channel>" not in text + json.dumps(blocks)
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert values == [json.dumps({"r": SNEAKY.id})] * 2
    assert "if you release it" in json.dumps(blocks)
    _, auto = pack_cards.draft_message(SNEAKY, 4, chair_at=CHAIR_AT, tz=LONDON, auto=True)
    assert "automatically on Tuesday 8 December 2026 at 09:00" in json.dumps(auto)

    for state, sent, button in ((PackRelease.RELEASED, False, "pack_hold"),
                                (PackRelease.HELD, False, "pack_release")):  # fmt: skip
        _, decided = pack_cards.decision_message(
            SNEAKY, state=state, actor="U0COORD", chair_at=CHAIR_AT, tz=LONDON, sent_now=sent
        )
        check_message(decided)
        assert [e["action_id"] for e in decided[-1]["elements"]] == [button]
    _, now = pack_cards.decision_message(
        SNEAKY, state=PackRelease.RELEASED, actor="U0COORD", chair_at=CHAIR_AT, tz=LONDON,
        sent_now=True,
    )  # fmt: skip
    assert len(now) == 1 and "sent to the chair <@U0CHAIR> now" in now[0]["text"]["text"]
    _, failed = pack_cards.decision_message(
        SNEAKY, state=PackRelease.RELEASED, actor="U0COORD",
        chair_at=datetime(2026, 12, 8, 9, tzinfo=UTC), tz=LONDON, not_sent="deactivated",
    )  # fmt: skip
    assert "I couldn't send it to the chair <@U0CHAIR>: deactivated." in json.dumps(failed)


def test_summary_modal_is_prefilled_with_the_raw_text() -> None:
    view = pack_cards.summary_modal(SNEAKY)
    check_view(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["summary"]["initial_value"] == "A & <b>B</b>"
    assert inputs["attendees"]["initial_value"] == "DI Jo <Bloggs>\nDr A Patel"
    assert json.loads(view["private_metadata"]) == {"review": SNEAKY.id}
    empty = pack_cards.summary_modal(fixture_review())
    assert all("initial_value" not in b.get("element", {}) for b in empty["blocks"])
