"""The storage interfaces the service layer depends on, as Protocols (fakes implement these).

Repositories return domain records from ``forms.records`` and never commit; the unit of work
commits, and rolls back whatever was not committed when its ``with`` block ends.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from forms.records import (
    Agency,
    AgencyReturn,
    Answers,
    AuditEntry,
    JSONValue,
    NewReturn,
    NewReview,
    Partnership,
    ReturnState,
    Review,
    ReviewStatus,
    SectionSaveResult,
)


class PartnershipRepository(Protocol):
    def ensure(self, team_id: str, name: str) -> Partnership: ...
    def get_by_team(self, team_id: str) -> Partnership | None: ...
    def ensure_agency(self, partnership_id: int, key: str, name: str) -> Agency: ...
    def get_agency(self, partnership_id: int, key: str) -> Agency | None: ...
    def list_agencies(self, partnership_id: int) -> list[Agency]: ...


class ReviewRepository(Protocol):
    def create(
        self,
        new: NewReview,
        returns: Sequence[NewReturn],
        section_ids: Sequence[str],
        at: datetime,
    ) -> Review: ...
    def get(self, review_id: int) -> Review | None: ...
    def get_by_reference(self, team_id: str, reference: str) -> Review | None: ...
    def list_for_team(
        self, team_id: str, statuses: Collection[ReviewStatus] | None = None
    ) -> list[Review]: ...
    def set_status(self, review_id: int, status: ReviewStatus, at: datetime) -> Review: ...
    def set_status_card(self, review_id: int, ts: str | None) -> Review: ...
    def set_owner(self, review_id: int, user_id: str) -> Review: ...


class ReturnRepository(Protocol):
    def add(
        self, review_id: int, new: NewReturn, section_ids: Sequence[str], at: datetime
    ) -> AgencyReturn: ...
    def get(self, return_id: int) -> AgencyReturn | None: ...
    def list_for_review(self, review_id: int) -> list[AgencyReturn]: ...
    def set_state(self, return_id: int, state: ReturnState, at: datetime) -> AgencyReturn: ...
    def set_contact(self, return_id: int, user_id: str, at: datetime) -> AgencyReturn: ...
    def set_submitted_at(
        self, return_id: int, submitted_at: datetime | None, at: datetime
    ) -> AgencyReturn: ...
    def set_dm_card(
        self, return_id: int, channel: str | None, ts: str | None, at: datetime
    ) -> AgencyReturn: ...


class AnswerRepository(Protocol):
    def get(self, return_id: int) -> Answers: ...
    def revisions(self, return_id: int) -> dict[str, int]: ...
    def save_section(
        self,
        return_id: int,
        section_id: str,
        base_revision: int,
        values: Mapping[str, JSONValue],
        actor: str,
        at: datetime,
    ) -> SectionSaveResult: ...
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
    ) -> SectionSaveResult: ...
    def delete_row(
        self,
        return_id: int,
        section_id: str,
        question_id: str,
        row_id: str,
        base_revision: int,
        actor: str,
        at: datetime,
    ) -> SectionSaveResult: ...


class AuditRepository(Protocol):
    """Append and read only: there is deliberately no update or delete."""

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
    ) -> AuditEntry: ...
    def list_for_review(self, review_id: int) -> list[AuditEntry]: ...


class ProcessedRequestRepository(Protocol):
    def claim(self, key: str, at: datetime | None = None) -> bool: ...
    def store_response(self, key: str, response: JSONValue) -> None: ...
    def get_response(self, key: str) -> JSONValue | None: ...
    def purge_before(self, cutoff: datetime) -> int: ...


class UnitOfWork(Protocol):
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit."""

    @property
    def partnerships(self) -> PartnershipRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def returns(self) -> ReturnRepository: ...
    @property
    def answers(self) -> AnswerRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def requests(self) -> ProcessedRequestRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
