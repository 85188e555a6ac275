"""Rendering the pack: Jinja2 to one self-contained HTML file, WeasyPrint from that HTML to PDF.

One Jinja2 ``Environment`` per process, built on first use (package loader, autoescape on,
``StrictUndefined``): every answer is escaped where it is rendered, and a template that names a
field the view-model lacks fails loudly instead of printing nothing. The HTML carries its CSS
inline and refers to nothing outside itself; the PDF renderer (:mod:`forms.pack.pdf`) is given a
URL fetcher that refuses every URL, so nothing is ever fetched while rendering.
"""

from __future__ import annotations

import threading

from jinja2 import Environment, PackageLoader, StrictUndefined

from forms.pack import pdf
from forms.pack.model import Pack
from forms.pack.pdf_cache import ChunkCache

TEMPLATE = "pack/pack.html.j2"

_lock = threading.Lock()
_environment: Environment | None = None


def environment() -> Environment:
    """The process's Jinja2 environment for the pack templates (built once, then reused)."""
    global _environment
    if _environment is None:
        with _lock:
            if _environment is None:
                _environment = Environment(
                    loader=PackageLoader("forms", "templates"),
                    autoescape=True,
                    undefined=StrictUndefined,
                    trim_blocks=True,
                    lstrip_blocks=True,
                )
    return _environment


def render_html(pack: Pack) -> str:
    """The pack as one self-contained HTML document (inline CSS, print stylesheet)."""
    return environment().get_template(TEMPLATE).render(pack=pack)


def render_pack(pack: Pack) -> str:
    """Alias of :func:`render_html` (the house style's name for it)."""
    return render_html(pack)


def render_pdf(html: str, cache: ChunkCache | None = None) -> bytes:
    """The PDF of an HTML pack (A4, the pack's print stylesheet): laid out by WeasyPrint in
    chunks on up to two worker processes and merged, every page marked and numbered; chunks
    kept in ``cache`` are merged instead of rendered again (see :mod:`forms.pack.pdf`)."""
    return pdf.render_pdf(html, cache=cache)
