"""Block Kit for contacts the bot cannot reach in Slack: the note to the owner with **Enter on
behalf**, and the modal asking when the partnership received the return by secure email.
Pure functions; never any answer text. Reference, pseudonym, agency and reason are escaped."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.records import AgencyReturn, Review

Block = dict[str, Any]
ACTION = "return_on_behalf"
"""The button's action id (its value carries the return id only: a hint, checked again)."""
CALLBACK = "on_behalf_date"
"""The received-date modal's callback id."""
DATE_BLOCK = "received"


def unreachable_text(review: Review, agency_name: str, reason: str) -> str:
    """The note for the owner and the coordinator channel: reference, agency, the reason."""
    return (
        f"{esc(review.reference)} ({esc(review.pseudonym)}): {esc(agency_name)} — the request "
        f"could not be sent in Slack: {esc(reason)}"
    )


def unreachable_note(review: Review, ret: AgencyReturn, reason: str) -> tuple[str, list[Block]]:
    """The owner's DM: what happened, what to do, and the Enter on behalf button."""
    text = unreachable_text(review, ret.agency_name, reason)
    body = (
        f"*{esc(ret.agency_name)}* can't be reached in Slack for rapid review "
        f"*{esc(review.reference)}* ({esc(review.pseudonym)}): {esc(reason)}."
    )
    help_text = (
        "Ask the agency for its return by the partnership's secure email. When it arrives, "
        "press *Enter on behalf* to type it into the same form the agency would have used; "
        "the pack will say who entered it and when it was received."
    )
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Enter on behalf"},
        "action_id": ACTION,
        "value": json.dumps({"r": ret.id}),
        "style": "primary",
    }
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": help_text}]},
        {"type": "actions", "block_id": "on_behalf", "elements": [button]},
    ]
    return text, blocks


def received_modal(
    review: Review, ret: AgencyReturn, initial: date | None, today: date
) -> dict[str, Any]:
    """Asks the date the return was received by secure email, then opens the return's form."""
    picker: dict[str, Any] = {"type": "datepicker", "action_id": "v"}
    picker["initial_date"] = (initial or today).isoformat()
    intro = (
        f"Rapid review *{esc(review.reference)}* ({esc(review.pseudonym)}) · "
        f"*{esc(ret.agency_name)}*\nYou are entering this agency's return on its behalf, from "
        "what it sent to the partnership's secure email. Each page you save is recorded "
        "under your name."
    )
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": json.dumps({"r": ret.id}),
        "title": {"type": "plain_text", "text": "Enter on behalf"},
        "submit": {"type": "plain_text", "text": "Next"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
            {
                "type": "input",
                "block_id": DATE_BLOCK,
                "label": {"type": "plain_text", "text": "Date the return was received"},
                "hint": {
                    "type": "plain_text",
                    "text": "The day the agency's return arrived by secure email.",
                },
                "element": picker,
            },
        ],
    }


def message_modal(text: str) -> dict[str, Any]:
    """A modal that only says something (a refusal)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Enter on behalf"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text[:2900]}}],
    }
