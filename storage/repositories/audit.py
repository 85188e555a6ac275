"""The append-only audit log: who did what, when — identifiers and counts, never answer text."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.records import AuditEntry, JSONValue
from storage.orm import AuditRow

MAX_DETAIL_TEXT = 500
_Scalar = str | int | float | bool | None


def check_details(details: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """Audit details must be flat: scalars or lists of scalars, strings up to 500 characters.

    This keeps whole answer payloads (nested dicts, long narrative) out of the audit log.
    """
    for key, value in details.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, _Scalar):
                raise ValueError(f"audit detail {key!r} must be a scalar or a list of scalars")
            if isinstance(item, str) and len(item) > MAX_DETAIL_TEXT:
                raise ValueError(f"audit detail {key!r} is over {MAX_DETAIL_TEXT} characters")
    return dict(details)


def to_entry(row: AuditRow) -> AuditEntry:
    """The domain record of an audit row."""
    details: dict[str, JSONValue] = json.loads(row.details)
    return AuditEntry(
        id=row.id,
        team_id=row.team_id,
        review_id=row.review_id,
        return_id=row.return_id,
        actor=row.actor,
        action=row.action,
        details=details,
        at=row.at,
    )


class SqlAuditRepository:
    """Audit entries in SQL: add and list only — there is deliberately no update or delete."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        team_id: str,
        actor: str,
        action: str,
        at: datetime,
        *,
        review_id: int | None = None,
        return_id: int | None = None,
        details: Mapping[str, JSONValue] | None = None,
    ) -> AuditEntry:
        """Append one entry (``details`` checked by ``check_details``)."""
        row = AuditRow(
            team_id=team_id,
            review_id=review_id,
            return_id=return_id,
            actor=actor,
            action=action,
            details=json.dumps(check_details(details or {}), ensure_ascii=True, sort_keys=True),
            at=at,
        )
        self._session.add(row)
        self._session.flush()
        return to_entry(row)

    def list_for_review(
        self, review_id: int, actions: Collection[str] | None = None
    ) -> list[AuditEntry]:
        """A review's entries in the order they were written (only ``actions``, if given)."""
        query = select(AuditRow).where(AuditRow.review_id == review_id)
        if actions is not None:
            query = query.where(AuditRow.action.in_(list(actions)))
        return [to_entry(row) for row in self._session.scalars(query.order_by(AuditRow.id))]
