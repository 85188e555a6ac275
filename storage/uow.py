"""The SQL unit of work: one session, its repositories, commit or roll back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import TimeoutError as NoConnectionFree
from sqlalchemy.orm import Session

from storage.codec import AnswerCodec, JsonCodec, PlainText, TextCodec
from storage.errors import StorageBusy
from storage.ports import (
    AbsenceRepository,
    AnswerRepository,
    AuditRepository,
    PackChunkRepository,
    PackRepository,
    PartnershipRepository,
    ProcessedRequestRepository,
    ReminderRepository,
    RetentionRepository,
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
from storage.repositories.absences import SqlAbsenceRepository
from storage.repositories.pack_chunks import SqlPackChunkRepository
from storage.repositories.packs import SqlPackRepository
from storage.repositories.reminders import SqlReminderRepository
from storage.repositories.retention import SqlRetentionRepository

__all__ = ["SqlUnitOfWork", "UnitOfWork"]


class _Active:
    """The session and repositories of one ``with`` block in one thread."""

    def __init__(self, session: Session, codec: AnswerCodec, text: TextCodec) -> None:
        self.session = session
        self.partnerships = SqlPartnershipRepository(session)
        self.reviews = SqlReviewRepository(session, text)
        self.returns = SqlReturnRepository(session, text)
        self.answers = SqlAnswerRepository(session, codec)
        self.audit = SqlAuditRepository(session)
        self.requests = SqlProcessedRequestRepository(session, text)
        self.packs = SqlPackRepository(session)
        self.retention = SqlRetentionRepository(session, text)
        self.reminders = SqlReminderRepository(session)
        self.absences = SqlAbsenceRepository(session)
        self.chunks = SqlPackChunkRepository(session, text)


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``.

    Each ``with`` opens a fresh session; leaving the block rolls back whatever was not
    committed and closes the session. One object serves every thread: each thread gets its
    own session (nesting ``with`` in one thread is an error). Answer values go through
    ``codec`` and free text through ``text``; the bot passes the Fernet ones of
    ``storage.crypto`` (the plain defaults are for tests).
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        codec: AnswerCodec | None = None,
        text: TextCodec | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._codec: AnswerCodec = codec or JsonCodec()
        self._text: TextCodec = text or PlainText()
        self._local = threading.local()

    def __enter__(self) -> Self:
        if getattr(self._local, "active", None) is not None:
            raise RuntimeError("this unit of work is already in use in this thread")
        session = self._session_factory()
        try:
            session.connection()  # a connection from the pool now: StorageBusy if none is free
        except NoConnectionFree as exc:
            session.close()
            raise StorageBusy(f"database busy: no connection free ({exc})") from None
        except BaseException:
            session.close()
            raise
        self._local.active = _Active(session, self._codec, self._text)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._active().session
        self._local.active = None
        try:
            session.rollback()
        finally:
            session.close()

    @property
    def partnerships(self) -> PartnershipRepository:
        return self._active().partnerships

    @property
    def reviews(self) -> ReviewRepository:
        return self._active().reviews

    @property
    def returns(self) -> ReturnRepository:
        return self._active().returns

    @property
    def answers(self) -> AnswerRepository:
        return self._active().answers

    @property
    def audit(self) -> AuditRepository:
        return self._active().audit

    @property
    def requests(self) -> ProcessedRequestRepository:
        return self._active().requests

    @property
    def packs(self) -> PackRepository:
        return self._active().packs

    @property
    def retention(self) -> RetentionRepository:
        return self._active().retention

    @property
    def absences(self) -> AbsenceRepository:
        return self._active().absences

    @property
    def reminders(self) -> ReminderRepository:
        return self._active().reminders

    @property
    def chunks(self) -> PackChunkRepository:
        return self._active().chunks

    def commit(self) -> None:
        """Commit everything done in this unit of work so far."""
        self._active().session.commit()

    def rollback(self) -> None:
        """Discard everything not yet committed."""
        self._active().session.rollback()

    def _active(self) -> _Active:
        active: _Active | None = getattr(self._local, "active", None)
        if active is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return active
