"""Agency returns of a review, with the per-section revision rows created alongside."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.records import AgencyReturn, NewReturn, ReturnState
from storage.errors import NotFound
from storage.orm import AgencyRow, ReturnRow, ReviewRow, SectionRevisionRow


def to_return(row: ReturnRow) -> AgencyReturn:
    """The domain record of a return row."""
    return AgencyReturn(
        id=row.id,
        review_id=row.review_id,
        agency_id=row.agency_id,
        agency_key=row.agency.key,
        agency_name=row.agency.name,
        contact_user_id=row.contact_user_id,
        state=ReturnState(row.state),
        due_date=row.due_date,
        submitted_at=row.submitted_at,
        dm_channel=row.dm_channel,
        dm_ts=row.dm_ts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create_return(
    session: Session,
    review: ReviewRow,
    new: NewReturn,
    section_ids: Sequence[str],
    at: datetime,
) -> ReturnRow:
    """Insert a return in state invited and one revision row (at 0) per section id."""
    agency = session.scalars(
        select(AgencyRow).where(
            AgencyRow.partnership_id == review.partnership_id, AgencyRow.key == new.agency_key
        )
    ).one_or_none()
    if agency is None:
        raise NotFound(f"agency {new.agency_key!r} is not in this partnership")
    row = ReturnRow(
        review_id=review.id,
        agency=agency,
        contact_user_id=new.contact_user_id,
        state=ReturnState.INVITED.value,
        due_date=new.due_date,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    for section_id in dict.fromkeys(section_ids):
        session.add(SectionRevisionRow(return_id=row.id, section_id=section_id, revision=0))
    session.flush()
    return row


class SqlReturnRepository:
    """Returns in SQL. Never commits; the ``set_*`` methods raise ``NotFound`` for a bad id."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, review_id: int, new: NewReturn, section_ids: Sequence[str], at: datetime
    ) -> AgencyReturn:
        """Add an agency's return to an existing review (``/rrm add``)."""
        review = self._session.get(ReviewRow, review_id)
        if review is None:
            raise NotFound(f"review {review_id} does not exist")
        return to_return(create_return(self._session, review, new, section_ids, at))

    def get(self, return_id: int) -> AgencyReturn | None:
        """A return by id, or None."""
        row = self._session.get(ReturnRow, return_id)
        return None if row is None else to_return(row)

    def list_for_review(self, review_id: int) -> list[AgencyReturn]:
        """The returns of a review, in the order they were created."""
        rows = self._session.scalars(
            select(ReturnRow).where(ReturnRow.review_id == review_id).order_by(ReturnRow.id)
        )
        return [to_return(row) for row in rows]

    def set_state(self, return_id: int, state: ReturnState, at: datetime) -> AgencyReturn:
        """Record the return's new stored state."""
        row = self._row(return_id)
        row.state = ReturnState(state).value
        return self._touched(row, at)

    def set_contact(self, return_id: int, user_id: str, at: datetime) -> AgencyReturn:
        """Hand the return to another contact."""
        row = self._row(return_id)
        row.contact_user_id = user_id
        return self._touched(row, at)

    def set_submitted_at(
        self, return_id: int, submitted_at: datetime | None, at: datetime
    ) -> AgencyReturn:
        """Record (or clear, with None) when the return was submitted."""
        row = self._row(return_id)
        row.submitted_at = submitted_at
        return self._touched(row, at)

    def set_dm_card(
        self, return_id: int, channel: str | None, ts: str | None, at: datetime
    ) -> AgencyReturn:
        """Remember where the contact's DM card is, so it can be updated in place."""
        row = self._row(return_id)
        row.dm_channel, row.dm_ts = channel, ts
        return self._touched(row, at)

    def _row(self, return_id: int) -> ReturnRow:
        row = self._session.get(ReturnRow, return_id)
        if row is None:
            raise NotFound(f"return {return_id} does not exist")
        return row

    def _touched(self, row: ReturnRow, at: datetime) -> AgencyReturn:
        row.updated_at = at
        self._session.flush()
        return to_return(row)
