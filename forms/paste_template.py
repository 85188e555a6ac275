"""The CSV template of a pastable repeat question: the heading row and one made-up example row,
in the column order ``forms.paste`` reads (``/rrm template REF`` sends it)."""

from __future__ import annotations

import csv
import io

from forms.model import AnyField, DateSpec, MultiSpec, RepeatQuestion, SingleSpec, YesNoSpec
from forms.paste import columns


def template_rows(question: RepeatQuestion) -> list[list[str]]:
    """The heading row and one example row of ``question``, in the order a paste is read."""
    return [list(columns(question)), [_example(f) for f in question.fields]]


def template_csv(question: RepeatQuestion) -> str:
    """The template as CSV text (CRLF line ends, every cell quoted where needed)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(template_rows(question))
    return out.getvalue()


_EXAMPLES = {
    "B1": "14/03/2025 10:30",
    "B2": "Health visitor",
    "B5": "Home visit. Child seen asleep in a cot; mother said she was coping.",
    "B6": "Safe sleep advice repeated; next visit booked.",
    "area": "Blackpool, Lancashire",
    "from": "06/2023",
    "to": "01/2026",
}


def _example(spec: AnyField) -> str:
    if spec.id in _EXAMPLES:
        return _EXAMPLES[spec.id]
    if isinstance(spec, DateSpec):
        return "14/03/2025" if spec.precision == "day" else "03/2025"
    if isinstance(spec, MultiSpec):
        return "; ".join(o.label for o in spec.options[:2])
    if isinstance(spec, YesNoSpec | SingleSpec):
        return spec.options[0].label
    return ""
