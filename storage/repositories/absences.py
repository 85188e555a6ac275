"""Absences: a person away until a date, with an optional deputy (one record per person)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forms.records import Absence
from storage.orm import AbsenceRow
from storage.repositories._sql import rowcount


def _record(row: AbsenceRow) -> Absence:
    return Absence(
        team_id=row.team_id,
        user_id=row.user_id,
        until=row.until,
        deputy=row.deputy,
        created_at=row.created_at,
    )


class SqlAbsenceRepository:
    """Absences in SQL. Never commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def set(
        self, team_id: str, user_id: str, until: date, deputy: str | None, at: datetime
    ) -> Absence:
        """Record that ``user_id`` is away until ``until`` (inclusive), replacing any earlier
        record of theirs."""
        row = self._find(team_id, user_id)
        if row is None:
            row = AbsenceRow(team_id=team_id, user_id=user_id, until=until, created_at=at)
            self._session.add(row)
        row.until, row.deputy, row.created_at = until, deputy, at
        self._session.flush()
        return _record(row)

    def clear(self, team_id: str, user_id: str) -> bool:
        """Forget the person's absence; whether there was one."""
        result = self._session.execute(
            delete(AbsenceRow)
            .where(AbsenceRow.team_id == team_id, AbsenceRow.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) > 0

    def get(self, team_id: str, user_id: str) -> Absence | None:
        """The person's absence on record (past ones too: compare ``until`` with today)."""
        row = self._find(team_id, user_id)
        return None if row is None else _record(row)

    def list_for_team(self, team_id: str) -> list[Absence]:
        """Every absence on record in the team, by person."""
        rows = self._session.scalars(
            select(AbsenceRow).where(AbsenceRow.team_id == team_id).order_by(AbsenceRow.user_id)
        )
        return [_record(row) for row in rows]

    def _find(self, team_id: str, user_id: str) -> AbsenceRow | None:
        return self._session.scalars(
            select(AbsenceRow).where(AbsenceRow.team_id == team_id, AbsenceRow.user_id == user_id)
        ).one_or_none()
