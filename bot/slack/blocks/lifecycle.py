"""Block Kit for the end of a review: the status card's closing line, the close modal, the
contacts' final request card and the replies to ``/rrm lock``, ``/rrm close`` and ``/rrm hold``.

Pure functions; never any answer text. What a person typed (reference, pseudonym, a hold's
reason) is escaped for mrkdwn and raw in plain_text.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.slack.blocks.text import escape_mrkdwn as esc
from bot.slack.blocks.text import excerpt
from forms.calendar import due_date_in_words
from forms.records import RECEIVED_STATES, AgencyReturn, Review, ReviewOutcome, ReviewStatus

Block = dict[str, Any]

CLOSE_CALLBACK_ID = "review_close"
OUTCOME_BLOCK, PANEL_DATE_BLOCK, INPUT_ACTION = "outcome", "panel_sent", "v"
OUTCOME_LABELS = {
    ReviewOutcome.LOCAL_REVIEW: "Local review (a local child safeguarding practice review)",
    ReviewOutcome.OTHER_LEARNING: "Other learning, no local review",
    ReviewOutcome.NONE: "No local review and no other learning",
}
OUTCOME_WORDS = {
    ReviewOutcome.LOCAL_REVIEW: "local review",
    ReviewOutcome.OTHER_LEARNING: "other learning",
    ReviewOutcome.NONE: "none",
}


def _case(review: Review) -> str:
    if not review.pseudonym:
        return esc(review.reference)
    return f"{esc(review.reference)} ({esc(excerpt(review.pseudonym, 60))})"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def state_line(review: Review) -> str | None:
    """The status card's line for a review that is no longer open (mrkdwn), else None:
    "*Closed* — outcome: local review · sent to the Panel on …" or "*Locked* — …"."""
    if review.status is ReviewStatus.CLOSED:
        parts = ["*Closed*"]
        if review.outcome is not None:
            parts.append(f"outcome: {OUTCOME_WORDS[review.outcome]}")
        line = " — ".join(parts)
        if review.panel_sent_date is not None:
            line += f" · sent to the Panel on {due_date_in_words(review.panel_sent_date)}"
        return line
    if review.status is ReviewStatus.LOCKED:
        return "*Locked* — returns can no longer be changed"
    return None


def close_modal(review: Review, today: date) -> Block:
    """The modal of ``/rrm close REF``: the outcome and the date the rapid review was sent to
    the Panel. The review id in ``private_metadata`` is checked again on submission."""
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": outcome.value}
        for outcome, label in OUTCOME_LABELS.items()
    ]
    return {
        "type": "modal",
        "callback_id": CLOSE_CALLBACK_ID,
        "private_metadata": json.dumps({"review": review.id}),
        "title": {"type": "plain_text", "text": "Close the review"},
        "submit": {"type": "plain_text", "text": "Close review"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(
                f"Close rapid review *{_case(review)}*. Returns can then no longer be changed, "
                "the reminders stop and the status card shows the outcome. The answers are "
                "purged after the retention period unless the review is put on hold "
                "(`/rrm hold`)."
            ),
            {
                "type": "input",
                "block_id": OUTCOME_BLOCK,
                "label": {"type": "plain_text", "text": "Outcome of the rapid review"},
                "element": {"type": "radio_buttons", "action_id": INPUT_ACTION, "options": options},
            },
            {
                "type": "input",
                "block_id": PANEL_DATE_BLOCK,
                "label": {"type": "plain_text", "text": "Date it was sent to the Panel"},
                "element": {
                    "type": "datepicker",
                    "action_id": INPUT_ACTION,
                    "initial_date": today.isoformat(),
                },
            },
        ],
    }


def final_card(review: Review, ret: AgencyReturn) -> tuple[str, list[Block]]:
    """A contact's request card once the review is locked or closed: no buttons any more."""
    verb = "closed" if review.status is ReviewStatus.CLOSED else "locked"
    received = ret.state in RECEIVED_STATES
    mine = "Your return was received ✓" if received else "No return was received from you"
    text = f"Rapid review {review.reference} is {verb}: returns can no longer be changed"
    body = (
        f"Rapid review *{_case(review)}* is *{verb}*: returns can no longer be changed.\n"
        f"Agency: *{esc(ret.agency_name)}* · {mine}. Ask the coordinator if something must "
        "still be added."
    )
    return text, [_section(body)]


def locked_reply(review: Review) -> str:
    """The coordinator's confirmation of ``/rrm lock``."""
    return (
        f"Locked *{_case(review)}*: returns can no longer be submitted or changed. "
        f"`/rrm close {esc(review.reference)}` closes it."
    )


def closed_reply(review: Review) -> str:
    """The coordinator's confirmation of closing (after the modal)."""
    outcome = OUTCOME_WORDS[review.outcome] if review.outcome else "none given"
    return (
        f"Closed *{_case(review)}* — outcome: {outcome}. Its answers are purged when the "
        f"retention period has passed, unless you put it on hold "
        f"(`/rrm hold {esc(review.reference)} reason=…`)."
    )


def hold_reply(review: Review) -> str:
    """The coordinator's confirmation of ``/rrm hold`` (the reason escaped)."""
    if review.hold_reason is None:
        return (
            f"The hold on *{_case(review)}* is lifted: its answers are purged when the "
            "retention period after closing has passed."
        )
    return (
        f"*{_case(review)}* is on hold ({esc(excerpt(review.hold_reason, 200))}): its answers "
        f"are kept until the hold is lifted with `/rrm hold {esc(review.reference)} off`."
    )
