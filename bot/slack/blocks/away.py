"""Block Kit and texts of a contact's absence: the "I'm away" modal, the replies to
``/rrm away`` and ``/rrm back``, the note to a review's owner, and a reminder sent to a deputy.

Pure functions; reference, pseudonym, agency, people and dates only — never answer content.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot.slack.blocks import reminder_cards
from bot.slack.blocks.cards import coordinator_note
from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.calendar import WorkingCalendar, due_date_in_words
from forms.records import Absence, AgencyReturn, Review
from forms.reminders import Kind

Block = dict[str, Any]
CALLBACK_ID = "away"
UNTIL_BLOCK, DEPUTY_BLOCK, INPUT_ACTION = "away_until", "away_deputy", "v"


def back_on(absence: Absence, calendar: WorkingCalendar) -> date:
    """The first working day after the absence: when held reminders go."""
    return calendar.next_working_day(absence.until)


def away_modal(today: date, current: Absence | None = None) -> dict[str, Any]:
    """Until when, and an optional deputy (a datepicker and a user picker)."""
    until: Block = {
        "type": "datepicker",
        "action_id": INPUT_ACTION,
        "initial_date": (current.until if current else today + timedelta(days=1)).isoformat(),
    }
    deputy: Block = {"type": "users_select", "action_id": INPUT_ACTION}
    if current and current.deputy:
        deputy["initial_user"] = current.deputy
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": "I'm away"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({}),
        "blocks": [
            {
                "type": "input",
                "block_id": UNTIL_BLOCK,
                "label": {"type": "plain_text", "text": "Away until (your last day away)"},
                "element": until,
            },
            {
                "type": "input",
                "block_id": DEPUTY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Deputy (optional)"},
                "hint": {
                    "type": "plain_text",
                    "text": "Your reminders go to them while you are away; without a deputy "
                    "they wait until you are back. Only you can answer your returns: to hand "
                    "one over, ask the coordinator.",
                },
                "element": deputy,
            },
        ],
    }


def away_reply(absence: Absence, calendar: WorkingCalendar, requests: int) -> str:
    """The reply to ``/rrm away`` (and the Home's notice after the modal)."""
    until = due_date_in_words(absence.until)
    if absence.deputy:
        where = f"Reminders go to your deputy <@{absence.deputy}> meanwhile."
    else:
        back = due_date_in_words(back_on(absence, calendar))
        where = f"Reminders wait until you are back: the latest goes on {back}."
    held = (
        f" The coordinators of the {requests} review{'s' * (requests != 1)} where you hold a "
        "request have been told."
        if requests
        else ""
    )
    return f"🌴 You are away until *{until}*. {where}{held} `/rrm back` ends it early."


def back_reply(was_away: bool) -> str:
    """The reply to ``/rrm back``."""
    if not was_away:
        return "You were not marked as away: your reminders come to you."
    return "Welcome back: your reminders come to you again."


def owner_note(
    review: Review, agency: str, absence: Absence | None, calendar: WorkingCalendar
) -> str:
    """To the owner: a contact of the review is away (or back) — reference, agency, dates."""
    if absence is None:
        return coordinator_note(review, agency, "the contact is back; reminders go to them again")
    until = due_date_in_words(absence.until)
    if absence.deputy:
        then = f"reminders go to their deputy <@{absence.deputy}>"
    else:
        then = f"reminders wait until {due_date_in_words(back_on(absence, calendar))}"
    return coordinator_note(review, agency, f"the contact is away until {until}; {then}")


def deputy_reminder(
    review: Review,
    ret: AgencyReturn,
    kind: Kind,
    absence: Absence,
    *,
    today: date,
    calendar: WorkingCalendar,
) -> tuple[str, list[Block]]:
    """A contact reminder sent to the contact's deputy: who it is for, until when they are
    away, the due date — and no button, since only the contact can answer."""
    words, original = reminder_cards.contact_reminder(
        review, ret, kind, today=today, calendar=calendar
    )
    contact = f"<@{ret.contact_user_id}>" if ret.contact_user_id else "the contact"
    until = due_date_in_words(absence.until)
    text = f"As deputy for {contact} (away until {until}): {words}"
    blocks: list[Block] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"📨 *Sent to you as deputy for {contact}*, who is away until *{until}*.",
            },
        },
        original[0],
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Only the nominated contact can answer this return. If it should be "
                    f"you, ask {contact} or the coordinator (<@{review.owner}>) to pass the "
                    f"request on to you. {esc(ret.agency_name)}'s answers are never shown here.",
                }
            ],
        },
    ]
    return text, blocks
