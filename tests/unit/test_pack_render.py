"""Rendering the pack: one self-contained, escaped HTML file, and a PDF marked on every page."""

from __future__ import annotations

import io
import re

import pytest
from jinja2 import StrictUndefined, UndefinedError
from pypdf import PdfReader

from forms.pack import build_pack, render_html, render_pack, render_pdf
from forms.pack.render import environment
from tests.unit.fixtures.pack import review as fx

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

NASTY = ("<script>alert(1)</script>", "<!channel>", "{{7*7}}")


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(build_pack(fx.pack_input()))


@pytest.fixture(scope="module")
def pdf_pages(html: str) -> list[str]:
    reader = PdfReader(io.BytesIO(render_pdf(html)))
    return [page.extract_text() for page in reader.pages]


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
