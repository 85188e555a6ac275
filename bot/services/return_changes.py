"""Changing which agencies a review asks, and by when (issue 8): ``/rrm add`` (an agency from
the partnership file, or a new one by name), ``/rrm extend`` (one return's due date) and
``/rrm remove`` (the return is withdrawn: not counted, not reminded, kept in the audit).

Coordinators only (the settings say who, never the payload), on an open review of their own
team. Nothing changes when anything is wrong. Each change is audited with ids, dates and
states only — an extension's reason is stored encrypted with the return, and the audit keeps
its length. After the commit: reminders re-planned, the status card and the contact's card
updated, the contact told, and the owner told when someone else made the change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.messenger import DeliveryFailed, MessageRef
from bot.services import notify, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest
from bot.services.lifecycle import find_review
from bot.services.returns import form_of
from bot.services.reviews import require_coordinator
from bot.slack.blocks import cards
from bot.slack.blocks import change_cards as texts
from bot.slack.grammar_changes import AgencyName
from forms.parsing import JSONValue
from forms.partnership import EmailContact
from forms.records import (
    RECEIVED_STATES,
    AgencyReturn,
    AuditEntry,
    NewReturn,
    ReturnState,
    Review,
)
from forms.records import ReviewStatus as Stored

log = logging.getLogger(__name__)

ADDED, REINSTATED = "return.added", "return.reinstated"
EXTENDED, WITHDRAWN = "return.extended", "return.withdrawn"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Changed:
    """What a change did, and the coordinator's reply."""

    review: Review
    ret: AgencyReturn
    text: str


def open_review(ctx: Context, team_id: str, actor: str, reference: str) -> Review:
    """The open review a coordinator is changing (NotAllowed, NotFound, InvalidRequest)."""
    require_coordinator(ctx, actor)
    review = find_review(ctx, team_id, reference)
    if review.status is not Stored.OPEN:
        raise InvalidRequest(
            {"reference": f"{review.reference} is {review.status.value}: it can't be changed."}
        )
    return review


def returns_of(ctx: Context, review: Review) -> list[AgencyReturn]:
    with ctx.uow as uow:
        return uow.returns.list_for_review(review.id)


def find_return(returns: list[AgencyReturn], review: Review, agency: AgencyName) -> AgencyReturn:
    """The review's return of ``agency`` (by id, or by name when it was typed in quotes)."""
    wanted = agency.text.casefold()
    for ret in returns:
        if ret.agency_key == wanted or (agency.quoted and ret.agency_name.casefold() == wanted):
            return ret
    asked = ", ".join(f"{r.agency_key}" for r in returns)
    raise InvalidRequest(
        {"agency": f"{review.reference} asks no agency `{agency.text}`. Its agencies: {asked}."}
    )


def _tell_owner_unless(ctx: Context, review: Review, actor: str, note: str) -> None:
    if actor != review.owner:
        notify.tell_owner(ctx, review, note)


# -- /rrm add -----------------------------------------------------------------------------


def add(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    reference: str,
    agency: AgencyName,
    contact: str | None,
) -> Changed:
    """Ask one more agency for a return — or ask a withdrawn one again, its saved answers and
    state restored. A new agency (a name in quotes) is recorded for the partnership."""
    review = open_review(ctx, team_id, actor, reference)
    returns = returns_of(ctx, review)
    key, name, new_agency = _agency(ctx, review, returns, agency)
    existing = next((r for r in returns if r.agency_key == key), None)
    if existing is not None and existing.state is not ReturnState.WITHDRAWN:
        raise InvalidRequest(
            {
                "agency": f"{existing.agency_name} is already asked in {review.reference} "
                f"({cards.STATE_LABELS[existing.state]})."
            }
        )
    user = contact or _default_contact(ctx, review, key)
    due = max(review.due_date, ctx.today())
    now = ctx.now()
    details: dict[str, JSONValue] = {"agency": key, "contact": user}
    with ctx.uow as uow:
        uow.partnerships.ensure_agency(review.partnership_id, key, name)
        if existing is None:
            sections = [s.id for s in form_of(review).sections]
            ret = uow.returns.add(review.id, NewReturn(key, user, due), sections, now)
            action, details["new_agency"] = ADDED, new_agency
        else:
            state = _state_before_withdrawal(uow.audit.list_for_review(review.id), existing)
            uow.returns.set_contact(existing.id, user, now)
            uow.returns.set_dm_card(existing.id, None, None, now)
            ret = uow.returns.set_state(existing.id, state, now)
            action, details["state"] = REINSTATED, state.value
        uow.audit.add(
            team_id, actor, action, now, review_id=review.id, return_id=ret.id, details=details
        )
        uow.commit()
    reminders.replan(ctx, review.id)
    notify.refresh_status_card(ctx, review.id)
    problem = _deliver(ctx, review, ret, actor)
    again = existing is not None
    _tell_owner_unless(ctx, review, actor, texts.added_note(review, ret, actor, again))
    text = texts.added_reply(review, ret, new_agency=new_agency, again=again)
    if problem:
        text += f"\n⚠ The request could not be delivered: {problem}."
    return Changed(review, ret, text)


def _agency(
    ctx: Context, review: Review, returns: list[AgencyReturn], agency: AgencyName
) -> tuple[str, str, bool]:
    """(key, name, whether it is new to the partnership) of the agency to add."""
    listed = ctx.config.partnership.agencies
    if not agency.quoted:
        spec = ctx.config.partnership.agency(agency.text)
        if spec is not None:
            return spec.id, spec.name, False
        with ctx.uow as uow:
            known = uow.partnerships.get_agency(review.partnership_id, agency.text)
        if known is not None:  # added by name to an earlier review
            return known.key, known.name, False
        raise InvalidRequest(
            {
                "agency": f"There is no agency `{agency.text}` in the partnership file "
                f"(its agencies: {', '.join(a.id for a in listed)}). A new agency goes by name, "
                f'in quotes, with its contact: /rrm add {review.reference} "St Mary\'s Primary" '
                "@head"
            }
        )
    wanted = agency.text.casefold()
    for spec in listed:
        if spec.name.casefold() == wanted:
            return spec.id, spec.name, False
    for ret in returns:
        if ret.agency_name.casefold() == wanted:
            return ret.agency_key, ret.agency_name, False
    return _new_key(ctx, review, agency.text), agency.text, True


def _new_key(ctx: Context, review: Review, name: str) -> str:
    """A slug of the name that no other agency of the partnership uses."""
    base = _NOT_SLUG.sub("-", name.casefold()).strip("-")[:40].strip("-") or "agency"
    if not base[0].isalpha():
        base = f"agency-{base}"[:40]
    taken = {a.id for a in ctx.config.partnership.agencies}
    with ctx.uow as uow:
        stored = {a.key: a.name for a in uow.partnerships.list_agencies(review.partnership_id)}
    key, n = base, 1
    while key in taken or (key in stored and stored[key] != name):
        n += 1
        key = f"{base[:36]}-{n}"
    return key


def _default_contact(ctx: Context, review: Review, key: str) -> str:
    """The partnership file's first contact of the agency (an email looked up in Slack)."""
    spec = ctx.config.partnership.agency(key)
    contact = spec.contacts[0] if spec else None
    fix = f"name one: /rrm add {review.reference} {key} @person"
    if isinstance(contact, EmailContact):
        try:
            found = ctx.messenger.lookup_email(contact.email)
        except DeliveryFailed as exc:
            raise InvalidRequest(
                {"agency": f"Its contact can't be looked up ({exc.reason}); {fix}."}
            ) from None
        if found is None:
            raise InvalidRequest(
                {"agency": f"No Slack user has its contact's email address; {fix}."}
            )
        return found
    if contact is None:
        raise InvalidRequest({"agency": f"The partnership file names no contact for it; {fix}."})
    return contact


def _state_before_withdrawal(audit: Sequence[AuditEntry], ret: AgencyReturn) -> ReturnState:
    for entry in reversed(audit):
        if entry.return_id == ret.id and entry.action == WITHDRAWN:
            try:
                return ReturnState(str(entry.details.get("previous_state")))
            except ValueError:
                break
    return ReturnState.IN_PROGRESS if ret.submitted_at else ReturnState.INVITED


def _deliver(ctx: Context, review: Review, ret: AgencyReturn, actor: str) -> str | None:
    """DM the contact at once: the request card (the open flow's invitation, audited), or
    for a return asked again that was already started, its current card."""
    if ret.state is ReturnState.INVITED:
        return notify.invite_contacts(ctx, review.id, actor=actor).get(ret.agency_key)
    try:
        ref = notify.send_request_card(ctx, review, ret)
    except DeliveryFailed as exc:
        return exc.reason
    with ctx.uow as uow:
        uow.returns.set_dm_card(ret.id, ref.channel, ref.ts, ctx.now())
        uow.commit()
    return None


# -- /rrm extend --------------------------------------------------------------------------


def extend(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    reference: str,
    agency: AgencyName,
    due: date,
    reason: str,
) -> Changed:
    """Give one return a new due date (with the reason, stored encrypted); its reminders
    follow it, its contact is told."""
    review = open_review(ctx, team_id, actor, reference)
    ret = find_return(returns_of(ctx, review), review, agency)
    meeting = review.meeting_at.astimezone(ctx.zone).date()
    problem = None
    if ret.state is ReturnState.WITHDRAWN:
        problem = f"It was withdrawn: `/rrm add {review.reference} {ret.agency_key}` asks again."
    elif ret.state in RECEIVED_STATES:
        problem = f"Its return is already {cards.STATE_LABELS[ret.state]}: nothing to extend."
    elif due < ctx.today():
        problem = "That date has passed: give today or a later date."
    elif due > meeting:
        problem = (
            f"That is after the meeting ({meeting:%d/%m/%Y}): give a date on or before "
            f"it, or move the meeting first with /rrm edit {review.reference} meeting=…"
        )
    elif due == ret.due_date:
        problem = f"It is already due on {due:%d/%m/%Y}."
    if problem:
        raise InvalidRequest({"due": f"{ret.agency_name}: {problem}"})
    now, was = ctx.now(), ret.due_date
    with ctx.uow as uow:
        ret = uow.returns.set_due(ret.id, due, reason, now)
        uow.audit.add(
            team_id,
            actor,
            EXTENDED,
            now,
            review_id=review.id,
            return_id=ret.id,
            details={
                "agency": ret.agency_key,
                "due": due.isoformat(),
                "previous_due": was.isoformat(),
                "reason_characters": len(reason),
            },
        )
        uow.commit()
    reminders.replan(ctx, review.id)
    notify.refresh_status_card(ctx, review.id)
    notify.update_request_card(ctx, review, ret)
    if ret.contact_user_id:
        try:
            ctx.messenger.dm(ret.contact_user_id, texts.extended_dm(review, ret, reason))
        except DeliveryFailed as exc:
            log.warning("extension of return %s not told to its contact: %s", ret.id, exc.reason)
    _tell_owner_unless(ctx, review, actor, texts.extended_note(review, ret, actor))
    return Changed(review, ret, texts.extended_reply(review, ret, was))


# -- /rrm remove --------------------------------------------------------------------------


def remove(
    ctx: Context, *, team_id: str, actor: str, reference: str, agency: AgencyName
) -> Changed:
    """Withdraw one return: no longer counted in n/m nor reminded, its card says so and its
    buttons are refused; it stays in the audit and the pack's status table."""
    review = open_review(ctx, team_id, actor, reference)
    ret = find_return(returns_of(ctx, review), review, agency)
    if ret.state is ReturnState.WITHDRAWN:
        raise InvalidRequest({"agency": f"{ret.agency_name}'s return is already withdrawn."})
    now, was = ctx.now(), ret.state
    with ctx.uow as uow:
        ret = uow.returns.set_state(ret.id, ReturnState.WITHDRAWN, now)
        uow.audit.add(
            team_id,
            actor,
            WITHDRAWN,
            now,
            review_id=review.id,
            return_id=ret.id,
            details={"agency": ret.agency_key, "previous_state": was.value},
        )
        uow.commit()
    reminders.replan(ctx, review.id)
    notify.refresh_status_card(ctx, review.id)
    if ret.dm_channel and ret.dm_ts:
        text, blocks = texts.withdrawn_card(review, ret)
        try:
            ctx.messenger.update(MessageRef(ret.dm_channel, ret.dm_ts), text, blocks)
        except DeliveryFailed as exc:
            log.warning("card of withdrawn return %s not updated: %s", ret.id, exc.reason)
    _tell_owner_unless(ctx, review, actor, texts.removed_note(review, ret, actor))
    return Changed(review, ret, texts.removed_reply(review, ret))
