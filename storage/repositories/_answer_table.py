"""Reading and writing the rows of the ``answers`` table for one return (no revision rules)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, alias, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from storage.codec import AnswerCodec
from storage.orm import AnswerRow
from storage.repositories._answer_rows import Row, group
from storage.repositories._sql import insert_for

_NO_SYNC = {"synchronize_session": False}
_EXCLUDED = alias(AnswerRow.__table__, name="excluded")
"""The row an upsert proposed (``excluded``, on SQLite and PostgreSQL alike), made once:
``Insert.excluded`` copies every column of the table again for each statement, which was a fifth
of a page save's CPU (bench/README.md)."""
_REPLACED = ("value", "updated_by", "updated_at", "position")  # position last: see upsert


class AnswerTable:
    """Answer rows of a session, values through ``codec``; callers hold the section lock."""

    def __init__(self, session: Session, codec: AnswerCodec) -> None:
        self._session = session
        self._codec = codec

    def rows(self, return_id: int, question_ids: Collection[str] | None) -> list[tuple[str, Row]]:
        """``(question_id, row)`` pairs of a return in stored order, optionally for some ids."""
        query = (
            select(AnswerRow.question_id, AnswerRow.row_id, AnswerRow.value)
            .where(AnswerRow.return_id == return_id)
            .order_by(AnswerRow.question_id, AnswerRow.position, AnswerRow.id)
        )
        if question_ids is not None:
            query = query.where(AnswerRow.question_id.in_(list(question_ids)))
        return [(q, Row(r, self._codec.decode(v))) for q, r, v in self._session.execute(query)]

    def stored(self, return_id: int, question_ids: Collection[str]) -> Mapping[str, list[Row]]:
        """The stored rows of each of ``question_ids`` (an empty list when unanswered)."""
        return group(self.rows(return_id, question_ids), question_ids)

    def of(self, return_id: int, question_id: str) -> list[Row]:
        """The stored rows of one question."""
        return self.stored(return_id, [question_id])[question_id]

    def next_position(self, return_id: int, question_id: str) -> int:
        """The position after the question's last row."""
        highest = self._session.scalar(
            select(func.max(AnswerRow.position)).where(
                AnswerRow.return_id == return_id, AnswerRow.question_id == question_id
            )
        )
        return 0 if highest is None else highest + 1

    def replace(
        self, return_id: int, rows_by_question: Mapping[str, list[Row]], actor: str, at: datetime
    ) -> None:
        """Make each question's ``rows`` (in this order) its only rows, upserting by row id: one
        DELETE and one INSERT for them all, however many questions a page has (each statement
        is a round trip, and a page of several questions took two each)."""
        if not rows_by_question:
            return
        self._session.execute(
            delete(AnswerRow)
            .where(
                AnswerRow.return_id == return_id,
                or_(
                    *(
                        and_(
                            AnswerRow.question_id == question_id,
                            AnswerRow.row_id.not_in([r.row_id for r in rows]),
                        )
                        for question_id, rows in rows_by_question.items()
                    )
                ),
            )
            .execution_options(**_NO_SYNC)
        )
        values = {  # by key: a row id given twice is written once, as given last
            (question_id, row.row_id): self._row(return_id, question_id, row, position, actor, at)
            for question_id, rows in rows_by_question.items()
            for position, row in enumerate(rows)
        }
        if values:
            self._upsert(list(values.values()), _REPLACED)

    def delete(self, return_id: int, question_id: str, which: ColumnElement[bool]) -> None:
        """Delete the question's rows matching ``which``."""
        self._session.execute(
            delete(AnswerRow)
            .where(AnswerRow.return_id == return_id, AnswerRow.question_id == question_id, which)
            .execution_options(**_NO_SYNC)
        )

    def upsert(
        self,
        return_id: int,
        question_id: str,
        row: Row,
        position: int,
        actor: str,
        at: datetime,
        keep_position: bool = False,
    ) -> None:
        """Insert the row, or update it in place (INSERT ... ON CONFLICT DO UPDATE)."""
        columns = _REPLACED[:-1] if keep_position else _REPLACED
        self._upsert([self._row(return_id, question_id, row, position, actor, at)], columns)

    def _row(
        self, return_id: int, question_id: str, row: Row, position: int, actor: str, at: datetime
    ) -> dict[str, object]:
        return {
            "return_id": return_id,
            "question_id": question_id,
            "row_id": row.row_id,
            "position": position,
            "value": self._codec.encode(row.value),
            "updated_by": actor,
            "updated_at": at,
        }

    def _upsert(self, rows: list[dict[str, object]], columns: tuple[str, ...]) -> None:
        """Insert the rows; a row already there (same return, question and row id) has
        ``columns`` updated instead."""
        self._session.execute(
            insert_for(self._session, AnswerRow)
            .values(rows)
            .on_conflict_do_update(
                index_elements=[AnswerRow.return_id, AnswerRow.question_id, AnswerRow.row_id],
                set_={name: _EXCLUDED.c[name] for name in columns},
            )
        )
