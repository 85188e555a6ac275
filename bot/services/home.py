"""App Home: what each person sees on the bot's Home tab, and publishing it again when
something changes.

A contact sees their requests (the returns they are the current contact of, in reviews not
closed) with Start / Continue / Edit; coordinators see every open or locked review of the team,
their own first, and a chair the reviews they chair, with the buttons their role allows. Roles
come from the settings and the stored reviews each time the Home is built, and every button
is checked again by the service it calls. Never any answer text.

Publishing never breaks the request that caused it: ``republish_review`` runs after the
request (``ctx.later``), only for people whose Home this process has published (Slack sends
``app_home_opened`` each time someone opens the tab, which publishes it afresh; keeping unseen
Homes fresh cost a third of the bot's CPU under load, see bench/README.md), one publish per
person however many changes came in meanwhile (``Context.homes``), and a publish Slack
refuses is logged and dropped — the person's next visit to the tab shows the Home afresh. A
button pressed on the Home answers as a notice at its top; for a few seconds after,
republishing leaves that person's Home alone (the notice's publish already showed what they
changed).
"""

from __future__ import annotations

import logging

from bot.messenger import DeliveryFailed
from bot.services.context import Context
from bot.slack.blocks import home as blocks
from bot.slack.blocks.home import Home, Request, ReviewLine
from forms.records import ReturnState, Review, ReviewStatus
from forms.status import WAITING_STATES
from storage.errors import StorageBusy

log = logging.getLogger(__name__)
SHOWN = (ReviewStatus.OPEN, ReviewStatus.LOCKED)
REVIEWS_PER_PAGE = blocks.REVIEWS_PER_PAGE
NOTICE_KEPT = 5.0
"""Seconds after a Home was published with a notice during which no republish replaces it."""
__all__ = ["Home", "Request", "ReviewLine", "load", "publish", "republish_review", "schedule"]


def load(
    ctx: Context, *, team_id: str, user_id: str, page: int = 0, notice: str | None = None
) -> Home:
    """The person's Home as the database has it now."""
    coordinator = ctx.is_coordinator(user_id)
    today = ctx.today()
    with ctx.uow as uow:
        reviews: dict[int, Review | None] = {}
        requests = []
        for ret in uow.returns.list_for_contact(team_id, user_id):
            if ret.review_id not in reviews:
                reviews[ret.review_id] = uow.reviews.get(ret.review_id)
            review = reviews[ret.review_id]
            if review and review.status in SHOWN and ret.state is not ReturnState.WITHDRAWN:
                requests.append(Request(review, ret))
        listed = uow.reviews.list_for_team(team_id, SHOWN)
        visible = [r for r in listed if coordinator or r.chair == user_id]
        visible.sort(key=lambda r: (r.owner != user_id, -r.id))  # their own first, newest first
        pages = max(1, -(-len(visible) // REVIEWS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = visible[page * REVIEWS_PER_PAGE : (page + 1) * REVIEWS_PER_PAGE]
        lines = tuple(ReviewLine(r, tuple(uow.returns.list_for_review(r.id))) for r in shown)
        away = uow.absences.get(team_id, user_id)
    requests.sort(key=lambda q: (q.ret.state not in WAITING_STATES, q.ret.due_date, q.ret.id))
    return Home(
        user_id=user_id,
        coordinator=coordinator,
        requests=tuple(requests),
        reviews=lines,
        page=page,
        pages=pages,
        chaired=any(r.chair == user_id for r in listed),
        away=away if away is not None and away.active_on(today) else None,
        notice=notice,
    )


def view_of(ctx: Context, home: Home) -> dict[str, object]:
    """The Block Kit ``home`` view of ``home``."""
    return blocks.home_view(
        home,
        calendar=ctx.calendar,
        today=ctx.today(),
        tz=ctx.zone,
        partnership=ctx.config.partnership.name,
    )


def publish(
    ctx: Context, *, team_id: str, user_id: str, page: int = 0, notice: str | None = None
) -> bool:
    """Build and publish the person's Home; False (logged) when Slack or the database would
    not let it be done now."""
    try:
        home = load(ctx, team_id=team_id, user_id=user_id, page=page, notice=notice)
        ctx.messenger.publish_home(user_id, view_of(ctx, home))
        ctx.homes.shown((team_id, user_id))
        if notice:
            ctx.homes.noticed((team_id, user_id))
    except DeliveryFailed as exc:
        log.warning("App Home not published: %s", exc.reason)
        return False
    except StorageBusy:
        log.warning("App Home not published: the database was busy")
        return False
    return True


def schedule(ctx: Context, team_id: str, user_id: str) -> None:
    """Publish the person's Home after the request, unless a publish is already waiting (it
    will show this change too), or unless it was just published with a notice: that publish
    showed the change the person made, and this one would wipe the notice."""
    key = (team_id, user_id)
    if not ctx.homes.claim(key):
        return

    def run() -> None:
        ctx.homes.started(key)
        if not ctx.homes.noticed_within(key, NOTICE_KEPT):
            publish(ctx, team_id=team_id, user_id=user_id)

    ctx.later(run)


def republish_review(ctx: Context, review_id: int) -> None:
    """After a change to a review: the Home of everyone concerned — its owner, chair and
    contacts, whoever passed one of its requests on (it leaves their Home), and every
    coordinator (they see every review)."""
    try:
        with ctx.uow as uow:
            review = uow.reviews.get(review_id)
            returns = uow.returns.list_for_review(review_id) if review else []
            passed = [d.from_user for r in returns for d in uow.returns.delegations(r.id)]
    except StorageBusy:
        log.warning("App Homes of review %s not republished: the database was busy", review_id)
        return
    if review is None:
        return
    contacts = [r.contact_user_id for r in returns if r.contact_user_id]
    people = [review.owner, review.chair, *contacts, *passed, *sorted(ctx.coordinators)]
    for user_id in dict.fromkeys(people):
        schedule(ctx, review.team_id, user_id)
