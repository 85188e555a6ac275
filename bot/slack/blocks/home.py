"""Block Kit of the bot's App Home: a contact's requests with Start / Continue / Edit and the
away switch; a coordinator's or chair's reviews with per-agency state and Remind / Pack /
Lock / Close; a friendly page for anyone else. Pure: a view-model in, a ``home`` view out.

Never any answer text. At most 100 blocks whatever the data: a fixed number of requests, and
reviews paged ``REVIEWS_PER_PAGE`` at a time (Older reviews / Newer). Everything a person
typed (pseudonym, agency names, the partnership's name) is escaped for mrkdwn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack.blocks.cards import STATE_LABELS, meeting_words
from bot.slack.blocks.text import escape_mrkdwn as esc
from bot.slack.blocks.text import excerpt
from forms.calendar import WorkingCalendar, due_date_in_words
from forms.records import (
    RECEIVED_STATES,
    Absence,
    AgencyReturn,
    ReturnState,
    Review,
    ReviewStatus,
)
from forms.status import WAITING_STATES, received_count

Block = dict[str, Any]

START, EDIT = "return_start", "return_edit"  # the request card's own buttons and flows
REMIND, PACK, LOCK, CLOSE = "home_remind", "home_pack", "home_lock", "home_close"
PAGE, AWAY, BACK = "home_page", "home_away", "home_back"
REVIEW_ACTIONS = (REMIND, PACK, LOCK, CLOSE)
MAX_BLOCKS = 100
MAX_REQUESTS = 10
REVIEWS_PER_PAGE = 25
"""3 blocks a review: with the rest of the page at most 19, a page stays within 100."""
_TEXT_MAX = 2900


@dataclass(frozen=True)
class Request:
    """A return the person is the current contact of."""

    review: Review
    ret: AgencyReturn


@dataclass(frozen=True)
class ReviewLine:
    """A review on a coordinator's or chair's Home, with its returns."""

    review: Review
    returns: tuple[AgencyReturn, ...]


@dataclass(frozen=True)
class Home:
    """Everything one person's Home shows (``reviews`` holds only the page shown)."""

    user_id: str
    coordinator: bool
    requests: tuple[Request, ...]
    reviews: tuple[ReviewLine, ...]
    page: int = 0
    pages: int = 1
    chaired: bool = False
    away: Absence | None = None
    notice: str | None = None

    @property
    def has_role(self) -> bool:
        return self.coordinator or self.chaired or bool(self.requests)


def review_value(review_id: int) -> str:
    """The value of a review's Home button (a hint only: the services check the role)."""
    return json.dumps({"review": review_id})


def page_of(view: Any) -> int:
    """The page a published Home showed (0 when it cannot be read)."""
    meta = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        page = json.loads(meta).get("page") if isinstance(meta, str) else 0
    except (ValueError, AttributeError):
        return 0
    return page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0


def home_view(
    home: Home, *, calendar: WorkingCalendar, today: date, tz: Any, partnership: str
) -> dict[str, Any]:
    """The ``home`` view: at most ``MAX_BLOCKS`` blocks, never any answer text."""
    blocks: list[Block] = [_header("Rapid review returns")]
    if home.notice:
        blocks.append(_section(excerpt_mrkdwn(home.notice)))
    if not home.has_role:
        blocks += _nobody(partnership)
    else:
        blocks.append(_context(f"{esc(partnership)} · answers are never shown here."))
    if home.requests or home.away:
        blocks += _requests(home, calendar, today)
    if home.coordinator or home.chaired:
        blocks += _reviews(home, calendar, today, tz)
    assert len(blocks) <= MAX_BLOCKS, len(blocks)
    return {
        "type": "home",
        "private_metadata": json.dumps({"page": home.page}),
        "blocks": blocks,
    }


def excerpt_mrkdwn(text: str) -> str:
    """A notice (already mrkdwn) cut to fit one section."""
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


def _nobody(partnership: str) -> list[Block]:
    return [
        _section(
            "*Nothing for you here just now.*\n\n"
            f"This is the rapid review bot of *{esc(partnership)}*. When a child dies or is "
            "seriously harmed and abuse or neglect is suspected, the partnership holds a rapid "
            "review, and every agency that knew the family sends it an *agency return*. "
            "Coordinators open reviews here; each agency's contact is asked in a direct message "
            "and answers in a form, one section at a time; the chair gets the meeting pack."
        ),
        _context(
            "If you are asked for a return, your request shows here with its due date and a "
            "button to start. Answers are never shown here."
        ),
    ]


# -- a contact's requests ---------------------------------------------------------------------


def _requests(home: Home, calendar: WorkingCalendar, today: date) -> list[Block]:
    blocks = [_header("Your requests"), _away_block(home.away, calendar)]
    shown = home.requests[:MAX_REQUESTS]
    blocks += [_request(q, calendar, today) for q in shown]
    if not home.requests:
        blocks.append(_context("No open requests."))
    elif len(home.requests) > len(shown):
        more = len(home.requests) - len(shown)
        blocks.append(_context(f"…and {more} more: see your direct messages from the bot."))
    return blocks


def _away_block(away: Absence | None, calendar: WorkingCalendar) -> Block:
    if away is None:
        text = (
            "Going to be away? Say until when, and name a deputy if you like: reminders then "
            "go to them, or wait until you are back."
        )
        return _section(text, _button("I'm away", AWAY, "away"))
    until = due_date_in_words(away.until)
    if away.deputy:
        where = f"Reminders go to your deputy <@{away.deputy}>."
    else:
        back = due_date_in_words(calendar.next_working_day(away.until))
        where = f"Reminders wait until you are back ({back})."
    return _section(f"🌴 *You are away until {until}.* {where}", _button("I'm back", BACK, "back"))


def _request(q: Request, calendar: WorkingCalendar, today: date) -> Block:
    review, ret = q.review, q.ret
    case = f"*{esc(review.reference)}* ({esc(excerpt(review.pseudonym, 60))})"
    title = f"{case} · {esc(ret.agency_name)}"
    value = json.dumps({"r": ret.id})
    label = STATE_LABELS[ret.state].capitalize()
    if review.status is not ReviewStatus.OPEN:
        return _section(f"{title}\n{label} · the review is locked: no more changes")
    if ret.state in RECEIVED_STATES:
        line = f"{label} ✓ · you can still edit it until the review is locked or closed"
        return _section(f"{title}\n{line}", _button("Edit", EDIT, value))
    left = calendar.working_days_left_phrase(ret.due_date, today)
    due = f"due {due_date_in_words(ret.due_date)} ({left})"
    started = ret.state is not ReturnState.INVITED
    button = _button("Continue" if started else "Start", START, value, "primary")
    return _section(f"{title}\n{label} · {due}", button)


# -- a coordinator's or chair's reviews --------------------------------------------------------


def _reviews(home: Home, calendar: WorkingCalendar, today: date, tz: Any) -> list[Block]:
    if home.coordinator:
        blocks = [
            _header("Open reviews"),
            _context(
                "Yours first. *Remind* nudges every outstanding contact now · *Pack* sends you "
                "the meeting pack · *Lock* stops changes to the returns · *Close* records the "
                "outcome."
            ),
        ]
    else:
        blocks = [_header("Reviews you chair"), _context("*Pack* sends you the meeting pack.")]
    if not home.reviews:
        blocks.append(_context("No open reviews."))
    for line in home.reviews:
        blocks += _review(home, line, calendar, today, tz)
    blocks += _pager(home)
    return blocks


def _review(
    home: Home, line: ReviewLine, calendar: WorkingCalendar, today: date, tz: Any
) -> list[Block]:
    review = line.review
    whose = "yours" if review.owner == home.user_id else f"owner <@{review.owner}>"
    if review.chair == home.user_id:
        whose += " · you chair it"
    state = " · *Locked*" if review.status is ReviewStatus.LOCKED else ""
    meeting_day = review.meeting_at.astimezone(tz).date()
    received, expected = received_count(line.returns)
    lines = [
        f"*{esc(review.reference)} · {esc(excerpt(review.pseudonym, 60))}* — {whose}{state}",
        f"Meeting: {meeting_words(review.meeting_at, tz)} ({_until(calendar, meeting_day, today)})",
        f"Returns due: {due_date_in_words(review.due_date)} "
        f"({calendar.working_days_left_phrase(review.due_date, today)})",
        f"Returns received: *{received} of {expected}*",
    ]
    text = _fit_lines(lines, [_agency(r, calendar, today) for r in line.returns])
    return [_section(text), _actions(home, review), {"type": "divider"}]


def _agency(ret: AgencyReturn, calendar: WorkingCalendar, today: date) -> str:
    label = STATE_LABELS[ret.state]
    if ret.state in WAITING_STATES:
        label += f" — {calendar.working_days_left_phrase(ret.due_date, today)}"
        if today > ret.due_date:
            label = f"*{label}*"
    return f"• {esc(ret.agency_name)}: {label}"


def _fit_lines(head: Sequence[str], agencies: Sequence[str]) -> str:
    text = "\n".join(head)
    for n, line in enumerate(agencies):
        if len(text) + len(line) + 40 > _TEXT_MAX:
            return f"{text}\n…and {len(agencies) - n} more agencies (`/rrm status`)"
        text += "\n" + line
    return text


def _actions(home: Home, review: Review) -> Block:
    value = review_value(review.id)
    is_open = review.status is ReviewStatus.OPEN
    buttons = []
    if home.coordinator and is_open:
        buttons.append(_button("Remind", REMIND, value))
    buttons.append(_button("Pack", PACK, value))
    if home.coordinator and is_open:
        ref = review.reference
        confirm = {
            "title": {"type": "plain_text", "text": f"Lock {ref}?"[:100]},
            "text": {
                "type": "plain_text",
                "text": "No return can be submitted or changed after this.",
            },
            "confirm": {"type": "plain_text", "text": "Lock"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        }
        buttons.append(_button("Lock", LOCK, value, confirm=confirm))
    if home.coordinator:
        buttons.append(_button("Close", CLOSE, value))
    return {"type": "actions", "block_id": f"home_review_{review.id}", "elements": buttons}


def _pager(home: Home) -> list[Block]:
    if home.pages <= 1:
        return []
    buttons = []
    if home.page > 0:
        buttons.append(_button("Newer", PAGE, str(home.page - 1)))
    if home.page < home.pages - 1:
        buttons.append(_button("Older reviews", PAGE, str(home.page + 1)))
    return [
        {"type": "actions", "block_id": "home_pages", "elements": buttons},
    ]


def _until(calendar: WorkingCalendar, day: date, today: date) -> str:
    if day == today:
        return "today"
    if day < today:
        n = calendar.working_days_between(day, today)
        return "held" if n == 0 else f"{n} working day{'s' * (n != 1)} ago"
    n = calendar.working_days_between(today, day)
    return f"in {n} working day{'s' * (n != 1)}"


# -- small builders ------------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(
    text: str,
    action_id: str,
    value: str,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button
