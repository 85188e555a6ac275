"""Block Kit and texts about the meeting pack: the upload comment, the owner's draft message
with Release to chair / Hold, notes to the owner, the reply to ``/rrm pack`` and the case
summary modal. Pure functions; never any pack or answer content. Everything a person typed
(reference, pseudonym, agency names) is escaped for mrkdwn; plain_text carries raw text."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.slack.blocks.cards import meeting_words
from bot.slack.blocks.text import escape_mrkdwn as esc
from bot.slack.blocks.text import plain
from forms.records import PackRelease, Review

Block = dict[str, Any]
MARKING = "OFFICIAL-SENSITIVE"
SUMMARY_CALLBACK_ID = "pack_summary"
SUMMARY_BLOCK, ATTENDEES_BLOCK, INPUT_ACTION = "summary", "attendees", "v"
SUMMARY_MAX = 3000
RELEASE_ACTION, HOLD_ACTION = "pack_release", "pack_hold"


def _case(review: Review) -> str:
    return f"{esc(review.reference)} ({esc(review.pseudonym)})"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, review: Review, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": json.dumps({"r": review.id}),
    }
    if style:
        button["style"] = style
    return button


def upload_comment(review: Review, version: int, *, draft: bool = False) -> str:
    """The comment the pack's two files are shared with in the recipient's DM."""
    what = "Draft meeting pack" if draft else "Meeting pack"
    return f"{what} v{version} for {_case(review)} — {MARKING}"


def undelivered_note(review: Review, version: int, user_id: str, reason: str) -> str:
    """To the owner: a pack could not be delivered to someone."""
    return f"{_case(review)}: meeting pack v{version} not delivered to <@{user_id}>: {esc(reason)}"


def change_note(review: Review, agency: str, section: str, version: int) -> str:
    """To the owner: a return changed after a pack went out (agency and section only)."""
    return f"{_case(review)}: {esc(agency)} changed section {esc(section)} since pack v{version}"


def _chair_line(review: Review, chair_at: datetime, tz: Any, auto: bool) -> str:
    when = meeting_words(chair_at, tz)
    if auto:
        return f"The chair <@{review.chair}> gets the pack automatically on {when}."
    return f"The chair <@{review.chair}> gets it on {when} if you release it."


def draft_message(
    review: Review, version: int, *, chair_at: datetime, tz: Any, auto: bool
) -> tuple[str, list[Block]]:
    """The owner's draft: what it is, when the chair gets it, Release to chair / Hold."""
    text = f"Draft meeting pack v{version} for {review.reference}: release it to the chair or hold"
    blocks = [
        _section(
            f"*Draft meeting pack v{version}* — rapid review {_case(review)}\n"
            f"Meeting: {meeting_words(review.meeting_at, tz)}\n"
            + _chair_line(review, chair_at, tz, auto)
        ),
        {
            "type": "actions",
            "block_id": "pack_release",
            "elements": [
                _button("Release to chair", RELEASE_ACTION, review, "primary"),
                _button("Hold", HOLD_ACTION, review),
            ],
        },
        _context(f"{MARKING}. The PDF and HTML are above; `/rrm summary` edits the case summary."),
    ]
    return text, blocks


def decision_message(
    review: Review,
    *,
    state: PackRelease,
    actor: str,
    chair_at: datetime,
    tz: Any,
    sent_now: bool = False,
    not_sent: str | None = None,
) -> tuple[str, list[Block]]:
    """The draft message after Release or Hold: who decided, what happens next, and the other
    button (a held pack can still be released, a released one held until it goes).
    ``sent_now``: the chair got it at once; ``not_sent``: why the chair could not get it."""
    chair = f"<@{review.chair}>"
    if state is PackRelease.RELEASED:
        text = f"Meeting pack for {review.reference} released to the chair"
        if sent_now:
            then = f"It was sent to the chair {chair} now."
        elif not_sent is not None:
            then = f"I couldn't send it to the chair {chair}: {esc(not_sent)}."
        else:
            then = f"The chair {chair} gets it on {meeting_words(chair_at, tz)}."
        body = f"*Released to the chair* by <@{actor}> — {_case(review)}\n{then}"
        other = None if sent_now else _button("Hold", HOLD_ACTION, review)
    else:
        text = f"Meeting pack for {review.reference} held"
        body = (
            f"*Held* by <@{actor}> — {_case(review)}\n"
            f"The chair {chair} gets no pack from me until it is released."
        )
        other = _button("Release to chair", RELEASE_ACTION, review, "primary")
    blocks = [_section(body)]
    if other is not None:
        blocks.append({"type": "actions", "block_id": "pack_release", "elements": [other]})
    return text, blocks


def compiling_text(review: Review) -> str:
    """The first reply to ``/rrm pack``: compiling takes a few seconds."""
    return f"Compiling the meeting pack for {_case(review)} — it takes a few seconds…"


def request_reply(
    review: Review, version: int, delivered: Sequence[str], failed: Mapping[str, str]
) -> str:
    """The last reply to ``/rrm pack``: what was sent to whom, and what could not be."""
    lines = []
    if delivered:
        who = ", ".join(f"<@{u}>" for u in delivered)
        lines.append(
            f"Meeting pack v{version} for {_case(review)} (PDF and HTML) sent to {who} "
            "in a direct message."
        )
    lines += [f"Not delivered to <@{u}>: {esc(reason)}" for u, reason in failed.items()]
    return "\n".join(lines) or f"Meeting pack v{version} for {_case(review)} went to nobody."


def summary_modal(review: Review) -> dict[str, Any]:
    """The modal of ``/rrm summary REF``: the case summary and the attendees (one per line),
    pre-filled with what is stored."""
    summary: Block = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "multiline": True,
        "max_length": SUMMARY_MAX,
    }
    if review.case_summary:
        summary["initial_value"] = review.case_summary
    attendees: Block = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True}
    if review.attendees:
        attendees["initial_value"] = "\n".join(review.attendees)
    return {
        "type": "modal",
        "callback_id": SUMMARY_CALLBACK_ID,
        "private_metadata": json.dumps({"review": review.id}),
        "title": {"type": "plain_text", "text": "Case summary"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"Rapid review *{_case(review)}* — for the meeting pack only."),
            {
                "type": "input",
                "block_id": SUMMARY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Case summary"},
                "hint": {
                    "type": "plain_text",
                    "text": plain(
                        "A short narrative of the incident and of the agencies' involvement. "
                        "Left empty, the pack shows each agency's own summary.",
                        150,
                    ),
                },
                "element": summary,
            },
            {
                "type": "input",
                "block_id": ATTENDEES_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Attendees"},
                "hint": {"type": "plain_text", "text": "One per line: name, role and agency."},
                "element": attendees,
            },
        ],
    }
