"""The SQL unit of work: one session, its repositories, commit or roll back."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from storage.codec import AnswerCodec, JsonCodec
from storage.ports import (
    AnswerRepository,
    AuditRepository,
    PartnershipRepository,
    ProcessedRequestRepository,
    ReturnRepository,
    ReviewRepository,
    UnitOfWork,
)
from storage.repositories import (
    SqlAnswerRepository,
    SqlAuditRepository,
    SqlPartnershipRepository,
    SqlProcessedRequestRepository,
    SqlReturnRepository,
    SqlReviewRepository,
)

__all__ = ["SqlUnitOfWork", "UnitOfWork"]


class SqlUnitOfWork:
    """``with SqlUnitOfWork(session_factory) as uow: ...; uow.commit()``.

    Each ``with`` opens a fresh session; leaving the block rolls back whatever was not
    committed and closes the session. Use one unit of work per thread/request. Answer values
    go through ``codec`` (default JSON text), where encryption at rest plugs in.
    """

    partnerships: PartnershipRepository
    reviews: ReviewRepository
    returns: ReturnRepository
    answers: AnswerRepository
    audit: AuditRepository
    requests: ProcessedRequestRepository

    def __init__(
        self, session_factory: Callable[[], Session], codec: AnswerCodec | None = None
    ) -> None:
        self._session_factory = session_factory
        self._codec: AnswerCodec = codec or JsonCodec()
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use")
        session = self._session = self._session_factory()
        self.partnerships = SqlPartnershipRepository(session)
        self.reviews = SqlReviewRepository(session)
        self.returns = SqlReturnRepository(session)
        self.answers = SqlAnswerRepository(session, self._codec)
        self.audit = SqlAuditRepository(session)
        self.requests = SqlProcessedRequestRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._active(), None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Commit everything done in this unit of work so far."""
        self._active().commit()

    def rollback(self) -> None:
        """Discard everything not yet committed."""
        self._active().rollback()

    def _active(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session
