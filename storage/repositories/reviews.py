"""Reviews: created with their returns, looked up by id or by (team, reference).

The free-text fields (pseudonym, incident description, case summary, attendees) are stored
through a ``TextCodec`` (the bot's encrypts them, ``storage.crypto.TextCipher``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from forms.records import NewReturn, NewReview, PackRelease, Review, ReviewOutcome, ReviewStatus
from storage.codec import PlainText, TextCodec
from storage.errors import DuplicateReference, NotFound
from storage.orm import PartnershipRow, ReviewRow
from storage.repositories.returns import create_return


def to_review(row: ReviewRow, text: TextCodec) -> Review:
    """The domain record of a review row, its free text decrypted by ``text``."""
    pseudonym = text.decrypt(row.pseudonym) or ""  # NOT NULL: never None
    attendees = text.decrypt(row.attendees)
    return Review(
        id=row.id,
        partnership_id=row.partnership_id,
        team_id=row.partnership.team_id,
        reference=row.reference,
        pseudonym=pseudonym,
        under_1=row.under_1,
        incident_date=row.incident_date,
        notification_date=row.notification_date,
        meeting_at=row.meeting_at,
        due_date=row.due_date,
        period_from=row.period_from,
        period_to=row.period_to,
        incident_description=text.decrypt(row.incident_description),
        owner=row.owner,
        chair=row.chair,
        channel_id=row.channel_id,
        status_ts=row.status_ts,
        status=ReviewStatus(row.status),
        created_at=row.created_at,
        closed_at=row.closed_at,
        form_content=row.form_content,
        form_sha256=row.form_sha256,
        case_summary=text.decrypt(row.case_summary),
        attendees=tuple(attendees.split("\n")) if attendees else (),
        pack_release=PackRelease(row.pack_release),
        outcome=ReviewOutcome(row.outcome) if row.outcome else None,
        panel_sent_date=row.panel_sent_date,
        hold_reason=text.decrypt(row.hold_reason),
        purged_at=row.purged_at,
    )


class SqlReviewRepository:
    """Reviews in SQL, free text through ``text`` (default: kept plain, for tests). Never
    commits."""

    def __init__(self, session: Session, text: TextCodec | None = None) -> None:
        self._session = session
        self._text: TextCodec = text or PlainText()

    def create(
        self,
        new: NewReview,
        returns: Sequence[NewReturn],
        section_ids: Sequence[str],
        at: datetime,
    ) -> Review:
        """Open a review with one return (state invited) per ``returns`` entry, every section at
        revision 0. Raises ``NotFound`` for an unknown team or agency, ``DuplicateReference`` if
        the team already has this reference (roll the unit of work back then)."""
        keys = [r.agency_key for r in returns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"an agency is listed twice: {', '.join(keys)}")
        partnership = self._session.scalars(
            select(PartnershipRow).where(PartnershipRow.team_id == new.team_id)
        ).one_or_none()
        if partnership is None:
            raise NotFound(f"no partnership for team {new.team_id}")
        taken = exists().where(
            ReviewRow.partnership_id == partnership.id, ReviewRow.reference == new.reference
        )
        if self._session.scalar(select(taken)):
            raise DuplicateReference(new.team_id, new.reference)
        fields = asdict(new)
        del fields["team_id"]
        fields["pseudonym"] = self._text.encrypt(new.pseudonym)
        fields["incident_description"] = self._text.encrypt(new.incident_description)
        row = ReviewRow(
            **fields, partnership=partnership, status=ReviewStatus.OPEN.value, created_at=at
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # a concurrent open of the same reference won
            raise DuplicateReference(new.team_id, new.reference) from exc
        for new_return in returns:
            create_return(self._session, row, new_return, section_ids, at)
        return to_review(row, self._text)

    def get(self, review_id: int) -> Review | None:
        """A review by id, or None."""
        row = self._session.get(ReviewRow, review_id)
        return None if row is None else to_review(row, self._text)

    def get_by_reference(self, team_id: str, reference: str) -> Review | None:
        """The review of a team with this reference (exact match), or None."""
        rows = self._team_reviews(team_id, ReviewRow.reference == reference)
        return to_review(rows[0], self._text) if rows else None

    def list_for_team(
        self, team_id: str, statuses: Collection[ReviewStatus] | None = None
    ) -> list[Review]:
        """A team's reviews, oldest first, optionally only those in ``statuses``."""
        wanted = ReviewStatus if statuses is None else statuses
        rows = self._team_reviews(
            team_id, ReviewRow.status.in_([ReviewStatus(s).value for s in wanted])
        )
        return [to_review(row, self._text) for row in rows]

    def set_status(self, review_id: int, status: ReviewStatus, at: datetime) -> Review:
        """Open, lock or close a review; closing records ``closed_at``, reopening clears it."""
        status = ReviewStatus(status)
        row = self._row(review_id)
        row.status = status.value
        row.closed_at = at if status is ReviewStatus.CLOSED else None
        return self._flushed(row)

    def set_status_card(self, review_id: int, ts: str | None) -> Review:
        """Remember the ts of the channel status card (updated in place later)."""
        row = self._row(review_id)
        row.status_ts = ts
        return self._flushed(row)

    def set_owner(self, review_id: int, user_id: str) -> Review:
        """Hand the review to another coordinator."""
        row = self._row(review_id)
        row.owner = user_id
        return self._flushed(row)

    def set_schedule(
        self,
        review_id: int,
        *,
        meeting_at: datetime | None = None,
        due_date: date | None = None,
        chair: str | None = None,
    ) -> Review:
        """Change the meeting, the review's due date or the chair (only those given)."""
        row = self._row(review_id)
        if meeting_at is not None:
            row.meeting_at = meeting_at
        if due_date is not None:
            row.due_date = due_date
        if chair is not None:
            row.chair = chair
        return self._flushed(row)

    def set_summary(
        self, review_id: int, case_summary: str | None, attendees: Sequence[str]
    ) -> Review:
        """Keep the coordinator's case summary and the meeting's attendees (one per line; a
        name holding a line break is refused), both encrypted; None and () clear them."""
        if any("\n" in name for name in attendees):
            raise ValueError("an attendee's name cannot hold a line break")
        row = self._row(review_id)
        row.case_summary = self._text.encrypt(case_summary)
        row.attendees = self._text.encrypt("\n".join(attendees)) if attendees else None
        return self._flushed(row)

    def set_pack_release(self, review_id: int, release: PackRelease) -> Review:
        """Record whether the owner released the pack to the chair or held it."""
        row = self._row(review_id)
        row.pack_release = PackRelease(release).value
        return self._flushed(row)

    def _row(self, review_id: int) -> ReviewRow:
        row = self._session.get(ReviewRow, review_id)
        if row is None:
            raise NotFound(f"review {review_id} does not exist")
        return row

    def _flushed(self, row: ReviewRow) -> Review:
        self._session.flush()
        return to_review(row, self._text)

    def _team_reviews(self, team_id: str, which: ColumnElement[bool]) -> list[ReviewRow]:
        query = (
            select(ReviewRow)
            .join(ReviewRow.partnership)
            .options(contains_eager(ReviewRow.partnership))
            .where(PartnershipRow.team_id == team_id, which)
            .order_by(ReviewRow.created_at, ReviewRow.id)
        )
        return list(self._session.scalars(query))
