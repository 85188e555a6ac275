"""Rendered chunks of the pack's PDF, kept to be merged again instead of rendered again.

A chunk (:mod:`forms.pack.pdf`) is rendered from a whole HTML document: the pack's head and
stylesheet, the running header's reference and pseudonym, and its part of the pack. Nothing in
it depends on the pack's version, kind, compile time or recipients (those are on the cover, and
the running footer is written onto the pages after merging), so a return of Appendix A gives the
same document in every version of the pack until the return itself changes. Its key is the
sha256 of that document and of :func:`renderer` (WeasyPrint's and pydyf's versions and
:data:`CHUNK_FORMAT`); the blob kept under it is the chunk's PDF and what merging needs (pages,
anchors, links, bookmarks, the PDF's sha256) as JSON, never a pickle.

Where the blobs are kept is the caller's business (:class:`ChunkCache`); the bot keeps them in
the database, encrypted like the answers. A blob that cannot be read is a miss, logged at
WARNING without its content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any, Protocol

from forms.pack.pdf import Chunk, _Worker

CHUNK_FORMAT = 1
"""Bump when a chunk's blob, or what a chunk holds, changes: every kept chunk is then a miss."""

_MAGIC = b"RRM-PDF-CHUNK\n"
_HEADER = struct.Struct("!I")
_MAX_HEADER = 16 * 1024 * 1024

log = logging.getLogger(__name__)


class ChunkCache(Protocol):
    """Where rendered chunks are kept: blobs by key (a hex sha256)."""

    def get(self, key: str) -> bytes | None:
        """The blob kept under ``key``, or None."""
        ...

    def put(self, key: str, blob: bytes) -> None:
        """Keep ``blob`` under ``key`` (replacing what was there)."""
        ...


@lru_cache(maxsize=1)
def renderer() -> str:
    """What renders a chunk, as text: a chunk kept by another renderer is not used."""
    versions = []
    for package in ("weasyprint", "pydyf"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} unknown")
    return f"rrm-bot pdf chunk {CHUNK_FORMAT}; " + "; ".join(versions)


def chunk_key(document: str) -> str:
    """The key of a chunk's whole HTML document (:meth:`~forms.pack.pdf.Plan.document`)."""
    digest = hashlib.sha256(renderer().encode("utf-8"))
    digest.update(b"\0")
    digest.update(document.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def encode_chunk(chunk: Chunk) -> bytes:
    """A rendered chunk as a blob: a header, its JSON (pages and what crosses chunks), its PDF."""
    head = json.dumps(
        {
            "format": CHUNK_FORMAT,
            "pdf_sha256": hashlib.sha256(chunk.pdf).hexdigest(),
            "pages": chunk.pages,
            "anchors": chunk.anchors,
            "links": chunk.links,
            "bookmarks": chunk.bookmarks,
        },
        ensure_ascii=True,
        separators=(",", ":"),
        allow_nan=False,
    ).encode("ascii")
    return _MAGIC + _HEADER.pack(len(head)) + head + chunk.pdf


def decode_chunk(blob: bytes) -> Chunk:
    """The chunk of a blob made by :func:`encode_chunk`; ValueError for anything else."""
    start = len(_MAGIC) + _HEADER.size
    if not blob.startswith(_MAGIC) or len(blob) < start:
        raise ValueError("not a kept chunk")
    (size,) = _HEADER.unpack_from(blob, len(_MAGIC))
    if size > _MAX_HEADER or len(blob) < start + size:
        raise ValueError("a kept chunk cut short")
    head = json.loads(blob[start : start + size].decode("ascii"))
    pdf = blob[start + size :]
    if not isinstance(head, dict) or head.get("format") != CHUNK_FORMAT:
        raise ValueError("a kept chunk of another format")
    if head.get("pdf_sha256") != hashlib.sha256(pdf).hexdigest():
        raise ValueError("a kept chunk whose PDF is not the one kept")
    pages = head.get("pages")
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        raise ValueError("a kept chunk without pages")
    return Chunk(
        pdf=pdf,
        pages=pages,
        anchors=[_anchor(a, pages) for a in _list(head, "anchors")],
        links=[_link(a, pages) for a in _list(head, "links")],
        bookmarks=[_bookmark(a, pages) for a in _list(head, "bookmarks")],
    )


def cached(cache: ChunkCache, key: str) -> Chunk | None:
    """The chunk kept under ``key``, or None: not kept, or not readable (logged, never its
    content)."""
    try:
        blob = cache.get(key)
        return None if blob is None else decode_chunk(blob)
    except Exception as exc:  # a cache that fails is a miss, whatever failed
        log.warning("kept PDF chunk %s… not used: %s", key[:12], type(exc).__name__)
        return None


def keep(cache: ChunkCache, key: str, chunk: Chunk) -> None:
    """Put a rendered chunk into the cache; a failure is logged, never raised (a cache that
    cannot keep a chunk only costs the next pack its render)."""
    try:
        cache.put(key, encode_chunk(chunk))
    except Exception as exc:
        log.warning("PDF chunk %s… not kept: %s", key[:12], type(exc).__name__)


@dataclass(frozen=True)
class Warmed:
    """What :func:`warm_chunks` did: chunks rendered and kept, chunks found kept already."""

    rendered: int
    found: int
    seconds: float
    chunk_seconds: tuple[float, ...] = ()


def warm_chunks(
    documents: Sequence[str],
    cache: ChunkCache,
    *,
    stop: Callable[[], bool] | None = None,
) -> Warmed:
    """Render into ``cache`` each of ``documents`` (chunk documents,
    :meth:`~forms.pack.pdf.Plan.return_documents`) not kept there yet, one after another on
    ONE worker process (at :data:`~forms.pack.pdf.WORKER_NICE`, as every PDF worker), for work
    in the background. ``stop`` is asked before each render: True ends the warm-up there."""
    started = time.perf_counter()
    unique = [(chunk_key(d), d) for d in dict.fromkeys(documents)]
    todo = [(key, d) for key, d in unique if cached(cache, key) is None]
    found = len(unique) - len(todo)
    times: list[float] = []
    if not todo or (stop is not None and stop()):
        return Warmed(0, found, time.perf_counter() - started)
    worker = _Worker()
    try:
        for key, document in todo:
            if stop is not None and stop():
                break
            began = time.perf_counter()
            chunk = worker.render(document)
            keep(cache, key, chunk)
            times.append(time.perf_counter() - began)
    finally:
        worker.close()
    return Warmed(len(times), found, time.perf_counter() - started, tuple(times))


def _list(head: dict[str, Any], name: str) -> list[Any]:
    value = head.get(name)
    if not isinstance(value, list):
        raise ValueError(f"a kept chunk without {name}")
    return value


def _page(value: object, pages: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < pages:
        raise ValueError("a kept chunk with a page out of range")
    return value


def _number(value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("a kept chunk with a position that is not a number")
    return float(value)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a kept chunk with a name that is not text")
    return value


def _anchor(item: object, pages: int) -> tuple[int, str, float, float]:
    if not isinstance(item, list) or len(item) != 4:
        raise ValueError("a kept chunk with a malformed anchor")
    return _page(item[0], pages), _str(item[1]), _number(item[2]), _number(item[3])


def _link(item: object, pages: int) -> tuple[int, str, tuple[float, float, float, float]]:
    if not isinstance(item, list) or len(item) != 3:
        raise ValueError("a kept chunk with a malformed link")
    rect = item[2]
    if not isinstance(rect, list) or len(rect) != 4:
        raise ValueError("a kept chunk with a malformed link")
    x1, y1, x2, y2 = (_number(v) for v in rect)
    return _page(item[0], pages), _str(item[1]), (x1, y1, x2, y2)


def _bookmark(item: object, pages: int) -> tuple[int, int, str, float, float, str]:
    if not isinstance(item, list) or len(item) != 6:
        raise ValueError("a kept chunk with a malformed bookmark")
    level = item[1]
    if not isinstance(level, int) or isinstance(level, bool):
        raise ValueError("a kept chunk with a malformed bookmark")
    return (
        _page(item[0], pages),
        level,
        _str(item[2]),
        _number(item[3]),
        _number(item[4]),
        _str(item[5]),
    )
