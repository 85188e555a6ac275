"""Rendered chunks of a review's pack PDF (``forms.pack.pdf_cache``), kept so that the next
pack merges them instead of rendering them again. Each blob is encrypted like the answers
(through the unit of work's ``TextCodec``). A cache: anything here may be deleted at any time;
the purge deletes a review's, a key rotation everyone's."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.codec import PlainText, TextCodec
from storage.errors import StorageError
from storage.orm import PackChunkRow, ReviewRow
from storage.repositories._sql import insert_for, rowcount

_BATCH = 500  # keys in one IN (...): well under SQLite's and PostgreSQL's limits


class SqlPackChunkRepository:
    """Kept chunks in SQL, by review and key. Never commits."""

    def __init__(self, session: Session, text: TextCodec | None = None) -> None:
        self._session = session
        self._text: TextCodec = text or PlainText()

    def load(self, review_id: int) -> dict[str, bytes | None]:
        """Every chunk kept for the review, decrypted, by key, in one query; None for one that
        cannot be decrypted (another key, or altered)."""
        rows = self._session.execute(
            select(PackChunkRow.key, PackChunkRow.blob).where(PackChunkRow.review_id == review_id)
        )
        return {key: self._open(blob) for key, blob in rows}

    def keys(self, review_id: int) -> set[str]:
        """The keys of the chunks kept for the review."""
        query = select(PackChunkRow.key).where(PackChunkRow.review_id == review_id)
        return set(self._session.scalars(query))

    def put(self, review_id: int, chunks: Mapping[str, bytes], at: datetime) -> bool:
        """Keep each blob of ``chunks`` under its key for the review, encrypted, replacing a
        blob kept under the same key (made and last used ``at``). Nothing is kept for a review
        that is gone or purged (False): the review's row is locked first, so a purge cannot
        pass in between."""
        purged = self._session.execute(
            select(ReviewRow.purged_at)
            .where(ReviewRow.id == review_id)
            .with_for_update(key_share=True)
        ).one_or_none()
        if purged is None or purged[0] is not None:
            return False
        if not chunks:
            return True
        insert = insert_for(self._session, PackChunkRow)
        rows = [
            {
                "review_id": review_id,
                "key": key,
                "blob": self._text.encrypt_bytes(blob),
                "created_at": at,
                "last_used_at": at,
            }
            for key, blob in chunks.items()
        ]
        self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[PackChunkRow.review_id, PackChunkRow.key],
                set_={
                    "blob": insert.excluded.blob,
                    "created_at": insert.excluded.created_at,
                    "last_used_at": insert.excluded.last_used_at,
                },
            ),
            rows,
        )
        return True

    def touch(self, review_id: int, keys: Collection[str], at: datetime) -> int:
        """Record the chunks of ``keys`` as used ``at``; how many there were."""
        found = 0
        for batch in _batches(keys):
            found += rowcount(
                self._session.execute(
                    update(PackChunkRow)
                    .where(PackChunkRow.review_id == review_id, PackChunkRow.key.in_(batch))
                    .values(last_used_at=at)
                    .execution_options(synchronize_session=False)
                )
            )
        return found

    def prune(self, review_id: int, keep: Collection[str], before: datetime) -> int:
        """Delete the review's chunks not in ``keep`` and last used before ``before`` (a chunk
        kept while a pack was being compiled stays); how many."""
        doomed = [
            key
            for key, used in self._session.execute(
                select(PackChunkRow.key, PackChunkRow.last_used_at).where(
                    PackChunkRow.review_id == review_id
                )
            )
            if key not in keep and used < before
        ]
        deleted = 0
        for batch in _batches(doomed):
            deleted += rowcount(
                self._session.execute(
                    delete(PackChunkRow)
                    .where(PackChunkRow.review_id == review_id, PackChunkRow.key.in_(batch))
                    .execution_options(synchronize_session=False)
                )
            )
        return deleted

    def delete_for_review(self, review_id: int) -> int:
        """Delete every chunk kept for the review; how many."""
        return rowcount(
            self._session.execute(
                delete(PackChunkRow)
                .where(PackChunkRow.review_id == review_id)
                .execution_options(synchronize_session=False)
            )
        )

    def _open(self, blob: str) -> bytes | None:
        try:
            return self._text.decrypt_bytes(blob)
        except (StorageError, ValueError):
            return None


def _batches(keys: Collection[str]) -> list[list[str]]:
    ordered = sorted(keys)
    return [ordered[i : i + _BATCH] for i in range(0, len(ordered), _BATCH)]
