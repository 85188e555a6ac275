"""Use cases of the meeting pack (DESIGN §3 "The pack", §5): compile and deliver it, the owner's
draft with Release to chair / Hold, the chair's copy, ``/rrm pack REF [to=@a,@b]``, the case
summary, and telling the owner when a return changes after a pack went out.

Only the review's chair and coordinators get the pack, and people a coordinator names; every
role is checked against the stored review and the settings, never the payload. The bot keeps no
pack content: a pack record holds its version, recipients, sha256 and Slack file ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from bot.messenger import DeliveryFailed
from bot.services import notify
from bot.services import pack_history as history
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed
from bot.services.pack_build import SYSTEM, CompiledPack, compile_pack, load_review
from bot.services.pack_delivery import Delivery, deliver
from bot.services.pack_summary import set_summary, summary_of
from bot.services.reviews import require_coordinator
from bot.slack.blocks import pack_cards
from forms.records import RECEIVED_STATES, AgencyReturn, PackKind, PackRelease, Review

__all__ = [
    "SYSTEM",
    "CompiledPack",
    "Delivery",
    "PackRequest",
    "Released",
    "chair_delivery_at",
    "compile_pack",
    "deliver",
    "deliver_to_chair",
    "draft_delivery_at",
    "fulfil",
    "hold",
    "note_change_after_pack",
    "plan_request",
    "release",
    "request_pack",
    "send_draft_to_owner",
    "set_summary",
    "summary_of",
]

log = logging.getLogger(__name__)
MAX_NAMED = 20
MAX_ATTENDEES, MAX_ATTENDEE = 50, 200
PACK_TIME = time(9, 0)


# -- /rrm pack REF [to=@a,@b] -------------------------------------------------------------


@dataclass(frozen=True)
class PackRequest:
    """A checked request for a pack: who asked, who gets it, and as what kind."""

    review: Review
    actor: str
    kind: PackKind
    recipients: tuple[str, ...]


def plan_request(
    ctx: Context, *, team_id: str, actor: str, reference: str, to: Sequence[str] | None = None
) -> PackRequest:
    """Check a ``/rrm pack`` request before the slow part: the chair and coordinators get the
    pack in their own DM; only coordinators name others (``to``), who must be people of this
    workspace. Raises NotFound, NotAllowed or InvalidRequest."""
    review = load_review(ctx, team_id, reference)
    if not to:
        if actor != review.chair and not ctx.is_coordinator(actor):
            raise NotAllowed(
                f"Only the chair of {review.reference} and partnership coordinators can get "
                "its meeting pack."
            )
        return PackRequest(review, actor, PackKind.REQUESTED, (actor,))
    if not ctx.is_coordinator(actor):
        raise NotAllowed("Only partnership coordinators can send the meeting pack to others.")
    named = tuple(dict.fromkeys(to))
    if len(named) > MAX_NAMED:
        raise InvalidRequest({"to": f"Name at most {MAX_NAMED} people."})
    for user in named:
        problem = _unreachable(ctx, user, team_id)
        if problem:
            raise InvalidRequest({"to": f"I can't send the pack to <@{user}>: {problem}."})
    return PackRequest(review, actor, PackKind.NAMED, named)


def _unreachable(ctx: Context, user_id: str, team_id: str) -> str | None:
    try:
        user = ctx.messenger.user_info(user_id)
    except DeliveryFailed:
        return None  # Slack can't say now: the upload will, and the owner is told
    if user is None:
        return "Slack knows no such person"
    if user.deleted:
        return "the account is deactivated"
    if user.is_bot:
        return "that is a bot, not a person"
    if user.team_id and user.team_id != team_id:
        return "they belong to another workspace"
    return None


def fulfil(ctx: Context, request: PackRequest) -> Delivery:
    """Compile the pack for a checked request and deliver it (takes seconds)."""
    review = request.review
    compiled = compile_pack(
        ctx,
        team_id=review.team_id,
        actor=request.actor,
        reference_or_id=review.id,
        kind=request.kind,
        recipients=request.recipients,
    )
    return deliver(ctx, compiled, request.recipients)


def request_pack(
    ctx: Context, *, team_id: str, actor: str, reference: str, to: Sequence[str] | None = None
) -> Delivery:
    """``/rrm pack REF [to=@a,@b]``: check, compile and deliver (see ``plan_request``)."""
    return fulfil(ctx, plan_request(ctx, team_id=team_id, actor=actor, reference=reference, to=to))


# -- the owner's draft, release, hold, the chair's copy -----------------------------------


def _at_nine(ctx: Context, review: Review, working_days_before: int) -> datetime:
    meeting_day = review.meeting_at.astimezone(ctx.zone).date()
    day = ctx.calendar.add_working_days(meeting_day, -working_days_before)
    return datetime.combine(day, PACK_TIME, tzinfo=ctx.zone)


def draft_delivery_at(ctx: Context, review: Review) -> datetime:
    """When the owner gets the draft: 09:00 two working days before the meeting."""
    return _at_nine(ctx, review, 2)


def chair_delivery_at(ctx: Context, review: Review) -> datetime:
    """When the chair gets a released pack: 09:00 one working day before the meeting."""
    return _at_nine(ctx, review, 1)


def send_draft_to_owner(ctx: Context, review_id: int) -> Delivery:
    """The draft pack into the owner's DM, then a message with Release to chair / Hold."""
    review = _review(ctx, review_id)
    compiled = compile_pack(
        ctx,
        team_id=review.team_id,
        actor=SYSTEM,
        reference_or_id=review.id,
        kind=PackKind.DRAFT,
        recipients=[review.owner],
    )
    delivery = deliver(ctx, compiled, [review.owner])
    if delivery.delivered:
        auto = ctx.config.partnership.pack_auto_release
        text, blocks = pack_cards.draft_message(
            review,
            compiled.version,
            chair_at=chair_delivery_at(ctx, review),
            tz=ctx.zone,
            auto=auto,
        )
        try:
            ctx.messenger.dm(review.owner, text, blocks)
        except DeliveryFailed as exc:
            log.warning("release buttons for review %s not sent: %s", review.id, exc.reason)
    return delivery


@dataclass(frozen=True)
class Released:
    """A release: when the chair gets the pack, or the delivery made at once."""

    review: Review
    chair_at: datetime
    delivery: Delivery | None


def release(ctx: Context, *, actor: str, review_id: int, team_id: str | None = None) -> Released:
    """Release the pack to the chair (coordinators only). Within a working day of the meeting
    the chair gets a fresh pack at once; otherwise the sweep calls ``deliver_to_chair``."""
    review = _decide(ctx, actor, review_id, team_id, PackRelease.RELEASED, history.RELEASED)
    chair_at = chair_delivery_at(ctx, review)
    delivery = _to_chair(ctx, review, actor) if ctx.now() >= chair_at else None
    return Released(review, chair_at, delivery)


def hold(ctx: Context, *, actor: str, review_id: int, team_id: str | None = None) -> Review:
    """Hold the pack: the chair does not get it until it is released (coordinators only)."""
    return _decide(ctx, actor, review_id, team_id, PackRelease.HELD, history.HELD)


def deliver_to_chair(ctx: Context, review_id: int, *, actor: str = SYSTEM) -> Delivery | None:
    """The sweep's chair delivery: a fresh released pack to the chair, unless the chair already
    has one (None). Refused (NotAllowed) while it is not released, unless the partnership file
    sets ``pack_auto_release: true``."""
    review = _review(ctx, review_id)
    auto = ctx.config.partnership.pack_auto_release
    if review.pack_release is not PackRelease.RELEASED and not auto:
        state = "held" if review.pack_release is PackRelease.HELD else "not released yet"
        raise NotAllowed(f"The meeting pack of {review.reference} is {state}.")
    with ctx.uow as uow:
        packs = uow.packs.list_for_review(review.id)
    if any(
        p.kind is PackKind.RELEASED and review.chair in p.recipients and p.file_ids for p in packs
    ):
        return None
    return _to_chair(ctx, review, actor)


def _to_chair(ctx: Context, review: Review, actor: str) -> Delivery:
    compiled = compile_pack(
        ctx,
        team_id=review.team_id,
        actor=actor,
        reference_or_id=review.id,
        kind=PackKind.RELEASED,
        recipients=[review.chair],
    )
    return deliver(ctx, compiled, [review.chair])


def _review(ctx: Context, review_id: int, team_id: str | None = None) -> Review:
    with ctx.uow as uow:
        review = uow.reviews.get(review_id)
    if review is None or team_id not in (None, review.team_id):
        raise NotAllowed("This pack isn't yours to decide on, or no longer exists.")
    return review


def _decide(
    ctx: Context, actor: str, review_id: int, team_id: str | None, state: PackRelease, action: str
) -> Review:
    require_coordinator(ctx, actor)
    review = _review(ctx, review_id, team_id)
    now = ctx.now()
    with ctx.uow as uow:
        review = uow.reviews.set_pack_release(review.id, state)
        uow.audit.add(review.team_id, actor, action, now, review_id=review.id)
        uow.commit()
    return review


# -- changes after a pack went out --------------------------------------------------------


def note_change_after_pack(
    ctx: Context, review: Review, ret: AgencyReturn, section_id: str
) -> bool:
    """After a page of a received return was saved: if a pack went out before, tell the owner
    "RR-… (Child A): <agency> changed section X since pack vN" — once per return and pack
    version (audited ``pack.change_noted``). True if the owner was told."""
    if ret.state not in RECEIVED_STATES:
        return False
    with ctx.uow as uow:
        if uow.packs.latest(review.id) is None:
            return False  # no pack yet: no need to read the audit log on every save
        audit = uow.audit.list_for_review(review.id)
        last = history.last_out(audit)
        if last is None or history.already_noted(audit, ret.id, last.version):
            return False
        if (ret.id, section_id) not in history.saves_after(audit, last.compiled_entry, ret.id):
            return False
        if not uow.requests.claim(f"pack-change:{ret.id}:{last.version}", ctx.now()):
            return False
        uow.audit.add(
            review.team_id,
            SYSTEM,
            history.CHANGE_NOTED,
            ctx.now(),
            review_id=review.id,
            return_id=ret.id,
            details={"version": last.version, "section": section_id},
        )
        uow.commit()
    note = pack_cards.change_note(review, ret.agency_name, section_id, last.version)
    notify.tell_owner(ctx, review, note)
    return True
