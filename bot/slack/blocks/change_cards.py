"""Text for the changes to a review as it goes (``/rrm add``, ``edit``, ``extend``, ``remove``,
``owner``): the coordinator's replies, the notes to the people affected, and a withdrawn
return's card. Pure; reference, pseudonym, agency names and reasons are escaped for mrkdwn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.slack.blocks.text import escape_mrkdwn as esc
from forms.calendar import due_date_in_words
from forms.records import AgencyReturn, Review

Block = dict[str, Any]


def case(review: Review) -> str:
    return f"{esc(review.reference)} ({esc(review.pseudonym)})"


def meeting_words(at: datetime, tz: Any) -> str:
    local = at.astimezone(tz)
    return f"{due_date_in_words(local.date())} at {local:%H:%M}"


def withdrawn_card(review: Review, ret: AgencyReturn) -> tuple[str, list[Block]]:
    """The contact's request card once their return is withdrawn: no buttons."""
    text = f"Rapid review {review.reference}: {ret.agency_name}'s return was withdrawn"
    body = (
        f"*Withdrawn* — rapid review *{case(review)}*\nAgency: *{esc(ret.agency_name)}* · "
        "withdrawn by the coordinator — no return needed."
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": body}}]


WITHDRAWN_REFUSAL = "withdrawn by the coordinator — no return needed"


def added_reply(review: Review, ret: AgencyReturn, *, new_agency: bool, again: bool) -> str:
    """The coordinator's confirmation of ``/rrm add``."""
    how = "asked again" if again else "added"
    who = f"<@{ret.contact_user_id}>" if ret.contact_user_id else "nobody yet"
    key = f" (its id for `/rrm extend` and `/rrm remove`: `{esc(ret.agency_key)}`)"
    return (
        f"*{esc(ret.agency_name)}* {how} to *{case(review)}*"
        f"{key if new_agency else ''}: request sent to {who}, due "
        f"{due_date_in_words(ret.due_date)}."
    )


def added_note(review: Review, ret: AgencyReturn, actor: str, again: bool) -> str:
    how = "asked again for a return" if again else "added to the review"
    return f"{case(review)}: {esc(ret.agency_name)} — {how} by <@{actor}>"


def removed_reply(review: Review, ret: AgencyReturn) -> str:
    return (
        f"*{esc(ret.agency_name)}*'s return is withdrawn from *{case(review)}*: no longer "
        "counted or reminded, kept in the audit and listed as withdrawn in the pack. "
        f"`/rrm add {esc(review.reference)} {esc(ret.agency_key)}` asks them again."
    )


def removed_note(review: Review, ret: AgencyReturn, actor: str) -> str:
    return f"{case(review)}: {esc(ret.agency_name)} — return withdrawn by <@{actor}>"


def extended_reply(review: Review, ret: AgencyReturn, was: date) -> str:
    return (
        f"*{esc(ret.agency_name)}*'s return for *{case(review)}* is now due "
        f"{due_date_in_words(ret.due_date)} (was {due_date_in_words(was)}); its reminders "
        "follow the new date and its contact is told."
    )


def extended_dm(review: Review, ret: AgencyReturn, reason: str) -> str:
    return (
        f"Rapid review *{case(review)}*: {esc(ret.agency_name)}'s return is now due "
        f"*{due_date_in_words(ret.due_date)}* — {esc(reason)}"
    )


def extended_note(review: Review, ret: AgencyReturn, actor: str) -> str:
    return (
        f"{case(review)}: {esc(ret.agency_name)} — due date extended to "
        f"{due_date_in_words(ret.due_date)} by <@{actor}>"
    )


def rescheduled_lines(before: Review, after: Review, moved: int, tz: Any) -> list[str]:
    """What ``/rrm edit`` changed, one line each."""
    lines: list[str] = []
    if after.meeting_at != before.meeting_at:
        lines.append(f"meeting: {meeting_words(after.meeting_at, tz)}")
    if after.due_date != before.due_date:
        lines.append(
            f"due date: {due_date_in_words(after.due_date)} ({moved} return(s) moved with it; "
            "returns given their own date with `/rrm extend` keep it)"
        )
    if after.chair != before.chair:
        lines.append(f"chair: <@{after.chair}> (was <@{before.chair}>)")
    return lines


def edited_reply(lines: Sequence[str], review: Review) -> str:
    listed = "\n".join(f"• {line}" for line in lines)
    return f"Changed *{case(review)}*:\n{listed}\nReminders and pack delivery are re-planned."


def edited_note(lines: Sequence[str], review: Review, actor: str) -> str:
    return f"{case(review)} changed by <@{actor}>: " + "; ".join(lines)


def new_due_dm(review: Review, ret: AgencyReturn) -> str:
    return (
        f"Rapid review *{case(review)}*: the due date of {esc(ret.agency_name)}'s return has "
        f"changed — it is now due *{due_date_in_words(ret.due_date)}*."
    )


def chair_dm(review: Review, tz: Any) -> str:
    return (
        f"You are now the chair of rapid review *{case(review)}*: the meeting is "
        f"{meeting_words(review.meeting_at, tz)}. The pack reaches you the working day before."
    )


def chair_removed_dm(review: Review) -> str:
    return f"You are no longer the chair of rapid review *{case(review)}*."


def meeting_moved_dm(review: Review, tz: Any) -> str:
    return (
        f"Rapid review *{case(review)}*: the meeting has moved to "
        f"{meeting_words(review.meeting_at, tz)}."
    )


def owner_reply(review: Review, was: str) -> str:
    return f"*{case(review)}* is now owned by <@{review.owner}> (was <@{was}>); both are told."


def owner_dm(review: Review, actor: str, was: str) -> str:
    whose = "" if actor == was else f" (owned until now by <@{was}>)"
    return (
        f"<@{actor}> handed rapid review *{case(review)}*{whose} to you: you now get its notes, "
        "digests and the draft pack."
    )


def owner_was_dm(review: Review, actor: str) -> str:
    return f"<@{actor}> handed rapid review *{case(review)}* to <@{review.owner}>."
