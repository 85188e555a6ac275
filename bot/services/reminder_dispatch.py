"""What the sweep sends for each kind of due item, and to whom.

Per sweep, a ``Dispatcher`` caches each review's facts and current plan, each recipient's Slack
time zone and each escalation e-mail's user. An item goes to whoever holds its role *now*
(the return's current contact, the review's current owner or chair), and only if the review's
plan as it stands now still holds it; otherwise it is skipped (cancelled). A contact who is away
(``bot.services.away``) has their items sent to their deputy, or held until the first working
day after they are back (``Dispatcher.away``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.messenger import DeliveryFailed
from bot.services import notify
from bot.services.context import Context
from bot.services.errors import ServiceError
from bot.services.reminder_facts import review_facts
from bot.slack.blocks import away as away_cards
from bot.slack.blocks import reminder_cards as cards
from forms.records import (
    RECEIVED_STATES,
    Absence,
    AgencyReturn,
    JSONValue,
    Review,
    ReviewStatus,
)
from forms.reminders import (
    CONTACT_KINDS,
    Kind,
    Policy,
    Reminder,
    ReminderState,
    ReturnFacts,
    Role,
    fifteenth_working_day,
    plan,
)
from forms.status import WAITING_STATES, received_count
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)
SYSTEM = "system"
"""The actor of what the bot does by itself (as in ``bot.services.pack_build``)."""
AUDIT = {
    Kind.ESCALATION: "reminder.escalated",
    Kind.DIGEST: "reminder.digest",
    Kind.DEADLINE: "reminder.deadline",
}


@dataclass(frozen=True)
class Skip:
    """The item is not to be sent (``state`` cancelled) or could not be (failed)."""

    reason: str
    state: ReminderState = ReminderState.CANCELLED


@dataclass(frozen=True)
class Target:
    """Where an item goes now: a person's DM, or the coordinator channel."""

    review: Review
    ret: AgencyReturn | None
    facts: ReturnFacts | None
    recipient: str
    is_channel: bool = False
    deputy_for: Absence | None = None  # sent to the deputy of this absent contact

    def undelivered_note(self, reason: str) -> str:
        """For the owner, when this item could not be delivered."""
        agency = self.ret.agency_name if self.ret else None
        return cards.undelivered(self.review, agency, self.recipient, reason)


@dataclass(frozen=True)
class _Loaded:
    review: Review
    returns: dict[int, AgencyReturn]
    facts: dict[int, ReturnFacts]
    slots: frozenset[str]


class Dispatcher:
    """Resolves, checks and delivers the items of one sweep."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.calendar = ctx.calendar
        self.policy = Policy.of(ctx.config.partnership)
        self._reviews: dict[int, _Loaded | None] = {}
        self._zones: dict[str, str | None] = {}
        self._emails: dict[str, str | None] = {}
        self._absences: dict[tuple[str, str], Absence | None] = {}

    def refresh(self) -> None:
        """Forget the reviews and absences read so far (each batch sees them as they are
        now); the time zones and e-mail look-ups are kept for the whole sweep."""
        self._reviews.clear()
        self._absences.clear()

    def _load(self, review_id: int) -> _Loaded | None:
        if review_id not in self._reviews:
            with self.ctx.uow as uow:
                review = uow.reviews.get(review_id)
                loaded = None
                if review is not None:
                    facts, returns = review_facts(uow, review, self.calendar.zone)
                    slots = frozenset(i.slot for i in plan(facts, self.policy, self.calendar))
                    loaded = _Loaded(
                        review,
                        {r.id: r for r in returns},
                        {f.id: f for f in facts.returns},
                        slots,
                    )
            self._reviews[review_id] = loaded
        return self._reviews[review_id]

    def target(self, item: Reminder) -> Target | Skip:
        """Who gets the item now, or why it is not to be sent."""
        loaded = self._load(item.review_id)
        if loaded is None:
            return Skip("the review no longer exists")
        review = loaded.review
        if item.kind is Kind.NUDGE and review.status is not ReviewStatus.OPEN:
            return Skip(f"the review is {review.status.value}")
        if item.kind is not Kind.NUDGE and item.slot not in loaded.slots:
            return Skip("no longer due")
        ret = loaded.returns.get(item.return_id) if item.return_id else None
        facts = loaded.facts.get(item.return_id) if item.return_id else None
        if item.kind in (Kind.PACK_DRAFT, Kind.PACK_CHAIR) and self.ctx.now() >= review.meeting_at:
            return Skip("the meeting has started")
        holder = {
            Role.CONTACT: ret.contact_user_id if ret else None,
            Role.OWNER: review.owner,
            Role.CHAIR: review.chair,
            Role.CHANNEL: self.policy.coordinator_channel,
        }
        if item.role is Role.ESCALATION:
            recipient = self._escalation_user(ret)
        else:
            recipient = holder[item.role]
        if not recipient:
            return Skip("nobody holds that role now")
        return Target(review, ret, facts, recipient, is_channel=item.role is Role.CHANNEL)

    def away(self, item: Reminder, target: Target) -> Target | Skip | datetime | None:
        """The away rule for an item meant for a return's contact who is away today: the
        target with their deputy as recipient; else when to send it (the first working day
        after they are back, at the window's opening) — or, for a coordinator's nudge, a Skip
        saying so. None: the contact is not away, or the item is not theirs."""
        if item.role is not Role.CONTACT or target.ret is None:
            return None
        key = (target.review.team_id, target.recipient)
        if key not in self._absences:
            with self.ctx.uow as uow:
                self._absences[key] = uow.absences.get(*key)
        absence = self._absences[key]
        if absence is None or not absence.active_on(self.ctx.today()):
            return None
        if absence.deputy:
            return replace(target, recipient=absence.deputy, deputy_for=absence)
        back = self.calendar.next_working_day(absence.until)
        if item.kind is Kind.NUDGE:
            return Skip(f"away until {absence.until:%d %b %Y}, with no deputy")
        return datetime.combine(back, self.policy.window_start, tzinfo=self.calendar.zone)

    def _escalation_user(self, ret: AgencyReturn | None) -> str | None:
        to = self.policy.escalation.get(ret.agency_key) if ret else None
        if to is None or not to.startswith("email:"):
            return to
        email = to.removeprefix("email:")
        if email not in self._emails:
            self._emails[email] = self.ctx.messenger.lookup_email(email)  # may raise
        return self._emails[email]

    def zone_of(self, recipient: str, is_channel: bool = False) -> str | None:
        """The recipient's Slack time zone (``users.info``, once per sweep), or None for the
        partnership's: for a channel, or when Slack gives none or cannot be asked."""
        if is_channel:
            return None
        if recipient not in self._zones:
            try:
                user = self.ctx.messenger.user_info(recipient)
            except DeliveryFailed:
                user = None
            self._zones[recipient] = user.tz if user else None
        return self._zones[recipient]

    def deliver(self, item: Reminder, target: Target) -> Skip | None:
        """Send the item; a Skip when there turned out to be nothing to send. Raises
        DeliveryFailed when Slack did not take it."""
        if item.kind in (Kind.PACK_DRAFT, Kind.PACK_CHAIR):
            return self._pack(item, target)
        text = self._message(item, target)
        if isinstance(text, Skip):
            return text
        words, blocks = text
        if target.is_channel:
            self.ctx.messenger.post(target.recipient, words, blocks)
        else:
            self.ctx.messenger.dm(target.recipient, words, blocks)
        return None

    def _message(
        self, item: Reminder, target: Target
    ) -> tuple[str, list[cards.Block] | None] | Skip:
        review, ret, cal = target.review, target.ret, self.calendar
        today = self.ctx.now().astimezone(cal.zone).date()
        if item.kind in CONTACT_KINDS and ret is not None and target.deputy_for is not None:
            return away_cards.deputy_reminder(
                review, ret, item.kind, target.deputy_for, today=today, calendar=cal
            )
        if item.kind in CONTACT_KINDS and ret is not None:
            facts = target.facts
            return cards.contact_reminder(
                review,
                ret,
                item.kind,
                today=today,
                calendar=cal,
                reopened=bool(facts and facts.reopened and ret.state in RECEIVED_STATES),
                promised=facts.promised if facts else None,
            )
        if item.kind is Kind.ESCALATION and ret is not None:
            days = cal.working_days_between(ret.due_date, today)
            return cards.escalation(review, ret, days), None
        if item.kind is Kind.DIGEST:
            loaded = self._load(review.id)
            returns = loaded.returns.values() if loaded else ()
            late = [
                cards.Late(r.agency_name, cal.working_days_between(r.due_date, today))
                for r in returns
                if r.state in WAITING_STATES and cal.working_days_between(r.due_date, today) > 0
            ]
            return (cards.digest(review, late), None) if late else Skip("nothing is overdue")
        if item.kind is Kind.DEADLINE:
            loaded = self._load(review.id)
            received, expected = received_count(loaded.returns.values() if loaded else ())
            fifteenth = fifteenth_working_day(review.notification_date, cal)
            return cards.deadline_warning(review, fifteenth, received, expected), None
        return Skip(f"nothing to send for {item.kind.value}")

    def _pack(self, item: Reminder, target: Target) -> Skip | None:
        # Imported here: the pack services import the review services, which re-plan
        # reminders through this package.
        from bot.services import packs

        review = target.review
        delivery: packs.Delivery | None
        try:
            if item.kind is Kind.PACK_DRAFT:
                delivery = packs.send_draft_to_owner(self.ctx, review.id)
            else:
                delivery = packs.deliver_to_chair(self.ctx, review.id)
        except ServiceError as exc:
            notify.tell_owner(self.ctx, review, cards.pack_not_sent(review, exc.message))
            return Skip(exc.message)
        except DeliveryFailed:
            raise
        except Exception:  # a pack that cannot be compiled must not stop the sweep
            log.exception("pack of review %s could not be compiled", review.id)
            note = cards.pack_not_sent(review, "it could not be compiled (see the bot's log)")
            notify.tell_owner(self.ctx, review, note)
            return Skip("the pack could not be compiled", ReminderState.FAILED)
        if delivery is None:
            return None  # the chair has the released pack already
        if not delivery.delivered:
            reasons = "; ".join(delivery.failed.values()) or "not delivered"
            return Skip(reasons, ReminderState.FAILED)  # deliver() told the owner
        return None

    def audit(self, uow: UnitOfWork, item: Reminder, target: Target, actor: str = SYSTEM) -> None:
        """Audit a sent item (packs audit their own delivery); never any message text."""
        if item.kind in (Kind.PACK_DRAFT, Kind.PACK_CHAIR):
            return
        action = "reminder.sent" if item.kind in CONTACT_KINDS else AUDIT[item.kind]
        if item.kind is Kind.NUDGE:
            action = "return.reminded"
        details: dict[str, JSONValue] = {"kind": item.kind.value, "role": item.role.value}
        if target.ret is not None:
            details["agency"] = target.ret.agency_key
        if target.deputy_for is not None:
            details["deputy_for"] = target.deputy_for.user_id
        uow.audit.add(
            target.review.team_id,
            actor,
            action,
            self.ctx.now(),
            review_id=target.review.id,
            return_id=item.return_id,
            details=details,
        )
