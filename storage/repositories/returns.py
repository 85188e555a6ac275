"""Agency returns of a review, with the per-section revision rows created alongside."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.records import AgencyReturn, Delegation, NewReturn, ReturnState
from storage.codec import PlainText, TextCodec
from storage.errors import NotFound
from storage.orm import (
    AgencyRow,
    DelegationRow,
    PartnershipRow,
    ReturnRow,
    ReviewRow,
    SectionRevisionRow,
)


def to_return(row: ReturnRow, text: TextCodec | None = None) -> AgencyReturn:
    """The domain record of a return row (its extension reason decrypted by ``text``)."""
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
        amended_at=row.amended_at,
        entered_by=row.entered_by,
        received_on=row.received_on,
        unreachable=row.unreachable,
        extension_reason=(text or PlainText()).decrypt(row.extension_reason),
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
    """Returns in SQL. Never commits; the ``set_*`` methods raise ``NotFound`` for a bad id.
    Free text (an extension's reason, a delegation's reason) goes through ``text`` (the bot's
    encrypts it; the default keeps it plain, for tests)."""

    def __init__(self, session: Session, text: TextCodec | None = None) -> None:
        self._session = session
        self._text: TextCodec = text or PlainText()

    def add(
        self, review_id: int, new: NewReturn, section_ids: Sequence[str], at: datetime
    ) -> AgencyReturn:
        """Add an agency's return to an existing review (``/rrm add``)."""
        review = self._session.get(ReviewRow, review_id)
        if review is None:
            raise NotFound(f"review {review_id} does not exist")
        return self._record(create_return(self._session, review, new, section_ids, at))

    def get(self, return_id: int) -> AgencyReturn | None:
        """A return by id, or None."""
        row = self._session.get(ReturnRow, return_id)
        return None if row is None else self._record(row)

    def list_for_review(self, review_id: int) -> list[AgencyReturn]:
        """The returns of a review, in the order they were created."""
        rows = self._session.scalars(
            select(ReturnRow).where(ReturnRow.review_id == review_id).order_by(ReturnRow.id)
        )
        return [self._record(row) for row in rows]

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

    def set_amended(
        self, return_id: int, amended_at: datetime | None, at: datetime
    ) -> AgencyReturn:
        """Record (or clear, with None) when the submitted return was last amended."""
        row = self._row(return_id)
        row.amended_at = amended_at
        return self._touched(row, at)

    def set_on_behalf(
        self, return_id: int, entered_by: str | None, received_on: date | None, at: datetime
    ) -> AgencyReturn:
        """Record the coordinator entering the return for its agency and when the partnership
        received it (None, None: the agency's contact answers it again)."""
        row = self._row(return_id)
        row.entered_by, row.received_on = entered_by, received_on
        return self._touched(row, at)

    def set_unreachable(self, return_id: int, reason: str | None, at: datetime) -> AgencyReturn:
        """Record why the contact cannot be reached in Slack (None: reachable again)."""
        row = self._row(return_id)
        row.unreachable = reason[:200] if reason is not None else None
        return self._touched(row, at)

    def set_due(self, return_id: int, due: date, reason: str | None, at: datetime) -> AgencyReturn:
        """Move this return's due date, with the reason (kept encrypted; None clears it)."""
        row = self._row(return_id)
        row.due_date = due
        row.extension_reason = self._text.encrypt(reason) if reason is not None else None
        return self._touched(row, at)

    def add_delegation(
        self, return_id: int, from_user: str, to_user: str, reason: str, at: datetime
    ) -> Delegation:
        """Record that ``from_user`` passed the return to ``to_user`` (the contact itself is
        changed by ``set_contact``)."""
        self._row(return_id)
        row = DelegationRow(
            return_id=return_id,
            from_user=from_user,
            to_user=to_user,
            reason=self._text.encrypt(reason) or "",
            at=at,
        )
        self._session.add(row)
        self._session.flush()
        return self._delegation(row)

    def delegations(self, return_id: int) -> list[Delegation]:
        """Every time the return was passed on, oldest first."""
        rows = self._session.scalars(
            select(DelegationRow)
            .where(DelegationRow.return_id == return_id)
            .order_by(DelegationRow.at, DelegationRow.id)
        )
        return [self._delegation(row) for row in rows]

    def list_for_contact(self, team_id: str, user_id: str) -> list[AgencyReturn]:
        """Every return (any state) in the team's reviews whose current contact is ``user_id``,
        newest review first."""
        rows = self._session.scalars(
            select(ReturnRow)
            .join(ReviewRow, ReviewRow.id == ReturnRow.review_id)
            .join(PartnershipRow, PartnershipRow.id == ReviewRow.partnership_id)
            .where(PartnershipRow.team_id == team_id, ReturnRow.contact_user_id == user_id)
            .order_by(ReviewRow.id.desc(), ReturnRow.id)
        )
        return [self._record(row) for row in rows]

    def _delegation(self, row: DelegationRow) -> Delegation:
        return Delegation(
            id=row.id,
            return_id=row.return_id,
            from_user=row.from_user,
            to_user=row.to_user,
            reason=self._text.decrypt(row.reason) or "",
            at=row.at,
        )

    def _record(self, row: ReturnRow) -> AgencyReturn:
        return to_return(row, self._text)

    def _row(self, return_id: int) -> ReturnRow:
        row = self._session.get(ReturnRow, return_id)
        if row is None:
            raise NotFound(f"return {return_id} does not exist")
        return row

    def _touched(self, row: ReturnRow, at: datetime) -> AgencyReturn:
        row.updated_at = at
        self._session.flush()
        return self._record(row)
