"""Use cases of a review as a whole: open it, invite its contacts, keep its status card, show
its status. Only coordinators open and manage reviews (DESIGN §3 Roles)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.messenger import DeliveryFailed
from bot.services import notify, reach, reminders
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, NotFound, NotInChannel
from forms.partnership import EmailContact
from forms.records import NewReturn, NewReview, ReturnState, Review
from forms.status import is_overdue
from forms.text import clean_text
from storage.errors import DuplicateReference

MAX_PSEUDONYM = 60


@dataclass(frozen=True)
class OpenRequest:
    """Everything `/rrm open` needs, already parsed. `contacts` maps each chosen agency id to
    the Slack user nominated for it (None: the partnership file's default contact)."""

    reference: str
    pseudonym: str
    notification_date: date
    meeting_at: datetime
    due_date: date
    chair: str
    contacts: Mapping[str, str | None]
    under_1: bool = False
    incident_date: date | None = None
    period_from: date | None = None
    period_to: date | None = None
    incident_description: str | None = None


@dataclass(frozen=True)
class Opened:
    """A review that was opened, and what could not be delivered."""

    review: Review
    undelivered: dict[str, str] = field(default_factory=dict)  # agency id -> reason


def require_coordinator(ctx: Context, actor: str) -> None:
    """Raise NotAllowed unless `actor` is a coordinator (from settings, never the payload)."""
    if not ctx.is_coordinator(actor):
        raise NotAllowed(
            "Only partnership coordinators can do this. Ask your safeguarding business unit "
            "to add you to RRM_COORDINATORS."
        )


def default_dates(ctx: Context, notified: date) -> tuple[date, datetime]:
    """The default due date and meeting time for a notification date (DESIGN §3)."""
    d = ctx.config.partnership.defaults
    cal = ctx.calendar
    due = cal.add_working_days(notified, d.due_working_days)
    meeting_day = cal.add_working_days(notified, d.meeting_working_days)
    hh, mm = (int(x) for x in d.meeting_time.split(":"))
    return due, datetime.combine(meeting_day, time(hh, mm), tzinfo=ctx.zone)


def default_period(notified: date, incident: date | None, under_1: bool) -> tuple[date, date]:
    """12 months before the incident; for a baby from the start of pregnancy (21 months)."""
    end = incident or notified
    months = 21 if under_1 else 12
    year, month = divmod(end.year * 12 + end.month - 1 - months, 12)
    start = date(year, month + 1, min(end.day, 28))
    return start, end


def validate(ctx: Context, req: OpenRequest) -> dict[str, str]:
    """Problems with an open request, keyed by field name; empty when it can be opened."""
    problems: dict[str, str] = {}
    known = {a.id for a in ctx.config.partnership.agencies}
    pseudonym = clean_text(req.pseudonym).strip()
    if not pseudonym:
        problems["child"] = 'Give the child\'s pseudonym, e.g. child="Child A".'
    elif len(pseudonym) > MAX_PSEUDONYM:
        problems["child"] = f"The pseudonym is too long (at most {MAX_PSEUDONYM} characters)."
    if not req.contacts:
        problems["agencies"] = "Choose at least one agency, e.g. agencies=police,health."
    unknown = [a for a in req.contacts if a not in known]
    if unknown:
        problems["agencies"] = (
            f"Unknown agency {unknown[0]!r}. Known agencies: {', '.join(sorted(known))}."
        )
    if req.due_date < req.notification_date:
        problems["due"] = "The return due date must be on or after the notification date."
    meeting_day = req.meeting_at.astimezone(ctx.zone).date()
    if meeting_day < req.notification_date:
        problems["meeting"] = "The meeting must be on or after the notification date."
    elif req.due_date > meeting_day:
        problems["due"] = "Returns must be due on or before the meeting date."
    if req.incident_date and req.incident_date > req.notification_date:
        problems["incident"] = "The incident date cannot be after the notification date."
    if req.period_from and req.period_to and req.period_from > req.period_to:
        problems["period"] = "The review period must start before it ends."
    if req.chair.strip() == "":
        problems["chair"] = "Name the chair, e.g. chair=@Jane."
    return problems


def open_review(
    ctx: Context, *, team_id: str, actor: str, channel_id: str, req: OpenRequest
) -> Opened:
    """Open a review: check roles and input, create it with a return per agency, post the
    status card and DM every contact. Nothing is created when anything is wrong."""
    created = create_review(ctx, team_id=team_id, actor=actor, channel_id=channel_id, req=req)
    return announce(ctx, created, actor=actor)


def create_review(
    ctx: Context, *, team_id: str, actor: str, channel_id: str, req: OpenRequest
) -> Opened:
    """The part of opening that must finish before answering Slack: checks and the commit."""
    require_coordinator(ctx, actor)
    problems = validate(ctx, req)
    if problems:
        raise InvalidRequest(problems)
    if not ctx.messenger.bot_in_channel(channel_id):
        raise NotInChannel()
    contacts, undelivered = _resolve_contacts(ctx, req.contacts)
    period = default_period(req.notification_date, req.incident_date, req.under_1)
    cfg = ctx.config
    new = NewReview(
        team_id=team_id,
        reference=req.reference.upper(),
        pseudonym=clean_text(req.pseudonym).strip(),
        under_1=req.under_1,
        incident_date=req.incident_date,
        notification_date=req.notification_date,
        meeting_at=req.meeting_at,
        due_date=req.due_date,
        period_from=req.period_from or period[0],
        period_to=req.period_to or period[1],
        incident_description=clean_text(req.incident_description or "") or None,
        owner=actor,
        chair=req.chair,
        channel_id=channel_id,
        form_content=cfg.question_set_text,
        form_sha256=hashlib.sha256(cfg.question_set_text.encode()).hexdigest(),
    )
    returns = [NewReturn(key, contacts.get(key), req.due_date) for key in req.contacts]
    sections = [s.id for s in cfg.question_set.sections]
    now = ctx.now()
    with ctx.uow as uow:
        partnership = uow.partnerships.ensure(team_id, cfg.partnership.name)
        for agency in cfg.partnership.agencies:
            if agency.id in req.contacts:
                uow.partnerships.ensure_agency(partnership.id, agency.id, agency.name)
        try:
            review = uow.reviews.create(new, returns, sections, now)
        except DuplicateReference:
            raise InvalidRequest(
                {"reference": f"{new.reference} is already in use; choose another reference."}
            ) from None
        uow.audit.add(
            team_id,
            actor,
            "review.opened",
            now,
            review_id=review.id,
            details={"agencies": list(req.contacts), "chair": req.chair},
        )
        uow.commit()
    reminders.replan(ctx, review.id)
    return Opened(review, undelivered)


def announce(ctx: Context, created: Opened, *, actor: str) -> Opened:
    """After the commit: the status card in the channel, and a DM to every contact. Contacts
    that could not be found or reached are reported to the owner at once."""
    review = created.review
    notify.post_status_card(ctx, review.id)
    known = {  # contacts not found: their returns are flagged, the owner told (reach)
        key: reach.Unreachable("no_contact" if why == reach.NO_CONTACT.words else "not_found", why)
        for key, why in created.undelivered.items()
    }
    undelivered = dict(created.undelivered)
    undelivered.update(notify.invite_contacts(ctx, review.id, actor=actor, known=known))
    return Opened(review, undelivered)


def existing_references(ctx: Context, team_id: str) -> list[str]:
    """Every reference used in this team (to suggest the next one)."""
    with ctx.uow as uow:
        return [r.reference for r in uow.reviews.list_for_team(team_id)]


def _resolve_contacts(
    ctx: Context, chosen: Mapping[str, str | None]
) -> tuple[dict[str, str], dict[str, str]]:
    """The Slack user for each agency, and agencies without one (with the reason)."""
    found: dict[str, str] = {}
    missing: dict[str, str] = {}
    for key, user in chosen.items():
        if user:
            found[key] = user
            continue
        agency = ctx.config.partnership.agency(key)
        contact = agency.contacts[0] if agency else None
        if isinstance(contact, EmailContact):
            try:
                resolved = ctx.messenger.lookup_email(contact.email)
            except DeliveryFailed as exc:
                resolved, reason = None, exc.reason
            else:
                reason = reach.not_found_by_email(contact.email).words
            if resolved:
                found[key] = resolved
            else:
                missing[key] = reason
        elif contact is not None:
            found[key] = contact
        else:
            missing[key] = reach.NO_CONTACT.words
    return found, missing


def get_review(ctx: Context, team_id: str, reference: str) -> Review:
    """The review with this reference in this team, or NotFound."""
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(team_id, reference.upper())
    if review is None:
        raise NotFound(f"There is no review {reference.upper()}. `/rrm status` lists them.")
    return review


@dataclass(frozen=True)
class StatusRow:
    agency: str
    contact: str | None
    state: ReturnState
    due: date
    overdue: bool


@dataclass(frozen=True)
class ReviewStatus:
    review: Review
    rows: tuple[StatusRow, ...]


def status(ctx: Context, *, team_id: str, actor: str, reference: str | None) -> list[ReviewStatus]:
    """The status of one review, or of every open review of the team. Coordinators see all;
    a chair sees the reviews they chair."""
    with ctx.uow as uow:
        if reference:
            review = uow.reviews.get_by_reference(team_id, reference.upper())
            if review is None:
                raise NotFound(f"There is no review {reference.upper()}.")
            reviews = [review]
        else:
            from forms.records import ReviewStatus as Stored

            reviews = uow.reviews.list_for_team(team_id, [Stored.OPEN, Stored.LOCKED])
        visible = [r for r in reviews if ctx.is_coordinator(actor) or r.chair == actor]
        if reference and not visible:
            raise NotAllowed("Only coordinators and the review's chair can see its status.")
        if not reference and not ctx.is_coordinator(actor) and not visible:
            raise NotAllowed("Only coordinators and chairs can see review status.")
        today = ctx.today()
        result = []
        for review in visible:
            rows = tuple(
                StatusRow(
                    agency=r.agency_name,
                    contact=r.contact_user_id,
                    state=r.state,
                    due=r.due_date,
                    overdue=is_overdue(r, today),
                )
                for r in uow.returns.list_for_review(review.id)
            )
            result.append(ReviewStatus(review, rows))
    return result
