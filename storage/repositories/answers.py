"""Answers of a return, saved a section (page) at a time under per-section revisions.

Every save first locks its section's revision row, compares, then bumps the revision with a
conditional ``UPDATE section_revisions SET revision = revision + 1 WHERE revision = :base``
whose row count decides. So pages of different sections never affect each other, and a page
shown before someone else saved the same section is refused with ``SectionConflict`` — unless
the stored values already equal what it sends (a retry or double click): a successful no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from forms.records import Answers, JSONValue, SectionSaveResult
from storage.codec import AnswerCodec
from storage.errors import NotFound, SectionConflict
from storage.orm import AnswerRow, SectionRevisionRow
from storage.repositories._answer_rows import (
    SINGLE,
    Row,
    assemble,
    checked_question_id,
    checked_row_id,
    checked_values,
    rows_for,
    same,
)
from storage.repositories._answer_table import AnswerTable
from storage.repositories._sql import rowcount

_NO_SYNC = {"synchronize_session": False}


class SqlAnswerRepository:
    """Answers in SQL, values stored through an ``AnswerCodec``. Never commits."""

    def __init__(self, session: Session, codec: AnswerCodec) -> None:
        self._session = session
        self._table = AnswerTable(session, codec)

    def get(self, return_id: int) -> Answers:
        """Every stored answer of a return (question id -> value; repeat rows in order)."""
        return assemble(self._table.rows(return_id, None))

    def revisions(self, return_id: int) -> dict[str, int]:
        """The current revision of each section of a return."""
        rows = self._session.execute(
            select(SectionRevisionRow.section_id, SectionRevisionRow.revision)
            .where(SectionRevisionRow.return_id == return_id)
            .order_by(SectionRevisionRow.section_id)
        )
        return {section_id: revision for section_id, revision in rows}

    def save_section(
        self,
        return_id: int,
        section_id: str,
        base_revision: int,
        values: Mapping[str, JSONValue],
        actor: str,
        at: datetime,
    ) -> SectionSaveResult:
        """Save one page atomically: upsert each given question's value (None or [] deletes
        it; a repeat list replaces that question's rows by row_id) and bump the section's
        revision. Raises ``SectionConflict`` if ``base_revision`` is stale and the values differ,
        ``NotFound`` for an unknown return/section, ``StorageBusy`` on a lock timeout."""
        wanted = {question_id: rows_for(question_id, v) for question_id, v in values.items()}
        stored: dict[str, list[Row]] = {}

        def unchanged() -> bool:
            stored.update(self._table.stored(return_id, wanted))
            return all(same(stored[q], rows) for q, rows in wanted.items())

        done = self._guard(return_id, section_id, base_revision, actor, at, unchanged)
        if done is not None:
            return done
        changed = {q: rows for q, rows in wanted.items() if not same(stored[q], rows)}
        self._table.replace(return_id, changed, actor, at)
        return SectionSaveResult(return_id, section_id, base_revision + 1, changed=True)

    def upsert_row(
        self,
        return_id: int,
        section_id: str,
        question_id: str,
        row_id: str,
        values: Mapping[str, JSONValue],
        base_revision: int,
        actor: str,
        at: datetime,
    ) -> SectionSaveResult:
        """Add or update one repeat row (kept in place; a new row goes last), under the same
        revision rule as ``save_section``."""
        checked_question_id(question_id)
        row = Row(checked_row_id(question_id, row_id), checked_values(question_id, row_id, values))

        def unchanged() -> bool:
            stored = self._table.of(return_id, question_id)
            return any(s.row_id == row.row_id and s.key == row.key for s in stored)

        done = self._guard(return_id, section_id, base_revision, actor, at, unchanged)
        if done is not None:
            return done
        self._table.delete(return_id, question_id, AnswerRow.row_id == SINGLE)
        position = self._table.next_position(return_id, question_id)  # used if the row is new
        self._table.upsert(return_id, question_id, row, position, actor, at, keep_position=True)
        return SectionSaveResult(return_id, section_id, base_revision + 1, changed=True)

    def delete_row(
        self,
        return_id: int,
        section_id: str,
        question_id: str,
        row_id: str,
        base_revision: int,
        actor: str,
        at: datetime,
    ) -> SectionSaveResult:
        """Remove one repeat row, under the same revision rule (an absent row is a no-op)."""

        def unchanged() -> bool:
            return all(s.row_id != row_id for s in self._table.of(return_id, question_id))

        done = self._guard(return_id, section_id, base_revision, actor, at, unchanged)
        if done is not None:
            return done
        self._table.delete(return_id, question_id, AnswerRow.row_id == row_id)
        return SectionSaveResult(return_id, section_id, base_revision + 1, changed=True)

    def _guard(
        self,
        return_id: int,
        section_id: str,
        base: int,
        actor: str,
        at: datetime,
        unchanged: Callable[[], bool],
    ) -> SectionSaveResult | None:
        """Lock the section's revision row, then: a no-op result if the stored values already
        match (retry, double click); ``SectionConflict`` if ``base`` is stale; else bump the
        revision base -> base+1 and return None (the caller then writes the answers)."""
        current = self._lock(return_id, section_id)
        if unchanged():
            return SectionSaveResult(return_id, section_id, current, changed=False)
        if current != base or not self._bump(return_id, section_id, base, actor, at):
            raise SectionConflict(return_id, section_id, base, current)
        return None

    def _lock(self, return_id: int, section_id: str) -> int:
        """Take the section's row lock (PostgreSQL) / the write lock (SQLite) for this unit of
        work, so the comparison and the write that follow see no concurrent save of it."""
        revision = self._session.execute(
            update(SectionRevisionRow)
            .where(
                SectionRevisionRow.return_id == return_id,
                SectionRevisionRow.section_id == section_id,
            )
            .values(revision=SectionRevisionRow.revision)
            .returning(SectionRevisionRow.revision)
            .execution_options(**_NO_SYNC)
        ).scalar_one_or_none()
        if revision is None:
            raise NotFound(f"return {return_id} has no section {section_id!r}")
        return revision

    def _bump(self, return_id: int, section_id: str, base: int, actor: str, at: datetime) -> bool:
        result = self._session.execute(
            update(SectionRevisionRow)
            .where(
                SectionRevisionRow.return_id == return_id,
                SectionRevisionRow.section_id == section_id,
                SectionRevisionRow.revision == base,
            )
            .values(revision=SectionRevisionRow.revision + 1, updated_by=actor, updated_at=at)
            .execution_options(**_NO_SYNC)
        )
        return rowcount(result) == 1
