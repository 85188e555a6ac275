"""Appendix A: each received return verbatim, in question order.

Only submitted, nil and provisional returns appear; in-progress, not-started and withdrawn
returns are in the status table only. Within a return, only the visible pages and questions
are shown (answers hidden by branching are left out), option values appear as their labels,
dates as the pack writes them, repeat rows as blocks, and blank visible questions as blank.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from forms.engine import pages
from forms.model import AnyField, MultiQuestion, Question, RepeatQuestion, TextField
from forms.pack.answers import ReturnView, field_display
from forms.pack.model import (
    AnswerRow,
    AppendixQuestion,
    AppendixReturn,
    AppendixSection,
    FieldValue,
)

_QUESTION_ID = re.compile(r"^[A-Z]+\d")


def appendix(
    views: Sequence[ReturnView],
    statuses: Sequence[tuple[str, str]],
    *,
    entered: Sequence[str | None] = (),
    amended: Sequence[str | None] = (),
) -> tuple[AppendixReturn, ...]:
    """One entry per received return; ``statuses`` gives (status, submitted) for each view,
    ``entered`` the on-behalf marker of each (None, or nothing given: none)."""
    markers = list(entered) or [None] * len(views)
    amendments = list(amended) or [None] * len(views)  # "Amended after submission on …"
    anchors = _anchors([view.agency_key for view in views])
    return tuple(
        AppendixReturn(
            anchor=anchors[index - 1],
            agency=view.agency,
            status=status,
            submitted=submitted,
            sections=_sections(view),
            entered=markers[index - 1] or "",
            amended=amendments[index - 1] or "",
        )
        for index, (view, (status, submitted)) in enumerate(zip(views, statuses, strict=True), 1)
    )


def _anchors(keys: Sequence[str]) -> list[str]:
    """``return-<agency key>``: the same whichever other returns are received (a return's
    page of the PDF is kept from one pack version to the next, :mod:`forms.pack.pdf`); made
    unique should a key appear twice."""
    seen: dict[str, int] = {}
    anchors = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        anchors.append(f"return-{key}" if seen[key] == 1 else f"return-{key}-{seen[key]}")
    return anchors


def _sections(view: ReturnView) -> tuple[AppendixSection, ...]:
    sections = []
    for page in pages(view.form, view.answers):
        shown = [(q, _question(view, q)) for q in page.questions]
        sections.append(
            AppendixSection(
                id=page.section_id,
                title=page.section.title,
                questions=tuple(a for _, a in shown if a is not None),
                blank=tuple(q.id for q, a in shown if a is None),
            )
        )
    return tuple(sections)


def _question(view: ReturnView, question: Question) -> AppendixQuestion | None:
    """The question and its answer as shown, or None when it was left blank."""
    if isinstance(question, RepeatQuestion):
        return _repeat(view, question)
    if isinstance(question, MultiQuestion):
        value = "; ".join(view.labels(question.id))
    else:
        value = field_display(question, view.value(question.id))
    if not value:
        return None
    return AppendixQuestion(id=question.id, text=question.text, value=value, legend="", rows=())


def _label(f: AnyField) -> str:
    """A field's label: its id when it reads as a question id (B1), else its text."""
    return f.id if _QUESTION_ID.match(f.id) else f.text


def _repeat(view: ReturnView, question: RepeatQuestion) -> AppendixQuestion | None:
    rows = []
    for n, values in enumerate(view.rows(question.id), 1):
        shown = [(f, field_display(f, values[f.id])) for f in question.fields if f.id in values]
        rows.append(
            AnswerRow(
                title=f"{question.row_label} {n}",
                summary=" · ".join(f"{_label(f)}: {v}" for f, v in shown if not _is_long(f)),
                long=tuple(FieldValue(label=_label(f), value=v) for f, v in shown if _is_long(f)),
            )
        )
    if not rows:
        return None
    legend = "; ".join(f"{f.id} {f.text}" for f in question.fields if _QUESTION_ID.match(f.id))
    count = f"{len(rows)} {question.row_label.lower()}{'' if len(rows) == 1 else 's'}"
    return AppendixQuestion(
        id=question.id, text=question.text, value=count, legend=legend, rows=tuple(rows)
    )


def _is_long(f: AnyField) -> bool:
    return isinstance(f, TextField) and f.multiline
