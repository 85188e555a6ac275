"""The meeting pack's view-model, appendices: each received return verbatim (Appendix A) and
the reference (Appendix B). Raw strings, escaped only in the templates (see :mod:`.model`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldValue(_M):
    """One field of a repeat row in the appendix (``label`` a field id such as B5, or its text)."""

    label: str
    value: str


class AnswerRow(_M):
    """One repeat row in the appendix, shown as a block: the short fields on one line
    (``summary``), then each long text field as its own paragraph."""

    title: str
    summary: str
    long: tuple[FieldValue, ...]


class AppendixQuestion(_M):
    """One visible, answered question and its answer. For a repeat question ``value`` counts
    the rows, ``legend`` names the fields and ``rows`` holds them."""

    id: str
    text: str
    value: str
    legend: str
    rows: tuple[AnswerRow, ...]


class AppendixSection(_M):
    """One visible section of a return: answered questions in order, then the blank ones' ids."""

    id: str
    title: str
    questions: tuple[AppendixQuestion, ...]
    blank: tuple[str, ...]


class AppendixReturn(_M):
    """Appendix A: one received return, verbatim in question order."""

    anchor: str
    agency: str
    status: str
    submitted: str
    sections: tuple[AppendixSection, ...]
    entered: str = ""  # "Entered by <coordinator> from a return received on <date>"
    amended: str = ""  # "Amended after submission on <date time>"


class LegalItem(_M):
    """Appendix B: one provision and what it does."""

    ref: str
    text: str


class GlossaryItem(_M):
    """Appendix B: one abbreviation."""

    term: str
    meaning: str


class Reference(_M):
    """Appendix B: legal basis and glossary."""

    legal: tuple[LegalItem, ...]
    glossary: tuple[GlossaryItem, ...]
