"""The meeting pack: a pure build from a review and its returns to a view-model, rendered by
Jinja2 to one self-contained HTML file and by WeasyPrint to PDF (domain/meeting-pack.md).

    pack = build_pack(PackInput(...))
    html = render_html(pack)
    pdf = render_pdf(html)
"""

from forms.pack.build import MARKING, build_pack
from forms.pack.inputs import PackInput, ReturnInput
from forms.pack.model import Flag, FlagItem, Pack
from forms.pack.render import render_html, render_pack, render_pdf

__all__ = [
    "MARKING",
    "Flag",
    "FlagItem",
    "Pack",
    "PackInput",
    "ReturnInput",
    "build_pack",
    "render_html",
    "render_pack",
    "render_pdf",
]
