"""A review's kept chunks of the pack PDF, as the ``ChunkCache`` the renderer asks
(``forms.pack.pdf_cache``): read from the database in one query when made, decrypted; what the
renderer puts is written in one short transaction by ``save()`` (or at once, ``write_through``,
for a warm-up that may be stopped half-way). Nothing here ever fails a pack: a chunk that cannot
be read is a miss, a write that fails is logged and forgotten."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from bot.services.context import Context

log = logging.getLogger(__name__)


class StoredChunks:
    """The kept chunks of one review (a ``ChunkCache``). Thread-safe."""

    def __init__(self, ctx: Context, review_id: int, *, write_through: bool = False) -> None:
        self._ctx = ctx
        self.review_id = review_id
        self.started: datetime = ctx.now()
        self._write_through = write_through
        self._lock = threading.Lock()
        self._new: dict[str, bytes] = {}
        self.used: set[str] = set()
        try:
            with ctx.uow as uow:
                self._kept = uow.chunks.load(review_id)
        except Exception as exc:
            log.warning("kept PDF chunks of review %s not read: %s", review_id, type(exc).__name__)
            self._kept = {}

    def get(self, key: str) -> bytes | None:
        """The blob kept under ``key`` (None: not kept); ValueError when it is kept but cannot
        be decrypted (the renderer logs it and renders the chunk)."""
        with self._lock:
            self.used.add(key)
            if key not in self._kept:
                return None
            blob = self._kept[key]
        if blob is None:
            raise ValueError("a kept chunk that cannot be decrypted")
        return blob

    def put(self, key: str, blob: bytes) -> None:
        """Keep ``blob``: at once with ``write_through``, otherwise at ``save()``."""
        with self._lock:
            self.used.add(key)
            self._kept[key] = blob
            self._new[key] = blob
        if self._write_through:
            self.save()

    def save(self, *, prune: bool = False) -> None:
        """Write what was put since the last save, record the chunks asked for as used, and
        with ``prune`` delete the review's other chunks not used since this cache was made
        (they belong to no pack the review will be compiled into again)."""
        with self._lock:
            new, self._new = self._new, {}
            used = set(self.used)
        now = self._ctx.now()
        try:
            with self._ctx.uow as uow:
                uow.chunks.put(self.review_id, new, now)
                uow.chunks.touch(self.review_id, used - set(new), now)
                if prune:
                    uow.chunks.prune(self.review_id, used, self.started)
                uow.commit()
        except Exception as exc:
            log.warning("PDF chunks of review %s not kept: %s", self.review_id, type(exc).__name__)
