"""Block Kit for the messages the bot posts: the channel's status card, a contact's request
card, notes to the coordinator and the risk alert. Pure functions; never any answer text.
Everything a person typed (reference, pseudonym, agency names) is escaped for mrkdwn."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.slack.blocks.lifecycle import state_line
from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.calendar import due_date_in_words
from forms.records import RECEIVED_STATES, AgencyReturn, ReturnState, Review
from forms.status import is_overdue, received_count

Block = dict[str, Any]

STATE_LABELS = {
    ReturnState.INVITED: "not started",
    ReturnState.IN_PROGRESS: "in progress",
    ReturnState.SUBMITTED: "submitted",
    ReturnState.NIL: "nil return",
    ReturnState.PROVISIONAL: "provisional",
    ReturnState.WITHDRAWN: "withdrawn",
}

IDENTIFIERS_NOTE = (
    "The family's identifying details were sent to your agency's safeguarding inbox by the "
    "partnership's secure route; they are never sent through Slack."
)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def meeting_words(at: datetime, tz: Any) -> str:
    local = at.astimezone(tz)
    return f"{due_date_in_words(local.date())} at {local:%H:%M}"


def status_card(
    review: Review, returns: Sequence[AgencyReturn], today: date, tz: Any
) -> tuple[str, list[Block]]:
    """The channel's card: reference, pseudonym, meeting, returns n/m, overdue agencies."""
    received, expected = received_count(returns)
    overdue = sorted(r.agency_name for r in returns if is_overdue(r, today))
    title = f"*Rapid review {esc(review.reference)}* · {esc(review.pseudonym)}"
    lines = [
        title,
        f"Meeting: {meeting_words(review.meeting_at, tz)}",
        f"Returns received: *{received} of {expected}*",
        "Overdue: " + (", ".join(esc(a) for a in overdue) if overdue else "none"),
    ]
    outside = sorted(
        r.agency_name
        for r in returns
        if r.unreachable is not None
        and r.state not in RECEIVED_STATES
        and r.state is not ReturnState.WITHDRAWN
    )
    if outside:  # the agency and the fact only, never the reason or any answer
        lines.append(
            "Not reachable in Slack — to be entered on behalf: "
            + ", ".join(esc(a) for a in outside)
        )
    final = state_line(review)  # "*Closed* — outcome: …" once no longer open
    if final:
        lines.append(final)
    text = f"Rapid review {review.reference}: {received} of {expected} returns received"
    blocks = [
        _section("\n".join(lines)),
        _context(
            "Answers are never shown here. Coordinators: `/rrm status " + review.reference + "`"
        ),
    ]
    return text, blocks


def request_card(
    review: Review,
    ret: AgencyReturn,
    *,
    due_phrase: str,
    started: bool,
    passed_by: str | None = None,
) -> tuple[str, list[Block]]:
    """The DM to an agency contact: what is asked, for which review, by when, and the buttons."""
    value = json.dumps({"r": ret.id})
    text = (  # the notification's text is mrkdwn too: escaped like the blocks
        f"Rapid review {esc(review.reference)} ({esc(review.pseudonym)}): please send "
        f"{esc(ret.agency_name)}'s agency return by {due_date_in_words(ret.due_date)}"
    )
    body = (
        f"*Agency return requested* — rapid review *{esc(review.reference)}* "
        f"({esc(review.pseudonym)})\n"
        f"Agency: *{esc(ret.agency_name)}*\n"
        f"Due: *{due_date_in_words(ret.due_date)}* ({due_phrase})"
    )
    if passed_by:
        body += f"\nPassed on to you by <@{passed_by}>"
    buttons = [
        _button("Continue" if started else "Start", "return_start", value, "primary"),
        _button("No involvement", "return_nil", value),
        _button("Not me", "return_not_me", value),
        _button("Ask the coordinator", "ask_coordinator", value),
    ]
    blocks = [
        _section(body),
        _context(IDENTIFIERS_NOTE),
        {"type": "actions", "block_id": "request", "elements": buttons},
        _context(
            "You answer in a form, one section at a time; each page is saved when you "
            "press Next. Please don't type case details into this chat."
        ),
    ]
    return text, blocks


def done_card(
    review: Review, ret: AgencyReturn, when: datetime, tz: Any, passed_by: str | None = None
) -> tuple[str, list[Block]]:
    """The request card after submission: the state, the time, and Edit."""
    label = STATE_LABELS[ret.state]
    text = f"Rapid review {review.reference}: {ret.agency_name}'s return — {label}"
    local = when.astimezone(tz)
    body = (
        f"*{label.capitalize()}* ✓ — rapid review *{esc(review.reference)}* "
        f"({esc(review.pseudonym)})\nAgency: *{esc(ret.agency_name)}* · "
        f"{local:%d %b %Y %H:%M}"
    )
    if ret.amended_at is not None:
        body += f"\nAmended {ret.amended_at.astimezone(tz):%d %b %Y %H:%M}"
    if passed_by:
        body += f"\nPassed on to you by <@{passed_by}>"
    value = json.dumps({"r": ret.id})
    blocks = [
        _section(body),
        _context(
            "You can still edit this return until the review is locked or closed; it stays "
            "received while you do."
        ),
        {
            "type": "actions",
            "block_id": "done",
            "elements": [_button("Edit", "return_edit", value)],
        },
    ]
    return text, blocks


def risk_alert_text(review: Review, agency_name: str) -> str:
    """The current-risk alert to the owner and chair: no answer text."""
    return (
        f"⚠ {esc(review.reference)} ({esc(review.pseudonym)}): {esc(agency_name)} reports a "
        "current risk to another child not yet acted on — see their return"
    )


def coordinator_note(review: Review, agency_name: str, event: str) -> str:
    """A note to the coordinator: reference, agency and event only."""
    return f"{esc(review.reference)} ({esc(review.pseudonym)}): {esc(agency_name)} — {event}"


@dataclass(frozen=True)
class StatusLine:
    agency: str
    contact: str | None
    state: str
    due: date


def status_table(reference: str, pseudonym: str, rows: Sequence[StatusLine]) -> list[Block]:
    """`/rrm status REF` as an ephemeral message: agency, contact, state, due."""
    lines = [f"*{esc(reference)}* · {esc(pseudonym)}"]
    for row in rows:
        who = f"<@{row.contact}>" if row.contact else "_no contact_"
        lines.append(f"• *{esc(row.agency)}* — {who} — {row.state} — due {row.due:%d %b}")
    return [_section("\n".join(lines))]
