"""The messages the bot posts: within Slack's limits, escaped, and never any answer text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.slack.blocks import check_message
from bot.slack.blocks.cards import done_card, request_card, risk_alert_text, status_card
from forms.records import AgencyReturn, ReturnState, Review, ReviewStatus

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _review(pseudonym: str = "Child A") -> Review:
    return Review(
        id=1,
        partnership_id=1,
        team_id="T0TEAM",
        reference="RR-2026-014",
        pseudonym=pseudonym,
        under_1=False,
        incident_date=None,
        notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=LONDON),
        due_date=date(2026, 12, 2),
        period_from=date(2025, 11, 20),
        period_to=date(2026, 11, 20),
        incident_description=None,
        owner="U0COORD",
        chair="U0CHAIR",
        channel_id="C0CASES",
        status_ts="1.0",
        status=ReviewStatus.OPEN,
        created_at=NOW,
        closed_at=None,
        form_content="",
        form_sha256="",
    )


def _return(n: int, state: ReturnState, name: str = "Northshire Police") -> AgencyReturn:
    return AgencyReturn(
        id=n,
        review_id=1,
        agency_id=n,
        agency_key=f"a{n}",
        agency_name=name,
        contact_user_id="U0POLICE1",
        state=state,
        due_date=date(2026, 12, 2),
        submitted_at=NOW if state is ReturnState.SUBMITTED else None,
        dm_channel=None,
        dm_ts=None,
        created_at=NOW,
        updated_at=NOW,
    )


def test_status_card_counts_received_and_overdue() -> None:
    returns = [
        _return(1, ReturnState.SUBMITTED),
        _return(2, ReturnState.NIL, "GP"),
        _return(3, ReturnState.IN_PROGRESS, "Health"),
        _return(4, ReturnState.WITHDRAWN, "Housing"),
    ]
    text, blocks = status_card(_review(), returns, date(2026, 12, 3), LONDON)
    check_message(blocks)
    body = blocks[0]["text"]["text"]
    assert "Returns received: *2 of 3*" in body
    assert "Overdue: Health" in body
    assert "Wednesday 9 December 2026 at 10:00" in body
    assert "2 of 3" in text


def test_hostile_text_is_escaped_in_mrkdwn() -> None:
    review = _review("<!channel> <https://evil.example|click> & co")
    _, blocks = request_card(
        review, _return(1, ReturnState.INVITED), due_phrase="7 working days left", started=False
    )
    check_message(blocks)
    body = blocks[0]["text"]["text"]
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "&lt;https://evil.example|click&gt; &amp; co" in body
    assert "<!channel>" not in risk_alert_text(review, "Police")


def test_request_card_buttons_and_identifiers_sentence() -> None:
    _, blocks = request_card(
        _review(), _return(1, ReturnState.INVITED), due_phrase="5 working days left", started=False
    )
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "return_start",
        "return_nil",
        "return_not_me",
        "ask_coordinator",
    ]
    assert "never sent through Slack" in str(blocks)
    _, started = request_card(
        _review(), _return(1, ReturnState.IN_PROGRESS), due_phrase="", started=True
    )
    assert "Continue" in str(started)


def test_done_card_offers_edit() -> None:
    _, blocks = done_card(_review(), _return(1, ReturnState.SUBMITTED), NOW, LONDON)
    check_message(blocks)
    assert "Submitted" in blocks[0]["text"]["text"]
    assert "return_edit" in str(blocks)
