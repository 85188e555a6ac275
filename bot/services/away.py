"""Use cases of a contact's absence: "I'm away until … (deputy …)" and "I'm back".

While a contact is away, reminders meant for them go to their deputy, or wait until the first
working day after they are back (``bot.services.reminder_dispatch``); a coordinator's nudge
goes to the deputy too, or is not sent. An absence ends by itself after its last day. Setting
or ending it is audited against each request the person holds (who, what, when, the dates and
the deputy), and the owner of each open review concerned is told: reference, agency and dates
only.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from bot.messenger import DeliveryFailed
from bot.services import notify
from bot.services.context import Context
from bot.services.errors import InvalidRequest, TryAgain
from bot.slack.blocks import away as blocks
from forms.records import Absence, AgencyReturn, JSONValue, ReturnState, Review, ReviewStatus
from storage.errors import StorageBusy
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)
AWAY, BACK = "contact.away", "contact.back"
MAX_AHEAD = timedelta(days=366)


def current(ctx: Context, *, team_id: str, user_id: str) -> Absence | None:
    """The person's absence if it has not ended."""
    with ctx.uow as uow:
        absence = uow.absences.get(team_id, user_id)
    return absence if absence is not None and absence.active_on(ctx.today()) else None


def check(
    ctx: Context, *, team_id: str, actor: str, until: date | None, deputy: str | None
) -> dict[str, str]:
    """The problems of an absence as asked (keyed ``until`` / ``deputy``), none when fine."""
    problems: dict[str, str] = {}
    today = ctx.today()
    if until is None:
        problems["until"] = "Give your last day away, e.g. until=2026-12-11."
    elif until <= today:
        problems["until"] = "That day is not in the future: give your last day away."
    elif until > today + MAX_AHEAD:
        problems["until"] = "Give a day within the next year."
    if deputy is not None:
        problem = _deputy_problem(ctx, team_id, actor, deputy)
        if problem:
            problems["deputy"] = problem
    return problems


def _deputy_problem(ctx: Context, team_id: str, actor: str, deputy: str) -> str | None:
    if deputy == actor:
        return "Your deputy must be someone else."
    try:
        user = ctx.messenger.user_info(deputy)
    except DeliveryFailed:
        return None  # Slack can't say now: a reminder that cannot reach them tells the owner
    if user is None:
        return "Slack knows no such person: pick your deputy from the list."
    if user.is_bot:
        return "A bot can't be a deputy: name a person."
    if user.deleted:
        return "That account is deactivated: name someone else."
    if user.team_id and user.team_id != team_id:
        return "Your deputy must be in this workspace."
    return None


def set_away(
    ctx: Context, *, team_id: str, actor: str, until: date | None, deputy: str | None
) -> tuple[Absence, int]:
    """Record that ``actor`` is away until ``until`` (inclusive), with an optional deputy.
    Returns the absence and how many open reviews' owners are told. Raises InvalidRequest."""
    problems = check(ctx, team_id=team_id, actor=actor, until=until, deputy=deputy)
    if problems or until is None:
        raise InvalidRequest(problems)
    now = ctx.now()
    details: dict[str, JSONValue] = {"until": until.isoformat(), "deputy": deputy}
    try:
        with ctx.uow as uow:
            absence = uow.absences.set(team_id, actor, until, deputy, now)
            held = _held(uow, team_id, actor)
            _audit(uow, team_id, actor, AWAY, held, details, now)
            uow.commit()
    except StorageBusy:
        raise TryAgain("The database was busy; nothing changed — try again.") from None
    ctx.later(lambda: _tell_owners(ctx, held, absence))
    return absence, len({review.id for review, _ in held})


def set_back(ctx: Context, *, team_id: str, actor: str) -> bool:
    """End ``actor``'s absence now; whether they were away."""
    if current(ctx, team_id=team_id, user_id=actor) is None:
        return False
    now = ctx.now()
    try:
        with ctx.uow as uow:
            uow.absences.clear(team_id, actor)
            held = _held(uow, team_id, actor)
            _audit(uow, team_id, actor, BACK, held, {}, now)
            uow.commit()
    except StorageBusy:
        raise TryAgain("The database was busy; nothing changed — try again.") from None
    ctx.later(lambda: _tell_owners(ctx, held, None))
    return True


def _held(uow: UnitOfWork, team_id: str, user_id: str) -> list[tuple[Review, AgencyReturn]]:
    """The returns the person is the contact of in the team's open reviews."""
    found: list[tuple[Review, AgencyReturn]] = []
    reviews: dict[int, Review | None] = {}
    for ret in uow.returns.list_for_contact(team_id, user_id):
        if ret.review_id not in reviews:
            reviews[ret.review_id] = uow.reviews.get(ret.review_id)
        review = reviews[ret.review_id]
        if review and review.status is ReviewStatus.OPEN and ret.state is not ReturnState.WITHDRAWN:
            found.append((review, ret))
    return found


def _audit(
    uow: UnitOfWork,
    team_id: str,
    actor: str,
    action: str,
    held: list[tuple[Review, AgencyReturn]],
    details: dict[str, JSONValue],
    now: datetime,
) -> None:
    """One row per request held (so that each review's audit shows it), or one for the team
    when the person holds none."""
    if not held:
        uow.audit.add(team_id, actor, action, now, details=details)
    for review, ret in held:
        more: dict[str, JSONValue] = {**details, "agency": ret.agency_key}
        uow.audit.add(
            team_id, actor, action, now, review_id=review.id, return_id=ret.id, details=more
        )


def _tell_owners(
    ctx: Context, held: list[tuple[Review, AgencyReturn]], absence: Absence | None
) -> None:
    for review, ret in held:
        note = blocks.owner_note(review, ret.agency_name, absence, ctx.calendar)
        notify.tell_owner(ctx, review, note)
