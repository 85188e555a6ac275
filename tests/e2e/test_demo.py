"""`rrm demo` runs the whole story offline and leaves a pack a chair could read."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from bot.demo import run_demo


def test_demo_writes_the_pack_and_the_transcript(tmp_path: Path) -> None:
    out = io.StringIO()
    folder = run_demo(tmp_path / "rrm-demo", out=out)
    printed = out.getvalue()
    assert "Returns received: *4 of 5*" in printed  # submitted, nil, provisional; one open
    assert "*Nil return* ✓" in printed and "*Provisional* ✓" in printed
    assert "RR-2026-031-v1.pdf" in printed
    pdf = PdfReader(folder / "RR-2026-031-v1.pdf")
    pages = [page.extract_text() for page in pdf.pages]
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)
    whole = "\n".join(pages)
    assert "fictional" in whole
    assert "postnatal depression" in whole  # the police return reached the appendix
    assert "Poland" in whole  # a move from outside the UK
    html = (folder / "RR-2026-031-v1.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "Section 12 of 12" in transcript
