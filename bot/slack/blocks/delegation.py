"""Block Kit of "Not me — pass it on": the modal where a contact names a colleague and says
why, the old contact's card once the request has moved, the note to the owner, and the answer
a former contact gets from the return's buttons. Pure functions; the reason a person typed is
shown only to the owner in a DM block (escaped), never in a notification's text or a channel.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.calendar import due_date_in_words
from forms.records import AgencyReturn, Review

Block = dict[str, Any]
CALLBACK = "return_delegate"
TO_BLOCK, REASON_BLOCK = "d|to", "d|reason"
MAX_REASON = 300


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def pass_on_modal(review: Review, ret: AgencyReturn) -> dict[str, Any]:
    """The modal "Pass this request on": a colleague (required) and a short reason (required)."""
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": json.dumps({"r": ret.id}),
        "title": {"type": "plain_text", "text": "Pass it on"},
        "submit": {"type": "plain_text", "text": "Pass it on"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(
                f"Pass *{esc(ret.agency_name)}*'s return for rapid review "
                f"*{esc(review.reference)}* ({esc(review.pseudonym)}) to a colleague who "
                "should answer it."
            ),
            {
                "type": "input",
                "block_id": TO_BLOCK,
                "label": {"type": "plain_text", "text": "Colleague"},
                "element": {"type": "users_select", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why them? (a few words)"},
                "hint": {
                    "type": "plain_text",
                    "text": "Seen only by the review's coordinator. No case details, please.",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": "v",
                    "max_length": MAX_REASON,
                },
            },
            _context(
                "They get the request at once, with anything already saved; you will no "
                "longer be able to open it. Don't know who? Cancel and press *Ask the "
                "coordinator* instead."
            ),
        ],
    }


def passed_modal(to_user: str) -> dict[str, Any]:
    """What the modal shows once the request has moved."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Pass it on"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [
            _section(
                f"Thanks — <@{to_user}> has the request now, and the coordinator has been told."
            )
        ],
    }


def _on(at: datetime, tz: Any) -> str:
    return due_date_in_words(at.astimezone(tz).date())


def passed_card(
    review: Review, ret: AgencyReturn, to_user: str, at: datetime, tz: Any
) -> tuple[str, list[Block]]:
    """The old contact's request card once passed on: who has it now, and no buttons."""
    said = f"You passed this request to <@{to_user}> on {_on(at, tz)}"
    text = f"Rapid review {esc(review.reference)}: {said}"
    blocks = [
        _section(
            f"*Passed on* — rapid review *{esc(review.reference)}* ({esc(review.pseudonym)})\n"
            f"Agency: *{esc(ret.agency_name)}*\n{said}."
        ),
        _context("Its answers stay with the return; the coordinator has been told."),
    ]
    return text, blocks


def passed_by_line(from_user: str) -> str:
    """The line on the new contact's card saying where the request came from."""
    return f"Passed on to you by <@{from_user}>"


def passed_on_refusal(to_user: str, at: datetime, current: str | None, tz: Any) -> str:
    """What a former contact's button or page answers (mrkdwn: a mention and a date only)."""
    text = (
        f"This request was passed to <@{to_user}> on {_on(at, tz)} — ask them or the coordinator."
    )
    if current and current != to_user:
        text += f" It is now with <@{current}>."
    return text


def owner_note_blocks(note: str, reason: str) -> list[Block]:
    """The owner's DM: the note (reference, agency, old → new) and the reason given."""
    return [_section(note), _context(f"Reason given: {esc(reason)}")]
