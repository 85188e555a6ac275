"""Contacts the bot cannot reach in Slack (DESIGN §3, issue 9): not found by id or email,
deactivated, a guest or an external (Slack Connect) person that Slack will not open a DM with.

``invite_or_flag`` is the one way a contact is sent its request card: when Slack takes it, the
return is recorded as invited; when the contact cannot be reached, the return is flagged
(``returns.unreachable``), audited, and the owner is told at once — in their DM with **Enter on
behalf**, in the coordinator channel with the reference, agency and reason only. A failure that
may pass (rate limits, Slack down) is reported but not flagged: the invitation is tried again.
Someone Slack *can* reach — a guest or a Slack Connect person included — is invited like anyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.messenger import DeliveryFailed
from bot.services import notify, reminders
from bot.services.context import Context
from bot.slack.blocks import cards
from bot.slack.blocks import on_behalf as blocks
from forms.records import AgencyReturn, Review

log = logging.getLogger(__name__)

ACTION = "return.unreachable"


@dataclass(frozen=True)
class Unreachable:
    """Why a contact cannot be reached: ``kind`` a short id for the audit, ``words`` for people."""

    kind: str
    words: str


def not_found_by_email(email: str) -> Unreachable:
    """No Slack user has the contact's email address (``users.lookupByEmail``)."""
    return Unreachable(
        "not_found", f"no Slack user has {email} — they may be outside this workspace"
    )


NO_CONTACT = Unreachable("no_contact", "the partnership file names no contact for the agency")


def explain(ctx: Context, review: Review, user_id: str, failed: DeliveryFailed) -> Unreachable:
    """What a refused DM means, in plain words (looking the person up when Slack's code alone
    does not say whether they are a guest, of another organisation or gone)."""
    code = failed.code
    if code == "user_not_found":
        return Unreachable(
            "not_found", f"Slack knows no user {user_id} — they may be outside this workspace"
        )
    if code == "user_disabled":
        return Unreachable("deactivated", "the Slack account is deactivated")
    if code == "other_workspace":
        return Unreachable(
            "external",
            "they are in another organisation's Slack and share no channel with this app",
        )
    try:
        person = ctx.messenger.user_info(user_id)
    except DeliveryFailed:
        person = None
    said = failed.reason  # Slack's refusal in plain English (bot.slack.client.refusal)
    if person is None:
        return Unreachable("refused", said)
    if person.deleted:
        return Unreachable("deactivated", "the Slack account is deactivated")
    if person.is_bot:
        return Unreachable("bot", "that is a bot, not a person")
    if person.team_id and person.team_id != review.team_id:
        return Unreachable(
            "external",
            "they are an external (Slack Connect) user whose organisation does not let this "
            f"app message them ({said})",
        )
    if person.guest:
        return Unreachable(
            "guest", f"they are a guest in this workspace and the app cannot message them ({said})"
        )
    return Unreachable("refused", said)


def invite_or_flag(
    ctx: Context,
    review: Review,
    ret: AgencyReturn,
    *,
    actor: str,
    known: Unreachable | None = None,
) -> Unreachable | DeliveryFailed | None:
    """DM the return's contact its request card. None when delivered; the reason it was not
    otherwise — an ``Unreachable`` (the return flagged, the owner told with Enter on behalf) or
    the ``DeliveryFailed`` of a failure that may pass (the owner told; nothing flagged).
    ``known`` is a reason found before any DM was tried (an email no Slack user has)."""
    why = known or (NO_CONTACT if ret.contact_user_id is None else None)
    if why is None:
        assert ret.contact_user_id is not None
        try:
            ref = notify.send_request_card(ctx, review, ret)
        except DeliveryFailed as exc:
            if exc.transient:
                note = f"request not delivered: {exc.reason}"
                notify.tell_owner(
                    ctx, review, cards.coordinator_note(review, ret.agency_name, note)
                )
                return exc
            why = explain(ctx, review, ret.contact_user_id, exc)
        else:
            _invited(ctx, review, ret, ref.channel, ref.ts, actor)
            return None
    flag(ctx, review, ret, why, actor=actor)
    return why


def _invited(
    ctx: Context, review: Review, ret: AgencyReturn, channel: str, ts: str, actor: str
) -> None:
    now = ctx.now()
    with ctx.uow as uow:
        uow.returns.set_dm_card(ret.id, channel, ts, now)
        if ret.unreachable is not None:  # a new contact who can be reached
            uow.returns.set_unreachable(ret.id, None, now)
        uow.audit.add(
            review.team_id,
            actor,
            "return.invited",
            now,
            review_id=review.id,
            return_id=ret.id,
            details={"agency": ret.agency_key, "contact": ret.contact_user_id},
        )
        uow.commit()
    if ret.unreachable is not None:
        notify.refresh_status_card(ctx, review.id)


def flag(
    ctx: Context, review: Review, ret: AgencyReturn, why: Unreachable, *, actor: str
) -> AgencyReturn:
    """Record that the return's contact cannot be reached, audit it (ids and the kind only),
    tell the owner at once with Enter on behalf, and show it on the status card. A return
    already flagged for the same reason is left as it is: the owner was told then."""
    if ret.unreachable == why.words:
        return ret
    now = ctx.now()
    with ctx.uow as uow:
        flagged = uow.returns.set_unreachable(ret.id, why.words, now)
        uow.audit.add(
            review.team_id,
            actor,
            ACTION,
            now,
            review_id=review.id,
            return_id=ret.id,
            details={"agency": ret.agency_key, "contact": ret.contact_user_id, "why": why.kind},
        )
        uow.commit()
    tell_owner(ctx, review, flagged, why.words)
    notify.refresh_status_card(ctx, review.id)
    reminders.replan(ctx, review.id)  # nothing more goes to the unreachable contact
    return flagged


def tell_owner(ctx: Context, review: Review, ret: AgencyReturn, reason: str) -> None:
    """The owner's DM with Enter on behalf; the coordinator channel (if set) gets the note."""
    text, note_blocks = blocks.unreachable_note(review, ret, reason)
    try:
        ctx.messenger.dm(review.owner, text, note_blocks)
    except DeliveryFailed as exc:
        log.warning("note to the owner of review %s failed: %s", review.id, exc.reason)
    channel = ctx.config.partnership.coordinator_channel
    if channel:
        try:
            ctx.messenger.post(channel, text)
        except DeliveryFailed as exc:
            log.warning("coordinator channel note failed: %s", exc.reason)
