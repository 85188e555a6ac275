"""The pack as one PDF: WeasyPrint lays out chunks of the HTML in worker processes; pypdf merges.

Why chunks. WeasyPrint uses one core, keeps every laid-out page in memory until the PDF is
written (about 1 MB a page here), and costs about one text layout per line and a few
milliseconds per page: a pack for 30 agencies runs to some 500 pages. So the HTML is cut into
chunks, (at most) two worker processes render them to PDF in parallel, and the first of them
merges the PDFs in order (pypdf is pure Python: in the bot's own process, a merge held the
interpreter for most of a second, away from the requests Slack waits on).

Where it is cut. Only where the printed pack starts a page anyway: before each
``<section class="major ...">`` (every major section, and every return in Appendix A). Small
parts are put together into one chunk, but a return never is: its chunk holds it alone. A part
too long for one chunk (the merged chronology, a very long return) is also cut at
one of the ``<!--pdf:split-->`` marks the templates put between entries: the next chunk starts
on a new page, re-opens the section (without its id) and carries the section's running header.
The cover and contents are a chunk of their own: rendered once with made-up page numbers to learn
how many pages they take, and again, with the real numbers, once every other chunk is laid out.

What spans chunks, and who does it:

- the marking (OFFICIAL-SENSITIVE) at the top and bottom of every page, and "Page n of m" at the
  bottom right: written onto every merged page, where and as the print stylesheet's
  ``@top-center``, ``@bottom-center`` and ``@bottom-right`` boxes put them (those boxes are
  switched off in the chunks: a margin box costs WeasyPrint a millisecond or more a page, and
  ``counter(pages)`` makes it lay every page out twice), in a subset of the font fontconfig
  gives for the boxes' family, embedded (Helvetica, not embedded, if there is none); the text
  extracts;
- the running footer (the pack's version, kind and compile time, ``.packversion``): taken out
  of the HTML before it is cut (:attr:`Plan.footer`) and written onto every merged page where
  the stylesheet's ``@bottom-left`` box puts it, so that no chunk but the cover and contents
  depends on the version, and a return's chunk is the same from one version to the next;
- the running headers (reference, section): the print stylesheet, in every chunk;
- the contents list's page numbers: written into the contents chunk as literals;
- internal links, named destinations and the outline (bookmarks): taken out of each chunk
  (WeasyPrint reports their positions) and put into the merged document.

The workers are ``python -P`` processes running this file: they import WeasyPrint and nothing of
the application, talk length-prefixed pickles over pipes, and exit when the PDF is done, so the
memory they used goes back to the system.

Kept chunks. Each return of Appendix A is a chunk of its own (or several), which depends on
nothing but the return. Given a :class:`~forms.pack.pdf_cache.ChunkCache`, a return's chunk
rendered before (the same HTML, stylesheet and renderer) is taken from it instead of rendered,
and each return's chunk rendered is put into it (:mod:`forms.pack.pdf_cache`), so a return
received days before the meeting (rendered then by ``warm_chunks``) is only merged. The rest
of the pack changes with every return and is always rendered.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import functools
import gc
import io
import itertools
import logging
import math
import os
import pickle
import re
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time imported where used: the worker runs this file on its own
    from forms.pack.pdf_cache import ChunkCache

SPLIT_MARK = "<!--pdf:split-->"
"""Where the templates allow a long part to be cut between chunks (the next chunk starts a page)."""

MARKING = "OFFICIAL-SENSITIVE"
"""Written at the top and bottom of every page (as the print stylesheet's margin boxes do)."""

CHUNK_SIZE = 200_000
"""The most a chunk holds, unless one part between two possible cuts is bigger, as the length of
its HTML with each tag counted as :data:`TAG_WEIGHT` characters more (a box costs memory as
about that much text does). About 40 pages: a worker peaks at its interpreter and WeasyPrint
(about 50 MB) plus about 50 MB. Smaller chunks cost time: each chunk subsets and embeds its own
fonts (about 0.2 s with fontTools, a few milliseconds with the system library HarfBuzz-Subset)."""

TAG_WEIGHT = 20

MAX_WORKERS = 2

WORKER_NICE = 10
"""How much lower than the bot the workers run (``os.nice``): a pack compiled in the background
must not hold up the bot's answers to Slack, which wait on the same cores (bench/README.md,
"Load"). Alone on the machine, the workers run as fast as before."""

_PT_PER_PX = 0.75  # WeasyPrint's CSS px to PDF points (zoom 1)
_MM = 72 / 25.4

# What is written onto every page, where pack.css's @page puts it: margins 20 mm (top),
# 18 mm (bottom) and 15 mm (left and right); each text vertically centred in its margin.
_PAGE_TOP_PT = 20 * _MM
_PAGE_BOTTOM_PT = 18 * _MM
_PAGE_RIGHT_PT = 15 * _MM
_PAGE_LEFT_PT = 15 * _MM
_MARK_PT, _MARK_TRACKING, _MARK_RGB = 9.0, 0.08, (0x8B, 0x1A, 0x1A)
_NUMBER_PT, _NUMBER_RGB = 8.0, (0x33, 0x33, 0x33)
_FOOTER_PT, _FOOTER_RGB = 7.5, (0x55, 0x55, 0x55)
_MARK_FONT, _NUMBER_FONT = "/RRMMarking", "/RRMPageNumber"
_STAMP_FAMILY = "Arial"  # the margin boxes' first choice; fontconfig finds what stands in for it

# Helvetica's advance widths (per 1000 em, Adobe's core-font AFMs), if no system font is found.
_HELVETICA = {" ": 278, "P": 667, "a": 556, "g": 556, "e": 556, "o": 556, "f": 278}
_HELVETICA_BOLD = {
    "A": 722, "B": 722, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278,
    "J": 556, "K": 722, "L": 611, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722,
    "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611, "-": 333,
    " ": 278,
}  # fmt: skip

# In every chunk: no marking or page number (written after merging), and the running headers
# kept out of the middle third of the margins, where the marking goes; a hidden block that sets
# the running header in a continuation chunk.
_CHUNK_CSS = """
@page {
  @top-center { content: none; }
  @bottom-center { content: none; }
  @bottom-right { content: none; }
  @top-left { width: 70mm; }
  @top-right { width: 70mm; }
  @bottom-left { content: none; }
}
.pdf-section { string-set: section content(); position: absolute; visibility: hidden; }
"""

# WeasyPrint's warnings from the workers are logged here, as WeasyPrint logs them in-process
# (with a NullHandler, so they go wherever the application sends its logs, and nowhere else).
_WEASYPRINT_LOG = logging.getLogger("weasyprint")
_WEASYPRINT_LOG.addHandler(logging.NullHandler())

_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_MAJOR = re.compile(r'<section class="major[ "]')
_SECTION = re.compile(r'<section class="([^"]*)"[^>]*>')
_H2 = re.compile(r"<h2\b[^>]*>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TOC = re.compile(r'<nav class="toc".*?</nav>', re.DOTALL)
_HREF = re.compile(r'href="#([^"]+)"')
_FOOTER = re.compile(r'<span class="packversion">(.*?)</span>\n?', re.DOTALL)
_RETURN = re.compile(r'<section class="major ret[ "]')


@dataclass(frozen=True)
class PdfStats:
    """How a PDF was made: chunks, workers and their peak memory, where the time went."""

    pages: int
    chunks: int
    workers: int
    worker_peak_kb: tuple[int, ...]
    chunk_pages: tuple[int, ...]
    chunk_cpu_s: tuple[float, ...]
    front_renders: int
    seconds: dict[str, float]
    cache_hits: int = 0
    """Chunks of returns taken from the cache instead of rendered."""


@dataclass
class Plan:
    """The HTML cut for rendering: ``front`` (cover and contents) and ``chunks``, each to be
    wrapped in the document's head and the start of its body (:meth:`document`)."""

    head: str
    prefix: str
    front: str
    chunks: list[str]
    tail: str
    toc_targets: list[str] = field(default_factory=list)
    footer: str = ""
    """The running footer (the pack's version, kind and compile time), as text: written onto
    every page after merging, never rendered in a chunk."""

    def document(self, content: str, extra_css: str = "") -> str:
        """A whole HTML document holding ``content``, with the chunks' stylesheet."""
        style = f"<style>{_CHUNK_CSS}{extra_css}</style>\n"
        if "</head>" in self.head:
            return (
                self.head.replace("</head>", style + "</head>", 1)
                + self.prefix
                + content
                + self.tail
            )
        return style + self.head + self.prefix + content + self.tail

    def return_documents(self) -> list[str]:
        """The documents of the chunks that hold a return of Appendix A (each return is a
        chunk, or several, of its own): they depend on nothing but the return, the review's
        reference and pseudonym (the running header) and the stylesheet."""
        return [self.document(c) for c in self.chunks if _RETURN.match(c)]


class Workers:
    """Worker processes started ahead of a render (:func:`render_pdf` ``workers=``), so that
    they import WeasyPrint while the caller still loads and builds the pack. The next render
    takes them (and closes them when the PDF is done); ``close()`` ends any left untaken."""

    def __init__(self, count: int | None = None) -> None:
        self._pool = [_Worker() for _ in range(_worker_count(count))]

    def take(self) -> list[_Worker]:
        """The workers, once (then none)."""
        pool, self._pool = self._pool, []
        return pool

    def close(self) -> None:
        for worker in self.take():
            worker.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def render_pdf(
    html: str,
    *,
    cache: ChunkCache | None = None,
    workers: int | Workers | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> bytes:
    """The PDF of an HTML pack (see the module docstring for how); the chunks of returns found
    in ``cache`` are not rendered again, and those rendered are put into it."""
    return render_pdf_with_stats(html, cache=cache, workers=workers, chunk_size=chunk_size)[0]


def render_pdf_with_stats(
    html: str,
    *,
    cache: ChunkCache | None = None,
    workers: int | Workers | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[bytes, PdfStats]:
    """:func:`render_pdf`, and how it went. ``workers``: how many worker processes (at most
    :data:`MAX_WORKERS`, the cores there are by default), or those started already."""
    started = time.perf_counter()
    pool = workers.take() if isinstance(workers, Workers) else []
    if not pool:
        pool = [_Worker() for _ in range(_worker_count(workers))]  # they import WeasyPrint
    count = len(pool)  # ... while we plan
    try:
        plan = plan_chunks(html, chunk_size)
        keys, hits = _look_up(plan, cache)
        planned = time.perf_counter()
        misses = len(plan.chunks) - len(hits)  # and the front, its probe and the fonts
        run = _Run(plan, pool[: 1 if not plan.chunks else min(count, misses + 2)], hits)
        run.go()
        rendered = time.perf_counter()
        for worker in pool[1:]:
            worker.close()
        chunks = [run.front, *run.results]
        if cache is not None:
            _keep(cache, {keys[i]: c for i, c in run.rendered().items() if i in keys})
        for level, message in dict.fromkeys(r for c in chunks for r in c.log):
            _WEASYPRINT_LOG.log(level, "%s", message)
        # In the worker: pypdf is pure Python, and this process (the bot) answers Slack.
        pdf = pool[0].merge(chunks, run.fonts, plan.footer)
        done = time.perf_counter()
    finally:
        for worker in pool:
            worker.close()
    stats = PdfStats(
        pages=sum(c.pages for c in chunks),
        chunks=len(chunks),
        workers=len(run.pool),
        worker_peak_kb=tuple(w.peak_kb for w in run.pool),
        chunk_pages=tuple(c.pages for c in chunks),
        chunk_cpu_s=tuple(round(c.cpu_s, 2) for c in chunks),
        front_renders=run.front_renders,
        seconds={
            "plan": planned - started,
            "render": rendered - planned,
            "merge": done - rendered,
        },
        cache_hits=len(hits),
    )
    return pdf, stats


def _look_up(plan: Plan, cache: ChunkCache | None) -> tuple[dict[int, str], dict[int, Chunk]]:
    """The cache key of each chunk of a return (only those are kept: the rest of the pack
    changes with every return, and the bot keeps no copy of it), and the chunks found in the
    cache; both by index."""
    if cache is None:
        return {}, {}
    from forms.pack import pdf_cache  # not at the top: see the TYPE_CHECKING import

    keys = {
        index: pdf_cache.chunk_key(plan.document(chunk))
        for index, chunk in enumerate(plan.chunks)
        if _RETURN.match(chunk)
    }
    hits = {}
    for index, key in keys.items():
        found = pdf_cache.cached(cache, key)
        if found is not None:
            hits[index] = found
            plan.chunks[index] = ""  # not to be rendered: let it go
    return keys, hits


def _keep(cache: ChunkCache, rendered: dict[str, Chunk]) -> None:
    from forms.pack import pdf_cache

    for key, chunk in rendered.items():
        pdf_cache.keep(cache, key, chunk)


# --- planning -------------------------------------------------------------------------------


def plan_chunks(html: str, chunk_size: int = CHUNK_SIZE) -> Plan:
    """Cut the HTML into the front (cover and contents) and chunks of at most ``chunk_size``
    (see :data:`CHUNK_SIZE`), unless one part between two possible cuts is bigger."""
    body = _BODY.search(html)
    end = html.rfind("</body>")
    if body is None or end < body.end():
        return Plan(head="", prefix="", front=html, chunks=[], tail="")
    head, inner, tail = html[: body.end()], html[body.end() : end], html[end:]
    first = inner.find("<section")
    prefix = inner[:first] if first >= 0 else ""
    rest = inner[len(prefix) :]
    footer = _FOOTER.search(prefix)
    if footer is not None:  # written onto the pages after merging (the module docstring)
        prefix = prefix[: footer.start()] + prefix[footer.end() :]
    starts = [m.start() for m in _MAJOR.finditer(rest)]
    front = rest[: starts[0]] if starts else rest
    units = [rest[a:b] for a, b in itertools.pairwise([*starts, len(rest)])]
    toc = _TOC.search(front)
    return Plan(
        head=head,
        prefix=prefix,
        front=front,
        chunks=_pack(units, max(1, chunk_size)),
        tail=tail,
        toc_targets=_HREF.findall(toc.group(0)) if toc else [],
        footer=_text(footer.group(1)) if footer else "",
    )


def _text(html: str) -> str:
    """The text of an HTML fragment, its white space collapsed."""
    return " ".join(unescape(_TAG.sub("", html)).split())


def _pack(units: Sequence[str], limit: int) -> list[str]:
    """Consecutive units into chunks of at most ``limit`` (:func:`_size`); a bigger unit is cut
    at its split marks, and each piece after the first starts a chunk of its own. A return of
    Appendix A is never put with another unit, nor keeps the white space after it: its chunks
    depend on nothing else."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        alone = _RETURN.match(unit) is not None
        if alone:  # the white space after it depends on what comes next
            unit = unit.rstrip()
        pieces = _split(unit, limit) if _size(unit) > limit else [unit]
        for n, piece in enumerate(pieces):
            if current and (n > 0 or alone or size + _size(piece) > limit):
                chunks.append("".join(current))
                current, size = [], 0
            current.append(piece)
            size += _size(piece)
        if alone:
            chunks.append("".join(current))
            current, size = [], 0
    if current:
        chunks.append("".join(current))
    return chunks


def _size(html: str) -> int:
    return len(html) + TAG_WEIGHT * html.count("<")


def _split(unit: str, limit: int) -> list[str]:
    """A unit cut at the split marks nearest to equal parts; later parts re-open the section."""
    marks = [m.start() for m in re.finditer(re.escape(SPLIT_MARK), unit)]
    parts = math.ceil(_size(unit) / limit)
    cuts: list[int] = []
    for k in range(1, parts):
        if not marks:
            break
        target = len(unit) * k // parts
        best = min(marks, key=lambda m: abs(m - target))
        if best > (cuts[-1] if cuts else 0):
            cuts.append(best)
    bounds = [0, *cuts, len(unit)]
    return [
        unit[a:b] if a == 0 else _reopen(unit[:a]) + unit[a:b]
        for a, b in itertools.pairwise(bounds)
    ]


def _reopen(before: str) -> str:
    """What a continuation chunk starts with: the section it is in (no id, never "flow") and a
    hidden block that sets the running header to the section's heading."""
    sections = list(_SECTION.finditer(before))
    if not sections:
        return ""
    classes = " ".join(c for c in sections[-1].group(1).split() if c != "flow") or "major"
    headings = _H2.findall(before, sections[-1].start())
    if not headings:
        return f'<section class="{classes}">'
    title = " ".join(_TAG.sub("", headings[-1]).split())
    return f'<section class="{classes}"><div class="pdf-section">{title}</div>'


# --- rendering ------------------------------------------------------------------------------


@dataclass
class Chunk:
    """One rendered chunk: its PDF, and what crosses chunks (positions in PDF points)."""

    pdf: bytes
    pages: int
    anchors: list[tuple[int, str, float, float]]  # page, name, x, y
    links: list[tuple[int, str, tuple[float, float, float, float]]]  # page, anchor, rect
    bookmarks: list[tuple[int, int, str, float, float, str]]  # page, level, label, x, y, state
    peak_kb: int = 0
    cpu_s: float = 0.0
    log: list[tuple[int, str]] = field(default_factory=list)  # WeasyPrint's warnings


class _Worker:
    """One worker process (this file run with ``python -P``), fed documents over a pipe."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.peak_kb = 0

    def render(self, document: str, laid_out: Callable[[Chunk], None] | None = None) -> Chunk:
        """The document rendered; ``laid_out`` is called with the page count and anchors as
        soon as the layout is done, before the PDF is drawn."""
        assert self.process.stdin is not None and self.process.stdout is not None
        _send(self.process.stdin, document)
        while True:
            reply = _receive(self.process.stdout)
            if not isinstance(reply, tuple) or len(reply) != 2:
                raise RuntimeError("the PDF worker stopped without an answer")
            kind, value = reply
            if kind == "error":
                raise RuntimeError(f"the PDF worker failed:\n{value}")
            chunk = Chunk(**value)
            if kind == "layout":
                if laid_out is not None:
                    laid_out(chunk)
                continue
            self.peak_kb = max(self.peak_kb, chunk.peak_kb)
            return chunk

    def stamp_fonts(self, footer: str = "") -> tuple[StampFont, StampFont]:
        """:func:`stamp_fonts`, made by the worker (which has fontTools loaded already)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        _send(self.process.stdin, ("stamp-fonts", footer))
        reply = _receive(self.process.stdout)
        if not isinstance(reply, tuple) or len(reply) != 2 or reply[0] != "fonts":
            raise RuntimeError(f"the PDF worker failed:\n{reply}")
        mark, number = reply[1]
        return StampFont(**mark), StampFont(**number)

    def merge(
        self, chunks: Sequence[Chunk], fonts: tuple[StampFont, StampFont] | None, footer: str
    ) -> bytes:
        """:func:`merge`, done by the worker."""
        assert self.process.stdin is not None and self.process.stdout is not None
        sent = [
            {"pdf": c.pdf, "pages": c.pages, "anchors": c.anchors, "links": c.links,
             "bookmarks": c.bookmarks}
            for c in chunks
        ]  # fmt: skip
        given = None if fonts is None else tuple(dataclasses.asdict(f) for f in fonts)
        _send(self.process.stdin, ("merge", sent, given, footer))
        reply = _receive(self.process.stdout)
        if not isinstance(reply, tuple) or len(reply) != 3 or reply[0] != "merged":
            raise RuntimeError(f"the PDF worker failed:\n{reply}")
        self.peak_kb = max(self.peak_kb, int(reply[2]))
        return bytes(reply[1])

    def close(self) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


_PROBE, _FONTS = -1, -2


class _Run:
    """A probe of the front (cover and contents, with made-up page numbers) to learn how many
    pages it takes, and the chunks not kept, longest first, on whichever worker is free; then
    the front itself on the first worker to find nothing else to do, once every chunk is laid
    out (while the other worker may still be drawing its last chunk)."""

    def __init__(
        self, plan: Plan, pool: Sequence[_Worker], kept: dict[int, Chunk] | None = None
    ) -> None:
        self.plan = plan
        self.pool = list(pool)
        self.kept = dict(kept or {})  # rendered before: laid out and drawn already
        todo = [i for i in range(len(plan.chunks)) if i not in self.kept]
        order = sorted(todo, key=lambda i: -len(plan.chunks[i]))
        # The probe and the fonts first: at the end, the front then waits only for the last
        # chunk's layout, not for a probe after it.
        self.queue = [_PROBE, _FONTS, *order] if plan.chunks else [_FONTS]
        self.lock = threading.Lock()
        self.layouts: dict[int, Chunk] = dict(self.kept)
        self.done: dict[int, Chunk] = dict(self.kept)
        self.ready = threading.Event()  # every chunk laid out, and the probe done
        self.probe: Chunk | None = None
        self.fonts: tuple[StampFont, StampFont] | None = None
        self.errors: list[BaseException] = []
        self.front_claimed = False
        self.front_renders = 0
        self._front: Chunk | None = None
        if not plan.chunks:
            self.ready.set()

    @property
    def front(self) -> Chunk:
        assert self._front is not None
        return self._front

    @property
    def results(self) -> list[Chunk]:
        return [self.done[i] for i in range(len(self.plan.chunks))]

    def rendered(self) -> dict[int, Chunk]:
        """The chunks rendered in this run (not taken from the cache), by index."""
        return {i: c for i, c in self.done.items() if i not in self.kept}

    def go(self) -> None:
        threads = [threading.Thread(target=self._drive, args=(w,), daemon=True) for w in self.pool]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        if self._front is None:
            raise RuntimeError("the PDF's cover and contents were not rendered")

    def _drive(self, worker: _Worker) -> None:
        try:
            while True:
                with self.lock:
                    if self.errors:
                        return
                    index = self.queue.pop(0) if self.queue else None
                    if index is None:
                        if self.front_claimed:
                            return
                        self.front_claimed = True
                if index is None:
                    break
                if index == _FONTS:
                    self.fonts = worker.stamp_fonts(self.plan.footer)
                    continue
                if index == _PROBE:
                    probe = worker.render(self._front_document({}, placeholder=True))
                    with self.lock:
                        self.probe = probe
                        self._check_ready()
                    continue
                document = self.plan.document(self.plan.chunks[index])
                self.plan.chunks[index] = ""  # sent: let it go
                chunk = worker.render(document, functools.partial(self._laid_out, index))
                with self.lock:
                    self.done[index] = chunk
            self.ready.wait()
            with self.lock:
                if self.errors:
                    return
            self._front = self._render_front(worker)
        except BaseException as error:
            with self.lock:
                self.errors.append(error)
            self.ready.set()

    def _laid_out(self, index: int, chunk: Chunk) -> None:
        with self.lock:
            self.layouts[index] = chunk
            self._check_ready()

    def _check_ready(self) -> None:
        if len(self.layouts) == len(self.plan.chunks) and self.probe is not None:
            self.ready.set()

    def _front_document(self, numbers: dict[str, int], placeholder: bool = False) -> str:
        if placeholder:
            numbers = dict.fromkeys(self.plan.toc_targets, 999)
        return self.plan.document(self.plan.front, _toc_css(numbers))

    def _render_front(self, worker: _Worker) -> Chunk:
        """The contents' page numbers depend on how many pages the front itself takes and
        where its own targets fall: take both from the probe (or guess two pages, own targets
        on page 1), render, and render again if that was wrong."""
        plan = self.plan
        found: dict[str, int] = {}
        start = 0
        for index in range(len(plan.chunks)):
            chunk = self.layouts[index]
            for page, name, _, _ in chunk.anchors:
                found.setdefault(name, start + page)
            start += chunk.pages
        own_targets = [t for t in plan.toc_targets if t not in found]

        def own_pages(front: Chunk) -> dict[str, int]:
            placed: dict[str, int] = {}
            for page, name, _, _ in front.anchors:
                placed.setdefault(name, page + 1)
            return {t: placed[t] for t in own_targets if t in placed}

        if self.probe is not None:
            front_pages, own = self.probe.pages, own_pages(self.probe)
        else:
            front_pages, own = 2, dict.fromkeys(own_targets, 1)
        while True:
            self.front_renders += 1
            numbers = {t: front_pages + found[t] + 1 for t in plan.toc_targets if t in found}
            front = worker.render(self._front_document({**numbers, **own}))
            if (front.pages, own_pages(front)) == (front_pages, own) or self.front_renders == 3:
                return front
            front_pages, own = front.pages, own_pages(front)


def _toc_css(numbers: dict[str, int]) -> str:
    rules = [
        f'.toc a[href="#{_css_string(name)}"]::after {{ content: leader(".") " {number}"; }}'
        for name, number in numbers.items()
    ]
    return "@media print {\n" + "\n".join(rules) + "\n}\n"


def _css_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _worker_count(wanted: int | Workers | None) -> int:
    number = wanted if isinstance(wanted, int) else None
    return max(1, min(number or _cores(), MAX_WORKERS))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the font for what is written onto the pages --------------------------------------------


@dataclass(frozen=True)
class StampFont:
    """A font for the text written onto the merged pages: a subset of the font fontconfig
    picks for the margin boxes' family (Arial, or what stands in for it), embedded as a
    TrueType font; or, where that cannot be had, Helvetica (a PDF standard font, not embedded).
    Either way the text is WinAnsi-encoded (:func:`winansi`), so it extracts."""

    base_font: str
    widths: dict[str, float]  # per 1000 em, for the characters written
    default_width: float
    file: bytes = b""
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    ascent: float = 0.0
    descent: float = 0.0
    cap_height: float = 0.0

    def width(self, text: str, size: float) -> float:
        return sum(self.widths.get(c, self.default_width) for c in text) * size / 1000


def stamp_fonts(footer: str = "") -> tuple[StampFont, StampFont]:
    """The bold font for the marking and the regular one for page numbers and ``footer``."""
    mark_text = "".join(sorted(set(MARKING)))
    number_text = "".join(sorted(set("Page of 0123456789" + winansi(footer))))
    return (
        _system_font(f"{_STAMP_FAMILY}:bold", mark_text)
        or StampFont("Helvetica-Bold", dict(_HELVETICA_BOLD), 667.0),
        _system_font(_STAMP_FAMILY, number_text) or StampFont("Helvetica", dict(_HELVETICA), 556.0),
    )


def _system_font(pattern: str, text: str) -> StampFont | None:
    """A subset holding ``text`` of the font fontconfig matches to ``pattern``, or None."""
    try:
        found = _fontconfig_match(pattern)
        if found is None or winansi(text) != text:
            return None
        from fontTools import subset  # type: ignore[import-untyped]
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

        font = TTFont(found[0], fontNumber=found[1], lazy=True)
        for tag in ("GSUB", "GPOS", "GDEF", "kern", "morx", "BASE", "JSTF"):
            if tag in font:
                del font[tag]  # not needed, and fontTools would read them to subset
        options = subset.Options(hinting=False, notdef_outline=True, layout_features=[])
        options.drop_tables += ["FFTM", "DSIG", "PfEd", "Feat", "Silf", "Sill", "Glat", "Gloc"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        scale = 1000 / font["head"].unitsPerEm
        cmap = font.getBestCmap()
        advances = font["hmtx"].metrics
        widths = {c: advances[cmap[ord(c)]][0] * scale for c in set(text) if ord(c) in cmap}
        if set(text) - set(widths):
            return None
        head, hhea = font["head"], font["hhea"]
        os2 = font.get("OS/2", None)
        name = font["name"].getDebugName(6) or "Font"
        out = io.BytesIO()
        font.save(out)
        return StampFont(
            base_font="RRMPGN+" + re.sub(r"[^A-Za-z0-9-]", "", name),
            widths=widths,
            default_width=max(widths.values()),
            file=out.getvalue(),
            bbox=(head.xMin * scale, head.yMin * scale, head.xMax * scale, head.yMax * scale),
            ascent=hhea.ascent * scale,
            descent=hhea.descent * scale,
            cap_height=getattr(os2, "sCapHeight", hhea.ascent) * scale,
        )
    except Exception:  # any failure here means Helvetica instead
        return None


def _fontconfig_match(pattern: str) -> tuple[str, int] | None:
    """The file and face index fontconfig matches to a pattern such as ``Arial:bold``."""
    name = ctypes.util.find_library("fontconfig")
    if name is None:
        return None
    fc = ctypes.CDLL(name)
    fc.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcNameParse.argtypes = [ctypes.c_char_p]
    fc.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    fc.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
    fc.FcFontMatch.restype = ctypes.c_void_p
    fc.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    fc.FcPatternGetString.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)
    ]  # fmt: skip
    fc.FcPatternGetInteger.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)
    ]  # fmt: skip
    fc.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    fc.FcConfigDestroy.argtypes = [ctypes.c_void_p]
    config = fc.FcInitLoadConfigAndFonts()
    if not config:
        return None
    wanted = fc.FcNameParse(pattern.encode())
    try:
        fc.FcConfigSubstitute(config, wanted, 0)  # FcMatchPattern
        fc.FcDefaultSubstitute(wanted)
        result = ctypes.c_int()
        match = fc.FcFontMatch(config, wanted, ctypes.byref(result))
        if not match:
            return None
        try:
            file, index = ctypes.c_char_p(), ctypes.c_int()
            if fc.FcPatternGetString(match, b"file", 0, ctypes.byref(file)) != 0 or not file.value:
                return None
            fc.FcPatternGetInteger(match, b"index", 0, ctypes.byref(index))
            return file.value.decode(), index.value
        finally:
            fc.FcPatternDestroy(match)
    finally:
        fc.FcPatternDestroy(wanted)
        fc.FcConfigDestroy(config)


def _add(writer: Any, obj: Any) -> Any:
    """``obj`` as an indirect object of the writer; its reference. (pypdf has no public name
    for this; ``_add_object`` is what its own methods and documentation use.)"""
    return writer._add_object(obj)


def _font_object(writer: Any, font: StampFont) -> Any:
    """The font's PDF objects, added to the writer; its reference."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
    )

    entries: dict[Any, Any] = {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/BaseFont"): NameObject("/" + font.base_font),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }
    if not font.file:
        entries[NameObject("/Subtype")] = NameObject("/Type1")
        return _add(writer, DictionaryObject(entries))
    data = DecodedStreamObject()
    data.set_data(font.file)
    data[NameObject("/Length1")] = NumberObject(len(font.file))
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): NameObject("/" + font.base_font),
            NameObject("/Flags"): NumberObject(32),  # non-symbolic
            NameObject("/FontBBox"): ArrayObject([FloatObject(v) for v in font.bbox]),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): FloatObject(font.ascent),
            NameObject("/Descent"): FloatObject(font.descent),
            NameObject("/CapHeight"): FloatObject(font.cap_height),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): _add(writer, data.flate_encode()),
        }
    )
    codes = range(32, 256)
    widths = [FloatObject(round(font.widths.get(_character(c), 0.0), 1)) for c in codes]
    entries.update(
        {
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/FirstChar"): NumberObject(codes[0]),
            NameObject("/LastChar"): NumberObject(codes[-1]),
            NameObject("/Widths"): ArrayObject(widths),
            NameObject("/FontDescriptor"): _add(writer, descriptor),
        }
    )
    return _add(writer, DictionaryObject(entries))


def winansi(text: str) -> str:
    """``text`` as the stamp can write it: each character WinAnsiEncoding lacks (PDF's Windows
    code page 1252) becomes "?"."""
    return text.encode("cp1252", "replace").decode("cp1252")


def _character(code: int) -> str:
    """The character of a WinAnsiEncoding code, or "" where it has none."""
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def _pdf_string(text: str) -> str:
    """A PDF literal string of ``text`` in WinAnsiEncoding, in ASCII (octal escapes)."""
    out = []
    for byte in winansi(text).encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


# --- merging --------------------------------------------------------------------------------


def merge(
    chunks: Sequence[Chunk], fonts: tuple[StampFont, StampFont] | None = None, footer: str = ""
) -> bytes:
    """One PDF from the chunks, in order: marking, page number and ``footer`` written on every
    page (in ``fonts``, see :func:`stamp_fonts`, which must hold the footer's characters);
    named destinations, internal links and the outline across chunks."""
    mark_font, number_font = fonts or stamp_fonts(footer)
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(c.pdf)) for c in chunks]
    for reader in readers:
        writer.append(reader, import_outline=False)
    first = readers[0]
    if first.metadata:
        writer.add_metadata({k: v for k, v in first.metadata.items() if isinstance(k, str)})
    root: Any = first.trailer["/Root"]
    lang = root.get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    del readers, first

    offsets = []
    total = 0
    for chunk in chunks:
        offsets.append(total)
        total += chunk.pages
    pages = writer.pages
    if len(pages) != total:
        raise RuntimeError(f"merged {len(pages)} pages where the chunks reported {total}")

    fonts_used = {
        _MARK_FONT: _font_object(writer, mark_font),
        _NUMBER_FONT: _font_object(writer, number_font),
    }
    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"\nQ\n")
    save_ref, restore_ref = _add(writer, save), _add(writer, restore)
    for number, page in enumerate(pages, 1):
        resources: Any = page[NameObject("/Resources")].get_object()
        if "/Font" not in resources:
            resources[NameObject("/Font")] = DictionaryObject()
        page_fonts = resources["/Font"].get_object()
        for name, ref in fonts_used.items():
            page_fonts[NameObject(name)] = ref
        stamp = DecodedStreamObject()
        box = page.mediabox
        stamp.set_data(
            _stamp(
                number, total, float(box.width), float(box.height), mark_font, number_font, footer
            )
        )
        contents = page.get("/Contents")
        existing: list[Any]
        if contents is None:
            existing = []
        elif isinstance(contents.get_object(), ArrayObject):
            existing = list(contents.get_object())
        else:
            existing = [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [save_ref, *existing, restore_ref, _add(writer, stamp)]
        )

    def destination(index: int, x: float, y: float) -> Any:
        where = [NameObject("/XYZ"), FloatObject(x), FloatObject(y), NumberObject(0)]
        return ArrayObject([pages[index].indirect_reference, *where])

    # Anchors: the first of each name, as a named destination (as WeasyPrint writes them).
    anchors: dict[str, tuple[int, float, float]] = {}
    for chunk, offset in zip(chunks, offsets, strict=True):
        for index, name, x, y in chunk.anchors:
            anchors.setdefault(name, (offset + index, x, y))
    for name in sorted(anchors):
        writer.add_named_destination_array(TextStringObject(name), destination(*anchors[name]))

    # Internal links, to the anchor's page and place.
    for chunk, offset in zip(chunks, offsets, strict=True):
        for index, target, rect in chunk.links:
            if target not in anchors:
                continue
            link = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
                    NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
                    NameObject("/Dest"): destination(*anchors[target]),
                }
            )
            target_page: Any = pages[offset + index]
            if "/Annots" not in target_page:
                target_page[NameObject("/Annots")] = ArrayObject()
            target_page["/Annots"].get_object().append(_add(writer, link))

    # The outline, nested by heading level across chunks as WeasyPrint nests it in one document.
    flat = [
        (offset + index, level, label, x, y, state)
        for chunk, offset in zip(chunks, offsets, strict=True)
        for index, level, label, x, y, state in chunk.bookmarks
    ]
    for tree in _bookmark_tree(flat):
        _add_outline(writer, tree, None)

    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_Tree = tuple[str, int, float, float, str, list[Any]]


def _bookmark_tree(flat: Sequence[tuple[int, int, str, float, float, str]]) -> list[_Tree]:
    """WeasyPrint's nesting of bookmarks by level (``make_page_bookmark_tree``), over all pages."""
    root: list[_Tree] = []
    skipped: list[int] = []
    last_by_depth: list[list[_Tree]] = [root]
    previous = 0
    for page, level, label, x, y, state in flat:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous and skipped:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = min(max(1, level - sum(skipped)), len(last_by_depth))
        children: list[_Tree] = []
        last_by_depth[depth - 1].append((label, page, x, y, state, children))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return root


def _add_outline(writer: Any, tree: _Tree, parent: Any) -> None:
    from pypdf.generic import Fit

    label, page, x, y, state, children = tree
    item = writer.add_outline_item(
        title=label,
        page_number=page,
        parent=parent,
        fit=Fit.xyz(left=x, top=y, zoom=0),
        is_open=state != "closed",
    )
    for child in children:
        _add_outline(writer, child, item)


def _stamp(
    number: int,
    total: int,
    width: float,
    height: float,
    mark: StampFont,
    numbers: StampFont,
    footer: str = "",
) -> bytes:
    """The content stream written onto a page: the marking at the top and the bottom, centred;
    "Page n of m" at the bottom right; the footer at the bottom left; each vertically centred
    in its margin."""

    def rgb(color: tuple[int, int, int]) -> str:
        return " ".join(f"{c / 255:.3f}" for c in color)

    def baseline(margin: float, size: float) -> float:  # from the margin's lower edge
        return margin / 2 - 0.35 * size

    tracking = _MARK_TRACKING * _MARK_PT
    mark_x = (width - mark.width(MARKING, _MARK_PT) - tracking * (len(MARKING) - 1)) / 2
    text = f"Page {number} of {total}"
    text_x = width - _PAGE_RIGHT_PT - numbers.width(text, _NUMBER_PT)
    top = height - _PAGE_TOP_PT + baseline(_PAGE_TOP_PT, _MARK_PT)
    lines = [
        "BT",
        f"{_MARK_FONT} {_MARK_PT:g} Tf {tracking:.3f} Tc {rgb(_MARK_RGB)} rg",
        f"1 0 0 1 {mark_x:.2f} {top:.2f} Tm ({MARKING}) Tj",
        f"1 0 0 1 {mark_x:.2f} {baseline(_PAGE_BOTTOM_PT, _MARK_PT):.2f} Tm ({MARKING}) Tj",
        f"{_NUMBER_FONT} {_NUMBER_PT:g} Tf 0 Tc {rgb(_NUMBER_RGB)} rg",
        f"1 0 0 1 {text_x:.2f} {baseline(_PAGE_BOTTOM_PT, _NUMBER_PT):.2f} Tm ({text}) Tj",
    ]
    if footer:
        lines += [
            f"{_NUMBER_FONT} {_FOOTER_PT:g} Tf {rgb(_FOOTER_RGB)} rg",
            f"1 0 0 1 {_PAGE_LEFT_PT:.2f} {baseline(_PAGE_BOTTOM_PT, _FOOTER_PT):.2f} Tm "
            f"{_pdf_string(footer)} Tj",
        ]
    lines.append("ET")
    return "\n".join(lines).encode("ascii")


# --- the worker process ---------------------------------------------------------------------


def _send(pipe: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(struct.pack("!Q", len(data)))
    pipe.write(data)
    pipe.flush()


def _receive(pipe: IO[bytes]) -> object:
    header = pipe.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack("!Q", header)
    data = pipe.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # our own worker, over our own pipe


def refusing_fetcher(fetcher_class: Any) -> Any:
    """A WeasyPrint URL fetcher that fetches nothing (the pack has no external assets)."""
    if fetcher_class is not None:  # WeasyPrint 68 and later
        return fetcher_class(allowed_protocols=())

    def refuse(url: str) -> dict[str, Any]:
        raise ValueError(f"the pack fetches no external resource ({url})")

    return refuse


class _Collect(logging.Handler):
    """In the worker: WeasyPrint's warnings, kept to send to the parent with the chunk."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


_COLLECT = _Collect()


def _render_chunk(document: str, out: IO[bytes]) -> dict[str, Any]:
    """In the worker: one document laid out (reported at once), what crosses chunks taken out
    of it, then drawn."""
    import weasyprint  # type: ignore[import-untyped]

    _COLLECT.records = []
    cpu = time.process_time()
    fetcher = refusing_fetcher(getattr(weasyprint, "URLFetcher", None))
    doc = weasyprint.HTML(string=document, base_url=None, url_fetcher=fetcher).render()
    anchors, links, bookmarks = [], [], []
    for index, page in enumerate(doc.pages):
        height = page.height

        def point(x: float, y: float, height: float = height) -> tuple[float, float]:
            return x * _PT_PER_PX, (height - y) * _PT_PER_PX

        for name, (x, y, *_) in page.anchors.items():
            anchors.append((index, name, *point(x, y)))
        kept = []
        for link in page.links:
            kind, target, rect, _box = link
            if kind == "internal":
                x1, y1 = point(rect[0], rect[1])
                x2, y2 = point(rect[2], rect[3])
                links.append((index, target, (x1, y2, x2, y1)))
            else:
                kept.append(link)
        page.links[:] = kept
        for level, label, (x, y), state in page.bookmarks:
            bookmarks.append((index, level, label, *point(x, y), state))
        page.bookmarks[:] = []
        page.anchors.clear()
    found = {"pdf": b"", "pages": len(doc.pages), "anchors": anchors, "links": [], "bookmarks": []}
    _send(out, ("layout", found))
    pdf = doc.write_pdf()
    return {
        **found,
        "pdf": pdf,
        "links": links,
        "bookmarks": bookmarks,
        "peak_kb": _peak_kb(),
        "cpu_s": time.process_time() - cpu,
        "log": _COLLECT.records,
    }


def _peak_kb() -> int:
    try:
        import resource
    except ImportError:  # not on a Unix
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _worker_main() -> None:
    """Read documents from stdin and answer on stdout, until stdin closes."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(WORKER_NICE)
    logging.getLogger("weasyprint").addHandler(_COLLECT)
    import weasyprint  # noqa: F401 - imported while the parent plans the chunks

    while True:
        job = _receive(sys.stdin.buffer)
        if job is None:
            return
        try:
            if isinstance(job, tuple) and job[:1] == ("stamp-fonts",):
                fonts = stamp_fonts(str(job[1]) if len(job) > 1 else "")
                _send(out, ("fonts", tuple(dataclasses.asdict(f) for f in fonts)))
            elif isinstance(job, tuple) and job[:1] == ("merge",):
                _, chunks, given, footer = job
                stamp = None if given is None else (StampFont(**given[0]), StampFont(**given[1]))
                merged = merge([Chunk(**c) for c in chunks], stamp, footer)
                _send(out, ("merged", merged, _peak_kb()))
            else:
                _send(out, ("done", _render_chunk(str(job), out)))
        except Exception:
            _send(out, ("error", traceback.format_exc()))
        _give_back_memory()


def _give_back_memory() -> None:
    """In the worker, between chunks: free what the last chunk's layout left (WeasyPrint's box
    trees hold cycles) and hand the freed heap back to the system (glibc's ``malloc_trim``), so
    that the worker holds its interpreter and WeasyPrint between chunks, not its largest
    chunk's pages (bench/README.md, "Meeting pack")."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # no malloc_trim: not glibc
        ctypes.CDLL(None).malloc_trim(0)


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _worker_main()
