"""Rendering the pack: one self-contained, escaped HTML file, and a PDF marked on every page."""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

import pytest
from jinja2 import StrictUndefined, UndefinedError
from pypdf import PdfReader

from forms.pack import build_pack, render_html, render_pack, render_pdf
from forms.pack import pdf as pack_pdf
from forms.pack.render import environment
from tests.unit.fixtures.pack import review as fx

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

NASTY = ("<script>alert(1)</script>", "<!channel>", "{{7*7}}")


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(build_pack(fx.pack_input()))


@pytest.fixture(scope="module")
def pdf(html: str) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf(html)))


@pytest.fixture(scope="module")
def pdf_pages(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


CHUNK = 10_000  # the fixture in 12 chunks, two of them continuing a return
PLAN_CHUNK = 5_000  # ... and, to plan only, in 19, cutting the chronology too


@pytest.fixture(scope="module")
def chunked_run(html: str) -> tuple[PdfReader, pack_pdf.PdfStats]:
    """The fixture's PDF cut into many small chunks, as a 30-agency pack is cut into big ones:
    at major sections, and inside returns at their split marks."""
    assert len(pack_pdf.plan_chunks(html, CHUNK).chunks) >= 10
    pdf, stats = pack_pdf.render_pdf_with_stats(html, chunk_size=CHUNK)
    return PdfReader(io.BytesIO(pdf)), stats


@pytest.fixture(scope="module")
def chunked(chunked_run: tuple[PdfReader, pack_pdf.PdfStats]) -> PdfReader:
    return chunked_run[0]


@pytest.fixture(scope="module")
def chunked_pages(chunked: PdfReader) -> list[str]:
    return [page.extract_text() for page in chunked.pages]


def test_one_environment_autoescaped_and_strict() -> None:
    env = environment()
    assert env is environment()
    assert env.autoescape is True and env.undefined is StrictUndefined
    with pytest.raises(UndefinedError):
        env.from_string("{{ pack.no_such_field }}").render(pack=build_pack(fx.pack_input()))


def test_render_pack_is_render_html() -> None:
    pack = build_pack(fx.pack_input(only=("police",)))
    assert render_pack(pack) == render_html(pack)


def test_the_html_is_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "@page" in html and "@media print" in html
    assert not re.search(r"<link|<script|<img|\bsrc=|url\(|@import|https?://", html)
    assert 'counter(page) " of " counter(pages)' in html
    assert "overflow-wrap: anywhere" in html
    assert html.count("OFFICIAL-SENSITIVE") >= 3  # title, banners, page margin boxes


def test_every_section_is_in_the_html(html: str) -> None:
    for anchor in ("cover", "flags", "status", "family", "summary", "chronology", "moves",
                   "themes", "learning", "actions", "views", "decision", "appendix-a",
                   "appendix-b"):  # fmt: skip
        assert f'id="{anchor}"' in html
    assert "This pack contains the returns marked as received" in html
    assert "☐" in html and "reg 11(c)" in html  # the blank decision record


def test_the_chronology_is_laid_out_as_blocks_not_a_table(html: str) -> None:
    section = html[html.index('id="chronology"') : html.index('id="moves"')]
    assert "<table" not in section
    assert section.count('<div class="ev') == 9
    assert '<div class="ev k">' in section and "★ Key episode" in section


def test_in_progress_answers_are_only_a_status_line(html: str) -> None:
    assert "IN-PROGRESS-SECRET" not in html and "HIDDEN-" not in html
    status = html[html.index('id="status"') : html.index('id="family"')]
    assert "Northshire Children&#39;s Social Care" in status
    assert "sections saved, not submitted" in status
    appendix = html[html.index('id="appendix-a"') :]
    assert "Northshire Children&#39;s Social Care" not in appendix


def test_user_text_is_escaped() -> None:
    answers = fx.answers()
    answers["police"]["A4"] = " ".join(NASTY)
    answers["police"]["J4"] = NASTY[1]
    rows = answers["hv"]["B"]
    assert isinstance(rows, list) and isinstance(rows[0], dict)
    values = rows[0]["values"]
    assert isinstance(values, dict)
    values["B5"] = NASTY[0]
    html = render_html(build_pack(fx.pack_input(answers)))
    assert "<script" not in html and "<!channel>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;!channel&gt;" in html
    assert "{{7*7}}" in html  # shown as typed, never evaluated
    assert html.count("&lt;script&gt;") >= 3  # summary, chronology, appendix


def test_a_review_with_no_returns_renders() -> None:
    html = render_html(build_pack(fx.pack_input(only=())))
    assert "No returns received yet." in html and "No flags raised." in html


def test_the_pdf_is_marked_and_numbered_on_every_page(pdf_pages: list[str]) -> None:
    total = len(pdf_pages)
    assert total > 5
    for number, text in enumerate(pdf_pages, 1):
        assert "OFFICIAL-SENSITIVE" in text, number
        assert f"Page {number} of {total}" in text, number


def test_the_pdf_text_is_extractable(pdf_pages: list[str]) -> None:
    text = "\n".join(pdf_pages)
    for expected in ("Rapid review meeting pack", "Child A", "RR-2026-014",
                     "Flags for the chair", "Merged multi-agency chronology",
                     "Appendix A: agency returns", "Mother reported an assault"):  # fmt: skip
        assert expected in text
    assert "IN-PROGRESS-SECRET" not in text


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


def _contents(pages: list[str]) -> list[tuple[str, str, int]]:
    """(number, title, page) of each line of the contents list."""
    page = next(text for text in pages if text.lstrip().startswith("Contents"))
    rows = re.findall(r"^(\d+) (.+?) \.{3,}\s*(\d+)\s*$", page, re.MULTILINE)
    return [(n, title, int(number)) for n, title, number in rows]


@pytest.mark.parametrize("which", ["whole", "chunked"])
def test_the_contents_list_gives_the_page_each_section_starts_on(
    which: str,
    pdf: PdfReader,
    pdf_pages: list[str],
    chunked: PdfReader,
    chunked_pages: list[str],
) -> None:
    reader, pages = (pdf, pdf_pages) if which == "whole" else (chunked, chunked_pages)
    contents = _contents(pages)
    assert [n for n, _, _ in contents] == [str(n) for n in range(1, 15)]
    assert contents[0][1:] == ("Cover sheet", 1)
    outline = {title: page for _, title, page in _outline(reader)}
    for n, title, page in contents[1:]:
        assert outline[f"{n} {title}"] == page, title
        heading = re.compile(rf"^{n}\s+{re.escape(title)}$", re.MULTILINE)
        assert heading.search(pages[page - 1]), title
        assert not any(heading.search(text) for text in pages[2 : page - 1]), title


def test_a_pdf_in_chunks_is_the_same_document(
    pdf: PdfReader, chunked: PdfReader, pdf_pages: list[str], chunked_pages: list[str]
) -> None:
    pages = chunked_pages
    total = len(pages)
    assert total >= len(pdf_pages)  # a cut inside a part starts a page
    for number, text in enumerate(pages, 1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {total}" in text, number
        assert "RR-2026-014 · Child A" in text, number  # the running header of every chunk
    # every section, chronology entry and return, in order, with the same outline
    assert [t for _, t, _ in _outline(chunked)] == [t for _, t, _ in _outline(pdf)]
    assert [d for d, _, _ in _outline(chunked)] == [d for d, _, _ in _outline(pdf)]
    whole, cut = "\n".join(pdf_pages), "\n".join(pages)
    for words in ("★ Key episode", "Action / outcome:", "Not answered:", "B5: ", " · received "):
        assert cut.count(words) == whole.count(words) > 0, words
    assert set(chunked.named_destinations) == set(pdf.named_destinations)


def _running_header(page: Any) -> str:
    """The text in the top right of the page's top margin (the section it is in)."""
    found: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if y > float(page.mediabox.height) - 20 * 72 / 25.4 and x > 300 and text.strip():
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


def test_every_chunk_carries_the_running_header(
    chunked_run: tuple[PdfReader, pack_pdf.PdfStats], pdf: PdfReader
) -> None:
    reader, stats = chunked_run
    headers = [_running_header(page) for page in reader.pages]
    assert headers[1] == "Contents" and headers[2] == "2 Flags for the chair"
    assert all(headers[1:]), headers
    first_pages = list(itertools.accumulate(stats.chunk_pages[:-1], initial=0))
    starting = [n for n in first_pages[1:] if headers[n] not in headers[:n]]
    continuing = [n for n in first_pages[1:] if n not in starting]
    assert starting and len(continuing) >= 2  # chunks starting a section, and continuing one
    for n in continuing:
        assert headers[n] == headers[n - 1], n  # ... under its heading
    assert set(headers[1:]) == {_running_header(page) for page in pdf.pages[1:]}


def test_internal_links_lead_to_their_targets(
    pdf: PdfReader, pdf_pages: list[str], chunked: PdfReader, chunked_pages: list[str]
) -> None:
    for reader, pages in ((pdf, pdf_pages), (chunked, chunked_pages)):
        targets = {
            name: reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()
        }
        links = []
        for page in reader.pages:
            for annot in page.get("/Annots", []):
                link = annot.get_object()
                assert link["/Subtype"] == "/Link"
                links.append(reader.get_page_number(link["/Dest"][0].get_object()) + 1)
        assert len(links) >= len(_contents(pages))
        assert {targets[a] for a in ("flags", "chronology", "appendix-a")} <= set(links)
        assert targets["return-police"] in links  # Appendix A's list of returns


def test_the_plan_cuts_only_where_a_page_starts(html: str) -> None:
    body = html[html.index("<body>") + len("<body>") : html.rindex("</body>")]
    plan = pack_pdf.plan_chunks(html, PLAN_CHUNK)
    assert plan.toc_targets[:3] == ["cover", "flags", "status"]
    assert '<nav class="toc"' in plan.front and 'id="flags"' not in plan.front
    reopened = re.compile(r'<section class="[^"]*">(<div class="pdf-section">[^<]*</div>)?')
    pieces, continued = [], 0
    for chunk in plan.chunks:
        if re.match(r'<section class="major[^"]*" id="', chunk):
            pieces.append(chunk)  # a major section: a page starts here anyway
        else:
            start = reopened.match(chunk)
            assert start is not None, chunk[:80]
            assert chunk[start.end() :].startswith(pack_pdf.SPLIT_MARK)
            pieces.append(chunk[start.end() :])
            continued += 1
    assert continued >= 3  # the chronology and two returns are cut
    footer = '<span class="packversion">Version 2 · Tuesday 1 December 2026, 09:00 GMT</span>\n'
    assert plan.footer == "Version 2 · Tuesday 1 December 2026, 09:00 GMT"  # stamped instead
    assert _spaced(plan.prefix + plan.front + "".join(pieces)) == _spaced(
        body.replace(footer, "", 1)
    )  # but the footer and white space after each return
    # Unless cut smaller, the fixture is one chunk before Appendix A's returns, one for each
    # return (never put with anything else), and one after them.
    whole = pack_pdf.plan_chunks(html).chunks
    returns = [c for c in whole if c.startswith('<section class="major ret"')]
    assert len(whole) == 2 + len(returns) and len(returns) == 5
    assert "".join(whole) == "".join(pieces)


def _spaced(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


def test_a_document_with_nothing_to_cut_is_one_chunk_marked_and_numbered() -> None:
    html = "<html><head><title>t</title></head><body><p>Just text</p></body></html>"
    plan = pack_pdf.plan_chunks(html)
    assert plan.chunks == [] and plan.front == "<p>Just text</p>"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(html))).pages]
    assert len(pages) == 1 and "Just text" in pages[0]
    assert pages[0].count("OFFICIAL-SENSITIVE") == 2 and "Page 1 of 1" in pages[0]
