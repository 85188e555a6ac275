"""Not me — pass it on (DESIGN §3, issue 8): the return's contact names a colleague and says
why; the colleague becomes the contact and gets the request, with everything saved so far.

Only the current contact may pass a return on (checked against the stored return, like every
return use case), while the review is open. The colleague must be a person of this workspace
(``users.info``: not the contact themselves, not a bot, not a deactivated account, not someone
from another organisation) and must not already answer another agency's return of the same
review: a contact speaks for their own agency, and answering two agencies' returns would let
one person see both — the coordinator can still nominate them deliberately.

The reason is stored encrypted with the delegation record (the repository does that); the audit
holds ids only, the channel note says reference, agency and old → new only, and only the owner's
DM shows the reason. Afterwards the former contact's buttons answer "This request was passed to
<@new> on <date>" (``bot.services.returns``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.messenger import DeliveryFailed, MessageRef
from bot.services import notify, reach, reminders
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, TryAgain
from bot.slack.blocks import cards
from bot.slack.blocks import delegation as blocks
from forms.records import AgencyReturn, Delegation, ReturnState, Review
from forms.text import clean_text
from storage.errors import StorageBusy

log = logging.getLogger(__name__)

DELEGATED = "return.delegated"
TO, REASON = "to", "reason"


@dataclass(frozen=True)
class Delegated:
    """The return passed on: as it now stands (the new contact), and the record."""

    review: Review
    ret: AgencyReturn
    record: Delegation


def prepare(ctx: Context, *, team_id: str, actor: str, return_id: int) -> rs.ReturnView:
    """The return, for its current contact about to pass it on (refusals as for Start)."""
    return rs.load(ctx, team_id=team_id, actor=actor, return_id=return_id)


def delegate(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    return_id: int,
    to_user: str | None,
    reason: str | None,
) -> Delegated:
    """Pass the return from ``actor`` (its contact) to ``to_user``. Raises InvalidRequest keyed
    ``to`` / ``reason`` for a colleague or reason that cannot be used (nothing changed)."""
    view = rs.load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    text = clean_text(reason or "").strip()
    problems: dict[str, str] = {}
    if not text:
        problems[REASON] = "Say in a few words why they should answer it."
    elif len(text) > blocks.MAX_REASON:
        problems[REASON] = (
            f"Keep the reason to {blocks.MAX_REASON} characters (it has {len(text)})."
        )
    colleague = _colleague_problem(ctx, view, actor, (to_user or "").strip())
    if colleague:
        problems[TO] = colleague
    if problems or not to_user:
        raise InvalidRequest(problems)
    now = ctx.now()
    try:
        with ctx.uow as uow:
            current = uow.returns.get(return_id)
            if current is None or current.contact_user_id != actor:  # passed on a moment ago
                raise NotAllowed("This request was passed on a moment ago: nothing was changed.")
            uow.returns.set_contact(return_id, to_user, now)
            record = uow.returns.add_delegation(return_id, actor, to_user, text, now)
            uow.audit.add(
                team_id,
                actor,
                DELEGATED,
                now,
                review_id=view.review.id,
                return_id=return_id,
                details={"from": actor, "to": to_user, "delegation": record.id},
            )
            ret = uow.returns.get(return_id)
            uow.commit()
    except StorageBusy:
        raise TryAgain("Couldn't pass it on just now — press Pass it on again.") from None
    assert ret is not None
    before, review = view.ret, view.review
    ctx.later(lambda: _after(ctx, review, before, ret, record))
    return Delegated(review, ret, record)


def _colleague_problem(ctx: Context, view: rs.ReturnView, actor: str, to_user: str) -> str:
    """Why ``to_user`` cannot take the return, or "" when they can."""
    if not to_user:
        return "Pick the colleague who should answer it."
    if to_user == actor:
        return "That's you: pick the colleague who should answer it instead."
    try:
        person = ctx.messenger.user_info(to_user)
    except DeliveryFailed:
        return "Couldn't check that person with Slack just now — press Pass it on again."
    if person is None:
        return "Slack doesn't know that person: pick a colleague from the list."
    who = person.name or "That person"
    if person.is_bot:
        return f"{who} is a bot, not a person: pick a colleague."
    if person.deleted:
        return f"{who}'s account is deactivated: pick a colleague who can answer it."
    if person.team_id and person.team_id != view.review.team_id:
        return f"{who} is in another organisation's workspace: pick a colleague in yours."
    with ctx.uow as uow:
        others = uow.returns.list_for_review(view.review.id)
    held = next(
        (
            r
            for r in others
            if r.id != view.ret.id
            and r.contact_user_id == to_user
            and r.state is not ReturnState.WITHDRAWN
        ),
        None,
    )
    if held is not None:
        return (
            f"{who} already answers {held.agency_name}'s return for this review: pick a "
            f"colleague in {view.ret.agency_name}, or ask the coordinator to nominate them."
        )
    return ""


def _after(
    ctx: Context, review: Review, before: AgencyReturn, ret: AgencyReturn, record: Delegation
) -> None:
    """After the commit: the old card says where it went, the new contact gets the request,
    reminders follow them, the owner is told, the status card is refreshed."""
    if before.dm_channel and before.dm_ts:
        text, shown = blocks.passed_card(review, ret, record.to_user, record.at, ctx.zone)
        try:
            ctx.messenger.update(MessageRef(before.dm_channel, before.dm_ts), text, shown)
        except DeliveryFailed as exc:
            log.warning("old request card of return %s not updated: %s", ret.id, exc.reason)
    # As any invitation: a colleague the bot cannot reach flags the return (the owner gets
    # Enter on behalf); a failure that may pass is reported to the owner.
    missed = reach.invite_or_flag(ctx, review, ret, actor=record.from_user)
    reminders.replan(ctx, review.id)
    event = f"<@{record.from_user}> passed the request to <@{record.to_user}>"
    if missed is not None:
        event += " — but it could not be delivered to them; please nominate someone else"
    note = cards.coordinator_note(review, ret.agency_name, event)
    notify.tell_owner(ctx, review, note, dm_blocks=blocks.owner_note_blocks(note, record.reason))
    notify.refresh_status_card(ctx, review.id)
