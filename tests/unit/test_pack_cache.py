"""Kept chunks of the pack PDF (forms/pack/pdf_cache.py): a return's chunk is the same document
from one pack version to the next, a pack merged from kept chunks is the same PDF as one
rendered whole, and a kept chunk that changed or cannot be read is rendered again. Real renders,
of a small pack (two returns, then three)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from pypdf import PdfReader

from forms.pack import build_pack, pdf_cache, render_html
from forms.pack import pdf as pack_pdf
from tests.unit.fixtures.pack import review as fx

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

FIRST = ("police", "education")  # received by v1 (a full return and a nil return)
V1 = {"version": 1, "draft": True, "generated_at": datetime(2026, 11, 27, 16, 5, tzinfo=UTC),
      "recipients": ["Casey Coordinator"]}  # fmt: skip
V2 = {"version": 2, "draft": False, "generated_at": datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
      "recipients": ["Chris Chair", "Dr Named"]}  # fmt: skip


class Kept(dict[str, bytes]):
    """A ChunkCache in memory."""

    def get(self, key: str) -> bytes | None:  # type: ignore[override]
        return super().get(key)

    def put(self, key: str, blob: bytes) -> None:
        self[key] = blob


def html_of(only: tuple[str, ...], answers: dict[str, Any] | None = None, **version: Any) -> str:
    return render_html(build_pack(fx.pack_input(answers, only=only, **version)))


def returns_of(html: str) -> dict[str, list[str]]:
    """The chunk documents of each return of Appendix A, by its anchor."""
    found: dict[str, list[str]] = {}
    for document in pack_pdf.plan_chunks(html).return_documents():
        anchor = re.search(r'<section class="major ret" id="([^"]+)"', document)
        assert anchor is not None
        found.setdefault(anchor.group(1), []).append(document)
    return found


@pytest.fixture(scope="module")
def v1() -> str:
    return html_of(FIRST, **V1)


@pytest.fixture(scope="module")
def v2() -> str:
    return html_of((*FIRST, "housing"), **V2)


@pytest.fixture(scope="module")
def warmed(v1: str) -> Iterator[tuple[Kept, pdf_cache.Warmed]]:
    """The chunks of v1's returns, rendered in the background as when they were received."""
    kept = Kept()
    yield kept, pdf_cache.warm_chunks(pack_pdf.plan_chunks(v1).return_documents(), kept)


@pytest.fixture(scope="module")
def cold(v2: str) -> tuple[PdfReader, pack_pdf.PdfStats]:
    pdf, stats = pack_pdf.render_pdf_with_stats(v2)
    return PdfReader(io.BytesIO(pdf)), stats


class Warm(NamedTuple):
    reader: PdfReader
    stats: pack_pdf.PdfStats
    kept: Kept
    warnings: list[str]


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def warm(v2: str, warmed: tuple[Kept, pdf_cache.Warmed]) -> Iterator[Warm]:
    """v2 compiled with v1's returns kept, and a blob that is no chunk under housing's key."""
    kept = Kept(warmed[0])
    housing = pdf_cache.chunk_key(returns_of(v2)["return-housing"][0])
    kept[housing] = b"Two domestic incidents"  # not a chunk at all
    logger, warnings = logging.getLogger("forms.pack.pdf_cache"), _Warnings()
    logger.addHandler(warnings)
    try:
        pdf, stats = pack_pdf.render_pdf_with_stats(v2, cache=kept)
    finally:
        logger.removeHandler(warnings)
    yield Warm(PdfReader(io.BytesIO(pdf)), stats, kept, warnings.messages)


def test_a_returns_chunks_are_the_same_document_in_every_version(v1: str, v2: str) -> None:
    first, second = returns_of(v1), returns_of(v2)
    assert set(first) == {"return-police", "return-education"}
    assert set(second) == {*first, "return-housing"}
    for anchor, documents in first.items():
        assert second[anchor] == documents, anchor
        for document in documents:  # nothing of the version, kind, time or recipients
            for text in ("Version 1", "Version 2", "(draft)", "27 November 2026, 16:05",
                         "8 December 2026", "Casey Coordinator", "Chris Chair", "Dr Named"):  # fmt: skip
                assert text not in document, (anchor, text)
    assert pack_pdf.plan_chunks(v2).footer == "Version 2 · Tuesday 8 December 2026, 09:00 GMT"
    assert pack_pdf.plan_chunks(v1).footer.startswith("Version 1 (draft) · ")


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every outline entry, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def _links(reader: PdfReader) -> list[tuple[int, int, tuple[float, ...]]]:
    """(page, page it leads to, where on its page) of every internal link, in order."""
    found = []
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots", []):
            link = annot.get_object()
            target = reader.get_page_number(link["/Dest"][0].get_object()) + 1
            found.append((number, target, tuple(round(float(v), 1) for v in link["/Rect"])))
    return found


def _destinations(reader: PdfReader) -> dict[str, int]:
    return {name: reader.get_destination_page_number(d) + 1
            for name, d in reader.named_destinations.items()}  # fmt: skip


def test_a_pack_merged_from_kept_chunks_is_the_pack_rendered_whole(
    v1: str,
    warmed: tuple[Kept, pdf_cache.Warmed],
    cold: tuple[PdfReader, pack_pdf.PdfStats],
    warm: Warm,
) -> None:
    done = warmed[1]
    assert done.rendered == len(pack_pdf.plan_chunks(v1).return_documents()) >= 2
    (whole, whole_stats), merged, stats = cold, warm.reader, warm.stats
    assert whole_stats.cache_hits == 0 and stats.cache_hits == done.rendered  # v1's returns
    assert stats.chunks == whole_stats.chunks and stats.pages == whole_stats.pages
    assert len(merged.pages) == len(whole.pages) == stats.pages
    texts = [page.extract_text() for page in merged.pages]
    assert texts == [page.extract_text() for page in whole.pages]
    for number, text in enumerate(texts, 1):  # stamped on every page, kept chunks' too
        assert f"Page {number} of {len(texts)}" in text
        assert "Version 2 · Tuesday 8 December 2026, 09:00 GMT" in text
    outline = _outline(merged)
    assert outline == _outline(whole)
    assert {"Northshire Police", "Northshire Primary School"} <= {t for _, t, _ in outline}
    destinations = _destinations(merged)
    assert destinations == _destinations(whole)
    links = _links(merged)
    assert links == _links(whole)
    assert {destinations["return-police"], destinations["return-education"]} <= {
        target for _, target, _ in links
    }  # Appendix A's list leads into the kept chunks


def test_a_return_whose_answers_changed_is_not_taken_from_the_cache(
    warmed: tuple[Kept, pdf_cache.Warmed],
) -> None:
    kept = warmed[0]
    answers = fx.answers()
    answers["police"]["A4"] = "A shorter account of the police's involvement."
    changed = returns_of(html_of((*FIRST, "housing"), answers, **V2))
    assert all(pdf_cache.chunk_key(d) not in kept for d in changed["return-police"])
    assert all(pdf_cache.chunk_key(d) in kept for d in changed["return-education"])
    assert pdf_cache.cached(kept, pdf_cache.chunk_key(changed["return-police"][0])) is None


def test_a_kept_chunk_that_cannot_be_read_is_rendered_again(v2: str, warm: Warm) -> None:
    # The blob under housing's key was no chunk: a miss, logged without any of its content.
    assert warm.warnings == [m for m in warm.warnings if "not used: ValueError" in m]
    assert len(warm.warnings) == 1 and "domestic" not in warm.warnings[0]
    keys = {pdf_cache.chunk_key(d) for d in pack_pdf.plan_chunks(v2).return_documents()}
    assert set(warm.kept) == keys  # each return's chunk, and only those: the rest is not kept
    assert all(pdf_cache.cached(warm.kept, key) is not None for key in keys)  # housing again


def test_a_warm_up_renders_only_what_is_not_kept(
    v1: str, warmed: tuple[Kept, pdf_cache.Warmed]
) -> None:
    documents = pack_pdf.plan_chunks(v1).return_documents()
    again = pdf_cache.warm_chunks(documents, Kept(warmed[0]))
    assert (again.rendered, again.found) == (0, len(documents))
    stopped = Kept()
    assert pdf_cache.warm_chunks(documents, stopped, stop=lambda: True).rendered == 0
    assert not stopped


def _chunk() -> pack_pdf.Chunk:
    return pack_pdf.Chunk(
        pdf=b"%PDF-1.7\n...", pages=2, anchors=[(0, "a", 1.0, 2.5)],
        links=[(1, "a", (1.0, 2.0, 3.0, 4.0))], bookmarks=[(0, 1, "Title", 1.0, 2.0, "open")],
    )  # fmt: skip


def test_a_blob_is_read_back_exactly_and_nothing_else_is_read() -> None:
    blob = pdf_cache.encode_chunk(_chunk())
    assert pdf_cache.decode_chunk(blob) == _chunk()
    start, head_end = blob.index(b"{"), blob.index(b"}") + 1

    def head(replace: str, by: str) -> bytes:
        """The blob with its JSON changed (and its length with it)."""
        body = blob[start:head_end].decode("ascii").replace(replace, by, 1).encode("ascii")
        return blob[: start - 4] + len(body).to_bytes(4, "big") + body + blob[head_end:]

    assert pdf_cache.decode_chunk(head('"pages":2', '"pages":3')).pages == 3  # the helper works
    broken = [
        b"", b"RRM", blob[:20], blob[:head_end - 5], b"X" + blob[1:], blob[:head_end],
        blob[:head_end] + b"not a PDF", blob[:-1], blob + b"\n", head('"format":1', '"format":2'),
        head('"pages":2', '"pages":0'), head('"pages":2', '"pages":true'),
        head('[[0,"a"', '[[5,"a"'), head('[[1,"a",[1.0,2.0,3.0,4.0]]]', '[[1,"a",[1.0]]]'),
        head('"Title"', "7"), head('"anchors":', '"anchor":'), head("{", "["),
    ]  # fmt: skip
    for n, bad in enumerate(broken):
        with pytest.raises(ValueError):
            pdf_cache.decode_chunk(bad)
        assert pdf_cache.cached(Kept({"k" * 64: bad}), "k" * 64) is None, n


def test_the_key_is_of_the_document_and_the_renderer() -> None:
    assert pdf_cache.chunk_key("<p>a</p>") == pdf_cache.chunk_key("<p>a</p>")
    assert pdf_cache.chunk_key("<p>a</p>") != pdf_cache.chunk_key("<p>b</p>")
    assert re.fullmatch(r"[0-9a-f]{64}", pdf_cache.chunk_key("<p>a</p>"))
    assert (
        "weasyprint " in pdf_cache.renderer()
        and f"chunk {pdf_cache.CHUNK_FORMAT}" in pdf_cache.renderer()
    )
