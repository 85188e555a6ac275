"""The end of a review's life (DESIGN §5 retention): its outcome when closed, a hold that stops
the purge, and the purge itself, which deletes the answers and free text of a review and keeps a
minimal record: the reference, the dates, the outcome and each agency's return state.

The rendered chunks of the review's pack PDFs (a cache holding answers) are deleted too. The
audit log is never touched (it is append-only, and the database refuses otherwise); nor are
the returns' rows, which hold no answer text. Free text goes through a ``TextCodec`` like every
other free-text field (the bot's encrypts it)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session, contains_eager

from forms.records import PurgedData, Review, ReviewOutcome, ReviewStatus
from storage.codec import PlainText, TextCodec
from storage.errors import NotFound
from storage.orm import (
    AnswerRow,
    DelegationRow,
    PackChunkRow,
    PackRow,
    ProcessedRequestRow,
    ReturnRow,
    ReviewRow,
)
from storage.repositories._sql import rowcount
from storage.repositories.reviews import to_review

PURGED_FIELDS = ("pseudonym", "incident_description", "case_summary", "attendees")
"""The free-text fields of a review a purge clears (the pseudonym, NOT NULL, becomes empty)."""


class SqlRetentionRepository:
    """Closing, holds and purges in SQL. Never commits; the ``set`` methods and ``purge`` raise
    ``NotFound`` for an unknown review id."""

    def __init__(self, session: Session, text: TextCodec | None = None) -> None:
        self._session = session
        self._text: TextCodec = text or PlainText()

    def close(
        self, review_id: int, outcome: ReviewOutcome, panel_sent_date: date, at: datetime
    ) -> Review:
        """Record the review as closed at ``at`` with its outcome and the date it was sent to
        the Panel."""
        row = self._row(review_id)
        row.status = ReviewStatus.CLOSED.value
        row.closed_at = at
        row.outcome = ReviewOutcome(outcome).value
        row.panel_sent_date = panel_sent_date
        self._session.flush()
        return to_review(row, self._text)

    def set_hold(self, review_id: int, reason: str | None) -> Review:
        """Put the review on hold for ``reason`` (kept encrypted), or lift the hold with None."""
        row = self._row(review_id)
        row.hold_reason = self._text.encrypt(reason)
        self._session.flush()
        return to_review(row, self._text)

    def closed_before(self, cutoff: datetime) -> list[Review]:
        """Closed reviews of every team whose closing is at or before ``cutoff`` and which were
        not purged yet (held or not), oldest closing first."""
        return self._reviews(
            ReviewRow.status == ReviewStatus.CLOSED.value,
            ReviewRow.closed_at <= cutoff,
            ReviewRow.purged_at.is_(None),
        )

    def held(self) -> list[Review]:
        """Every review on hold, in every team."""
        return self._reviews(ReviewRow.hold_reason.is_not(None))

    def find(self, reference: str) -> list[Review]:
        """The reviews with this reference in any team (one, unless two teams share it)."""
        return self._reviews(ReviewRow.reference == reference)

    def purge(self, review_id: int, at: datetime, files_left: Collection[str] = ()) -> PurgedData:
        """Delete the review's answers and clear its free text; keep only ``files_left`` of the
        Slack file ids of its packs (those whose deletion failed, for the next run). The review
        is marked purged at ``at`` only when no file is left. Idempotent."""
        row = self._row(review_id)
        if self._session.get_bind().dialect.name == "sqlite":  # zero the deleted cells
            self._session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
        returns = select(ReturnRow.id).where(ReturnRow.review_id == review_id)
        deleted = self._session.execute(
            delete(AnswerRow)
            .where(AnswerRow.return_id.in_(returns))
            .execution_options(synchronize_session=False)
        )
        cleared = tuple(name for name in PURGED_FIELDS if getattr(row, name) is not None)
        # The reasons given for an extension or for passing a return on are free text too.
        self._session.execute(
            update(ReturnRow)
            .where(ReturnRow.review_id == review_id)
            .values(extension_reason=None)
            .execution_options(synchronize_session=False)
        )
        self._session.execute(
            update(DelegationRow)
            .where(DelegationRow.return_id.in_(returns))
            .values(reason=self._text.encrypt("") or "")
            .execution_options(synchronize_session=False)
        )
        row.pseudonym = self._text.encrypt("") or ""
        row.incident_description = row.case_summary = row.attendees = None
        left = set(files_left)
        kept: list[str] = []
        for pack in self._session.scalars(select(PackRow).where(PackRow.review_id == review_id)):
            ids = [str(i) for i in json.loads(pack.file_ids or "[]") if str(i) in left]
            pack.file_ids = json.dumps(ids, separators=(",", ":"))
            kept += ids
        row.purged_at = None if kept else at
        self._session.flush()
        # The kept pages of its returns hold the answers too. After the review's row is
        # written (and locked): a warm-up keeping a page locks that row first, then its pages.
        self._session.execute(
            delete(PackChunkRow)
            .where(PackChunkRow.review_id == review_id)
            .execution_options(synchronize_session=False)
        )
        return PurgedData(review_id, rowcount(deleted), cleared, tuple(kept))

    def pack_files(self, review_id: int) -> list[str]:
        """The Slack file ids of every pack of the review still on record, each once."""
        found: dict[str, None] = {}
        for text in self._session.scalars(
            select(PackRow.file_ids).where(PackRow.review_id == review_id).order_by(PackRow.id)
        ):
            found.update((str(i), None) for i in json.loads(text or "[]"))
        return list(found)

    def forget_responses(self, cutoff: datetime) -> int:
        """Drop the responses kept for de-duplication (a copy of what a page showed) of requests
        claimed before ``cutoff``; the claims themselves stay. Returns how many."""
        result = self._session.execute(
            update(ProcessedRequestRow)
            .where(
                ProcessedRequestRow.created_at < cutoff,
                ProcessedRequestRow.response.is_not(None),
            )
            .values(response=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    def _row(self, review_id: int) -> ReviewRow:
        row = self._session.get(ReviewRow, review_id)
        if row is None:
            raise NotFound(f"review {review_id} does not exist")
        return row

    def _reviews(self, *where: ColumnElement[bool]) -> list[Review]:
        query = (
            select(ReviewRow)
            .join(ReviewRow.partnership)
            .options(contains_eager(ReviewRow.partnership))
            .where(*where)
            .order_by(ReviewRow.closed_at, ReviewRow.created_at, ReviewRow.id)
        )
        return [to_review(row, self._text) for row in self._session.scalars(query)]
