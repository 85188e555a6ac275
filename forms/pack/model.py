"""The meeting pack's view-model: what the templates show, already worked out.

Every string here is raw (exactly as typed by an agency or built by :mod:`forms.pack.build`);
escaping happens only in the Jinja2 templates (autoescape). Dates and times are already
formatted for display in the partnership's time zone. Nothing here refers to ORM rows or Slack.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict

from forms.pack.model_appendix import (
    AnswerRow,
    AppendixQuestion,
    AppendixReturn,
    AppendixSection,
    FieldValue,
    GlossaryItem,
    LegalItem,
    Reference,
)

__all__ = [
    "AnswerRow",
    "AppendixQuestion",
    "AppendixReturn",
    "AppendixSection",
    "FieldValue",
    "GlossaryItem",
    "LegalItem",
    "Reference",
]

Severity: TypeAlias = Literal["alert", "concern", "info"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- 1. cover ----------------------------------------------------------------------------------


class AgencyLine(_M):
    """A nominated agency on the cover, with its return's status in a word or two."""

    name: str
    status: str


class Cover(_M):
    """Section 1: the cover sheet."""

    marking: str
    title: str
    pseudonym: str
    reference: str
    partnership: str
    incident_date: str
    notification_date: str
    review_period: str
    returns_due: str
    rr_due_date: str
    rr_days_remaining: str
    meeting: str
    chair: str
    attendees: tuple[str, ...]
    agencies: tuple[AgencyLine, ...]
    version: str
    draft: bool
    generated: str
    distribution: tuple[str, ...]
    changed_since: tuple[str, ...]
    contents_note: str
    handling: str


class ContentsEntry(_M):
    """One line of the contents list (``anchor`` is the section's HTML id)."""

    anchor: str
    number: str
    title: str


# --- 2. flags ----------------------------------------------------------------------------------


class FlagItem(_M):
    """What one agency said that raised a flag (``agency``/``question`` None: the review)."""

    agency: str | None
    question: str | None
    text: str


class Flag(_M):
    """One flag for the chair: ``kind`` is a stable id (see :mod:`forms.pack.flags`)."""

    kind: str
    severity: Severity
    title: str
    summary: str
    items: tuple[FlagItem, ...]


# --- 3. returns status -------------------------------------------------------------------------


class StatusRow(_M):
    """One nominated agency's return in the status table."""

    agency: str
    state: str
    status: str
    detail: str
    due: str
    submitted: str
    approved_by: str
    reminders: int
    notes: tuple[str, ...]


class StatusTable(_M):
    """Section 3: every nominated agency, and "received n of m"."""

    rows: tuple[StatusRow, ...]
    received: int
    expected: int


# --- 4. family and network ---------------------------------------------------------------------


class Person(_M):
    """One person in the household or network, merged across agencies."""

    who: str
    relationship: str
    age_band: str
    known_to: tuple[str, ...]
    notes: tuple[str, ...]


class Extract(_M):
    """A verbatim answer quoted in the pack, with where it came from."""

    agency: str
    question: str
    label: str
    text: str


class Family(_M):
    """Section 4: people (A2, E1 rows, E3) and other carers as each agency described them (E4)."""

    people: tuple[Person, ...]
    other_carers: tuple[Extract, ...]


# --- 5. case summary ---------------------------------------------------------------------------


class CaseSummary(_M):
    """Section 5: the coordinator's summary, or each agency's A4 when there is none."""

    incident: str | None
    coordinator_text: str | None
    agency_summaries: tuple[Extract, ...]


# --- 6. chronology -----------------------------------------------------------------------------


class ChronologyRow(_M):
    """One B row of one agency; ``sort_date`` is ISO (the start of an approximate period)."""

    sort_date: str | None
    date: str
    approx: bool
    agency: str
    source: str
    persons: str
    event_type: str
    what: str
    action: str
    shared_with: str
    key: bool


class Chronology(_M):
    """Section 6: every agency's rows merged by date, then the gaps each agency noted (B9)."""

    rows: tuple[ChronologyRow, ...]
    gaps: tuple[Extract, ...]
    agencies: int


# --- 7. moves ----------------------------------------------------------------------------------


class MoveRow(_M):
    """One F1a move of one agency, with that agency's transfer answers (F2, F3)."""

    agency: str
    area: str
    from_date: str
    to_date: str
    reason: str
    planned: str
    transfer: str
    status_at_move: str
    handover: str


# --- 8. themes ---------------------------------------------------------------------------------


class ThemeColumn(_M):
    """One H5 theme in the matrix: which agencies (by index in ``agencies``) ticked it."""

    label: str
    marks: tuple[bool, ...]
    count: int


class ThemeSynthesis(_M):
    """A short synthesis across agencies (computed sentences) with supporting extracts."""

    title: str
    source: str
    points: tuple[str, ...]
    extracts: tuple[Extract, ...]
    more: tuple[str, ...]


class Themes(_M):
    """Section 8: the agencies × H5 matrix (themes as rows), then per-theme syntheses."""

    agencies: tuple[str, ...]
    matrix: tuple[ThemeColumn, ...]
    other: tuple[Extract, ...]
    syntheses: tuple[ThemeSynthesis, ...]


# --- 9–11. learning, actions, views ------------------------------------------------------------


class Learning(_M):
    """Section 9: one agency's good practice and learning (H2–H4) with its themes (H5)."""

    agency: str
    themes: tuple[str, ...]
    good_practice: str | None
    agency_learning: str | None
    partnership_learning: str | None


class ActionRow(_M):
    """Section 10: an immediate safeguarding action (I1) or learning action (I2)."""

    agency: str
    kind: str
    action: str
    owner: str
    due: str
    status: str


class ViewRow(_M):
    """Section 11: one agency's view on next steps (J1, J1a, J1b, J2)."""

    agency: str
    lcspr: str
    criteria: tuple[str, ...]
    rationale: str
    national: str


class ProcessRow(_M):
    """Section 11: other reviews or processes an agency knows of (J3) or has started (I3)."""

    agency: str
    known: tuple[str, ...]
    started: tuple[str, ...]


class Views(_M):
    """Section 11: the views table and the other processes."""

    rows: tuple[ViewRow, ...]
    tally: str
    processes: tuple[ProcessRow, ...]


# --- 12. decision record -----------------------------------------------------------------------


class Criterion(_M):
    """A criterion to tick in the decision record, with where it comes from."""

    ref: str
    text: str


class DecisionRecord(_M):
    """Section 12: the blank record the meeting completes."""

    reg11: tuple[Criterion, ...]
    guidance: tuple[Criterion, ...]
    views_tally: str


# --- the pack ----------------------------------------------------------------------------------


class Pack(_M):
    """The whole meeting pack, section by section (see domain/meeting-pack.md)."""

    marking: str
    title: str
    cover: Cover
    contents: tuple[ContentsEntry, ...]
    flags: tuple[Flag, ...]
    flags_clear: tuple[str, ...]
    status: StatusTable
    family: Family
    summary: CaseSummary
    chronology: Chronology
    moves: tuple[MoveRow, ...]
    themes: Themes
    learning: tuple[Learning, ...]
    actions: tuple[ActionRow, ...]
    views: Views
    decision: DecisionRecord
    appendix: tuple[AppendixReturn, ...]
    reference: Reference

    def flag(self, kind: str) -> Flag | None:
        """The flag of this kind, or None when it was not raised."""
        return next((f for f in self.flags if f.kind == kind), None)

    @property
    def flag_kinds(self) -> frozenset[str]:
        """The kinds of every flag raised."""
        return frozenset(f.kind for f in self.flags)
