"""Processed Slack requests, for answering a retried or duplicated request only once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from forms.records import JSONValue
from storage.codec import PlainText, TextCodec
from storage.errors import NotFound
from storage.orm import ProcessedRequestRow
from storage.repositories._sql import insert_for, rowcount


class SqlProcessedRequestRepository:
    """Request keys in SQL; the primary key makes ``claim`` exactly-once. Never commits.

    A stored response can hold what a person typed (a page's initial values), so it goes
    through ``text`` (encrypted in the bot) like every other free text."""

    def __init__(self, session: Session, text: TextCodec | None = None) -> None:
        self._session = session
        self._text: TextCodec = text or PlainText()

    def claim(self, key: str, at: datetime | None = None) -> bool:
        """Record ``key`` as being processed: True the first time, False if already claimed.

        Race-safe: concurrent claims of one key wait on the unique key and exactly one wins.
        A claim made in a unit of work that is rolled back is forgotten.
        """
        insert = insert_for(self._session, ProcessedRequestRow).values(
            key=key, created_at=at or datetime.now(UTC)
        )
        inserted = self._session.execute(
            insert.on_conflict_do_nothing(index_elements=["key"]).returning(ProcessedRequestRow.key)
        ).first()
        return inserted is not None

    def store_response(self, key: str, response: JSONValue) -> None:
        """Keep the response given to a claimed request, so a duplicate gets it again."""
        result = self._session.execute(
            update(ProcessedRequestRow)
            .where(ProcessedRequestRow.key == key)
            .values(response=self._text.encrypt(json.dumps(response, ensure_ascii=True)))
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            raise NotFound(f"request {key!r} was never claimed")

    def get_response(self, key: str) -> JSONValue | None:
        """The stored response of a request, or None (unknown key or no response kept)."""
        text = self._session.scalar(
            select(ProcessedRequestRow.response).where(ProcessedRequestRow.key == key)
        )
        if text is None:
            return None
        try:
            plain = self._text.decrypt(text)
        except Exception:  # e.g. stored under a key since rotated away: no response to repeat
            return None
        if plain is None:
            return None
        value: JSONValue = json.loads(plain)
        return value

    def claimed_at(self, key: str) -> datetime | None:
        """When ``key`` was claimed, or None if it never was (or its claim was rolled back)."""
        return self._session.scalar(
            select(ProcessedRequestRow.created_at).where(ProcessedRequestRow.key == key)
        )

    def release(self, key: str) -> None:
        """Forget the claim of ``key`` (its request changed nothing): the same request sent
        again is then a first delivery."""
        self._session.execute(
            delete(ProcessedRequestRow)
            .where(ProcessedRequestRow.key == key)
            .execution_options(synchronize_session=False)
        )

    def purge_before(self, cutoff: datetime) -> int:
        """Forget requests claimed before ``cutoff``; returns how many."""
        result = self._session.execute(
            delete(ProcessedRequestRow)
            .where(ProcessedRequestRow.created_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)
