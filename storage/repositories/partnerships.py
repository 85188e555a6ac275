"""Partnerships (one per Slack team) and their agencies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.records import Agency, Partnership
from storage.errors import NotFound
from storage.orm import AgencyRow, PartnershipRow
from storage.repositories._sql import insert_for


def to_partnership(row: PartnershipRow) -> Partnership:
    """The domain record of a partnership row."""
    return Partnership(id=row.id, team_id=row.team_id, name=row.name)


def to_agency(row: AgencyRow) -> Agency:
    """The domain record of an agency row."""
    return Agency(id=row.id, partnership_id=row.partnership_id, key=row.key, name=row.name)


class SqlPartnershipRepository:
    """Partnerships and agencies in SQL. Never commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def ensure(self, team_id: str, name: str) -> Partnership:
        """The partnership of ``team_id``, created if missing (race-safe), renamed if needed."""
        insert = insert_for(self._session, PartnershipRow)
        self._session.execute(
            insert.values(team_id=team_id, name=name).on_conflict_do_nothing(
                index_elements=[PartnershipRow.team_id]
            )
        )
        row = self._session.scalars(
            select(PartnershipRow).where(PartnershipRow.team_id == team_id)
        ).one()
        if row.name != name:
            row.name = name
        return to_partnership(row)

    def get_by_team(self, team_id: str) -> Partnership | None:
        """The partnership of a Slack team, or None."""
        row = self._session.scalars(
            select(PartnershipRow).where(PartnershipRow.team_id == team_id)
        ).one_or_none()
        return None if row is None else to_partnership(row)

    def ensure_agency(self, partnership_id: int, key: str, name: str) -> Agency:
        """A partnership's agency ``key``, created if missing (race-safe), renamed if needed."""
        insert = insert_for(self._session, AgencyRow)
        self._session.execute(
            insert.values(partnership_id=partnership_id, key=key, name=name).on_conflict_do_nothing(
                index_elements=[AgencyRow.partnership_id, AgencyRow.key]
            )
        )
        row = self._agency_row(partnership_id, key)
        if row is None:
            raise NotFound(f"agency {key!r} vanished while being created")
        if row.name != name:
            row.name = name
        return to_agency(row)

    def get_agency(self, partnership_id: int, key: str) -> Agency | None:
        """An agency by its key, or None."""
        row = self._agency_row(partnership_id, key)
        return None if row is None else to_agency(row)

    def list_agencies(self, partnership_id: int) -> list[Agency]:
        """Every agency of a partnership, by key."""
        rows = self._session.scalars(
            select(AgencyRow)
            .where(AgencyRow.partnership_id == partnership_id)
            .order_by(AgencyRow.key)
        )
        return [to_agency(row) for row in rows]

    def _agency_row(self, partnership_id: int, key: str) -> AgencyRow | None:
        return self._session.scalars(
            select(AgencyRow).where(
                AgencyRow.partnership_id == partnership_id, AgencyRow.key == key
            )
        ).one_or_none()
