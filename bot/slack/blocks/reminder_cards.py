"""Block Kit and texts of reminders: the contact's reminder DM (its tone stepping up as the
deadline nears), the coordinator's overdue digest, the note to an escalation contact, the
warning before the 15th working day, and the reply to ``/rrm remind``.

Pure functions; reference, pseudonym, agency, dates and counts only — never answer content.
Everything a person typed is escaped for mrkdwn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.calendar import WorkingCalendar, due_date_in_words
from forms.records import AgencyReturn, Review
from forms.reminders import Kind

Block = dict[str, Any]
CONTINUE_ACTION = "return_start"


@dataclass(frozen=True)
class Late:
    """An overdue return in the digest: the agency and how many working days late."""

    agency: str
    working_days: int


def _case(review: Review) -> str:
    return f"{esc(review.reference)} ({esc(review.pseudonym)})"


def _tone(kind: Kind, left: int, reopened: bool) -> tuple[str, str]:
    """The heading and the ask, firmer as the deadline nears."""
    if kind is Kind.NUDGE:
        return "👋 *A nudge from the coordinator*", "Please send your agency return."
    if kind is Kind.PROVISIONAL:
        return (
            "📌 *Your provisional return*",
            "You said you would confirm what is outstanding by now: please update your "
            "return and submit it again.",
        )
    if kind is Kind.SIGN_OFF:
        return (
            "✍️ *Awaiting sign-off*",
            "Your return is still awaiting approval by your safeguarding lead or senior "
            "manager. Once approved, record it in the last section and submit again.",
        )
    ask = (
        "You reopened your return to edit it: please submit it again."
        if reopened
        else "Please send your agency return."
    )
    if left >= 2:
        return "📅 *Reminder*", ask
    if left == 1:
        return "⏰ *Due soon*", ask + " Only one working day is left."
    if left == 0:
        return "⚠️ *Due today*", ask + " It is due by the end of today."
    return (
        "🔴 *Overdue*",
        ask + " Late returns are still accepted and the review needs yours: please send it "
        "as soon as you can, or tell the coordinator what is holding it up.",
    )


def contact_reminder(
    review: Review,
    ret: AgencyReturn,
    kind: Kind,
    *,
    today: date,
    calendar: WorkingCalendar,
    reopened: bool = False,
    promised: date | None = None,
) -> tuple[str, list[Block]]:
    """The reminder DM: reference, pseudonym, agency, the due date in words, the working days
    left (or overdue), and Continue."""
    if ret.due_date == today:
        left = 0
    elif ret.due_date > today:
        left = max(calendar.working_days_between(today, ret.due_date), 1)
    else:
        left = -1
    heading, ask = _tone(kind, left, reopened)
    phrase = calendar.working_days_left_phrase(ret.due_date, today)
    due = due_date_in_words(ret.due_date)
    text = (
        f"{heading.replace('*', '')}: {_case(review)} — {esc(ret.agency_name)}'s agency "
        f"return, due {due} ({phrase})"
    )
    lines = [
        f"{heading} — rapid review *{esc(review.reference)}* ({esc(review.pseudonym)})",
        f"Agency: *{esc(ret.agency_name)}*",
        f"Due: *{due}* ({phrase})",
    ]
    if promised is not None and kind is Kind.PROVISIONAL:
        lines.append(f"You said you would confirm by: *{due_date_in_words(promised)}*")
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Continue"},
        "action_id": CONTINUE_ACTION,
        "value": json.dumps({"r": ret.id}),
        "style": "primary",
    }
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": ask}},
        {"type": "actions", "block_id": "reminder", "elements": [button]},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Each page is saved when you press Next. Please don't type case "
                    "details into this chat.",
                }
            ],
        },
    ]
    return text, blocks


def digest(review: Review, late: Sequence[Late]) -> str:
    """The coordinator's daily list of the review's overdue agencies (one message)."""
    listed = ", ".join(
        f"{esc(x.agency)} ({x.working_days} working day{'s' if x.working_days != 1 else ''})"
        for x in late
    )
    return f"{_case(review)}: overdue returns — {listed}"


def escalation(review: Review, ret: AgencyReturn, working_days: int) -> str:
    """To an agency's escalation contact: its return is overdue."""
    late = f"{working_days} working day{'s' if working_days != 1 else ''} overdue"
    return (
        f"{_case(review)}: {esc(ret.agency_name)}'s agency return for this rapid review is "
        f"{late} (it was due {due_date_in_words(ret.due_date)}). You are named as the "
        "agency's escalation contact: please help it to be sent."
    )


def deadline_warning(review: Review, fifteenth: date, received: int, expected: int) -> str:
    """To the coordinator: the rapid review's 15th working day is 3 working days away."""
    return (
        f"{_case(review)}: the rapid review is due with the Panel on "
        f"{due_date_in_words(fifteenth)} (the 15th working day after notification), "
        f"3 working days from now — returns received {received} of {expected}"
    )


def undelivered(review: Review, agency: str | None, to: str, reason: str) -> str:
    """To the owner: a reminder could not be delivered."""
    who = f"<#{to}>" if to[:1] in ("C", "G") else esc(to) if ":" in to else f"<@{to}>"
    about = f"{esc(agency)} — " if agency else ""
    return f"{_case(review)}: {about}reminder not delivered to {who}: {esc(reason)}"


def pack_not_sent(review: Review, reason: str) -> str:
    """To the owner: the chair's pack did not go at its time."""
    return f"{_case(review)}: the meeting pack was not sent to the chair: {esc(reason)}"


def remind_reply(
    review: Review, nudged: Sequence[tuple[str, str]], skipped: Sequence[tuple[str, str]]
) -> str:
    """The reply to ``/rrm remind``: whom it nudged, and whom not and why."""
    lines = [f"*{esc(review.reference)}*"]
    if nudged:
        lines.append(
            "Nudged: " + ", ".join(f"{esc(agency)} (<@{user}>)" for agency, user in nudged)
        )
    else:
        lines.append("Nobody was nudged.")
    lines += [f"• Not {esc(agency)}: {esc(why)}" for agency, why in skipped]
    return "\n".join(lines)
