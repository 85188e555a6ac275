"""The retention purge (DESIGN §5): ``RRM_RETENTION_DAYS`` after a review was closed, its answers
and free text are deleted and the Slack copies of its packs removed with ``files.delete`` —
unless a coordinator put it on hold (``/rrm hold REF reason=…``). A minimal record stays: the
reference, the dates, the outcome, each agency's return state, and the whole audit log.

``rrm purge`` and the daily sweep call ``purge_due``. It is safe to run at any time and as often
as wanted: a review is purged once; a Slack copy that could not be deleted is kept on record and
tried again next time (the review is marked purged only when none is left).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.messenger import DeliveryFailed
from bot.services.context import Context
from forms.calendar import due_date_in_words
from forms.records import Review

log = logging.getLogger(__name__)

PURGED = "review.purged"
SYSTEM = "system"
RESPONSE_KEEP = timedelta(days=1)
"""How long the response to a Slack request is kept for de-duplication (Slack retries within
minutes); it is a copy of what a page showed, answers included, so it goes after a day."""


@dataclass(frozen=True)
class Purged:
    """One review purged (or partly: ``files_left`` are Slack copies still to delete)."""

    team_id: str
    reference: str
    answers: int
    files_deleted: int
    files_left: int = 0
    problem: str | None = None

    def line(self) -> str:
        """One line for ``rrm purge``."""
        text = (
            f"purged {self.reference}: {self.answers} answers deleted, "
            f"{self.files_deleted} Slack pack copies deleted"
        )
        if self.files_left:
            text += f"; {self.files_left} copies still to delete ({self.problem}): run it again"
        return text


@dataclass(frozen=True)
class Held:
    """A review kept by a hold: its reason and when it would otherwise be purged (None while it
    is not closed)."""

    team_id: str
    reference: str
    reason: str
    purge_from: datetime | None

    def line(self) -> str:
        """One line for ``rrm purge`` (the reason as the coordinator typed it)."""
        when = (
            f"due for purge since {due_date_in_words(self.purge_from.date())}"
            if self.purge_from
            else "not closed yet"
        )
        return f"held {self.reference} ({when}): {self.reason}"


@dataclass(frozen=True)
class PurgeReport:
    """What a purge did: reviews purged, reviews held, responses forgotten."""

    purged: tuple[Purged, ...]
    held: tuple[Held, ...]
    responses_forgotten: int

    def lines(self) -> list[str]:
        """The report, one line per review, and a last line of totals."""
        lines = [p.line() for p in self.purged] + [h.line() for h in self.held]
        lines.append(
            f"{len(self.purged)} reviews purged, {len(self.held)} on hold, "
            f"{self.responses_forgotten} stored request responses forgotten."
        )
        return lines


def purge_due(ctx: Context, *, retention_days: int, actor: str = SYSTEM) -> PurgeReport:
    """Purge every closed review whose retention period has passed and that is not on hold;
    report the held ones. ``actor`` is recorded in the audit log (``system`` for the sweep,
    ``cli`` for ``rrm purge``)."""
    now = ctx.now()
    keep = timedelta(days=retention_days)
    with ctx.uow as uow:
        due = uow.retention.closed_before(now - keep)
        held = uow.retention.held()
    purged = tuple(
        done
        for review in due
        if review.hold_reason is None
        if (done := purge_review(ctx, review, actor=actor, at=now)) is not None
    )
    with ctx.uow as uow:
        forgotten = uow.retention.forget_responses(now - RESPONSE_KEEP)
        uow.commit()
    return PurgeReport(
        purged,
        tuple(
            Held(r.team_id, r.reference, r.hold_reason or "", r.closed_at and r.closed_at + keep)
            for r in held
        ),
        forgotten,
    )


def purge_review(ctx: Context, review: Review, *, actor: str, at: datetime) -> Purged | None:
    """Delete the Slack copies of the review's packs, then its answers and free text, and audit
    ``review.purged`` (counts only). None if it was put on hold or purged meanwhile."""
    with ctx.uow as uow:
        files = uow.retention.pack_files(review.id)
    left: list[str] = []
    problem: str | None = None
    for file_id in files:
        try:
            ctx.messenger.delete_file(file_id)
        except DeliveryFailed as exc:
            left.append(file_id)
            problem = exc.reason
    with ctx.uow as uow:
        current = uow.reviews.get(review.id)
        if current is None or current.hold_reason is not None or current.purged_at is not None:
            return None
        data = uow.retention.purge(review.id, at, left)
        uow.audit.add(
            review.team_id,
            actor,
            PURGED,
            at,
            review_id=review.id,
            details={
                "answers": data.answers,
                "fields": list(data.fields),
                "files_deleted": len(files) - len(left),
                "files_left": len(left),
            },
        )
        uow.commit()
    if left:
        log.warning("review %s: %d Slack pack copies not deleted yet", review.id, len(left))
    return Purged(
        review.team_id, review.reference, data.answers, len(files) - len(left), len(left), problem
    )
