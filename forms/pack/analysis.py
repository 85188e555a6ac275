"""Sections 8–12: themes across agencies, good practice and learning, immediate actions,
agency views on next steps, and the blank decision record.

The per-theme syntheses are sentences counted from the answers ("Seen alone: Police, School"),
never a summary of free text; the free text follows as quoted extracts naming agency and question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from forms.model import MultiQuestion, QuestionSet
from forms.pack.answers import ReturnView, excerpt
from forms.pack.model import (
    ActionRow,
    Criterion,
    DecisionRecord,
    Extract,
    Learning,
    ProcessRow,
    ThemeColumn,
    Themes,
    ThemeSynthesis,
    ViewRow,
    Views,
)

Sources = Sequence[tuple[str, str]]

_PARENT_EXTRACTS: Sources = (
    ("D1b", "Physical health: nature and services"),
    ("D1c.detail", "Physical health: impact on parenting (evidence)"),
    ("D2b", "Mental health: nature and services"),
    ("D2c.detail", "Mental health: impact on parenting (evidence)"),
    ("D2e.detail", "Risk to self and risks to the children"),
    ("D3.detail", "Substance or alcohol misuse"),
    ("D4.detail", "Domestic abuse"),
    ("D5.detail", "Learning disability or other vulnerability"),
    ("D6.detail", "Whole-family view"),
)
_FAMILY_EXTRACTS: Sources = (
    ("E2a", "Current risk to another child: concern and action"),
    ("E3b.detail", "The man in the household: seen, engaged, checked"),
    ("E3c", "Information about him others may not have had"),
    ("E4", "Other carers and concerns"),
)
_CHILD_EXTRACTS: Sources = (
    ("C2", "Daily life, wishes and feelings"),
    ("C3.detail", "Health needs, disability or development"),
    ("C7.detail", "Education and attendance"),
    ("C8.detail", "Was not brought: how the agency responded"),
)


EXTRACT_LIMIT = 400
"""Supporting extracts quote at most this many characters (in full in Appendix A)."""
PER_QUESTION = 3
"""At most this many agencies are quoted per question; the others are counted."""


def _extracts(
    views: Sequence[ReturnView], sources: Sources
) -> tuple[tuple[Extract, ...], tuple[str, ...]]:
    """(quoted extracts, "D1b: 4 more agencies …" notes for the answers not quoted)."""
    quoted: list[Extract] = []
    more: list[str] = []
    for qid, label in sources:
        answered = [(v, text) for v in views if (text := v.text(qid))]
        quoted.extend(
            Extract(agency=v.agency, question=qid, label=label, text=excerpt(t, EXTRACT_LIMIT))
            for v, t in answered[:PER_QUESTION]
        )
        extra = len(answered) - PER_QUESTION
        if extra > 0:
            noun = "agency" if extra == 1 else "agencies"
            more.append(f"{qid} ({label}): {extra} more {noun} answered — see Appendix A")
    return tuple(quoted), tuple(more)


def _tally(views: Sequence[ReturnView], qid: str, skip: Iterable[str] = ()) -> str:
    """ "Label: A, B; Label: C" over the agencies' answers to a choice question."""
    groups: dict[str, list[str]] = {}
    for v in views:
        if (value := v.choice(qid)) and value not in skip:
            groups.setdefault(v.label(qid), []).append(v.agency)
    return "; ".join(f"{label}: {', '.join(names)}" for label, names in groups.items())


def _yes(views: Sequence[ReturnView], qid: str) -> str:
    return ", ".join(v.agency for v in views if v.choice(qid) == "yes")


def _points(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(f"{lead} {text}" for lead, text in pairs if text)


def themes(form: QuestionSet, views: Sequence[ReturnView]) -> Themes:
    """Section 8: the H5 matrix (themes present, most agencies first) and three syntheses."""
    tagged = [v for v in views if v.chosen("H5")]
    question = form.question("H5")
    options = question.options if isinstance(question, MultiQuestion) else ()
    columns = []
    for option in options:
        marks = tuple(option.value in v.chosen("H5") for v in tagged)
        if any(marks):
            columns.append(ThemeColumn(label=option.label, marks=marks, count=sum(marks)))
    columns.sort(key=lambda c: -c.count)
    other = tuple(
        Extract(agency=v.agency, question="H5", label="Other theme", text=text)
        for v in tagged
        if "other" in v.chosen("H5") and (text := v.text("H5.other"))
    )
    return Themes(
        agencies=tuple(v.agency for v in tagged),
        matrix=tuple(columns),
        other=other,
        syntheses=(_parents(views), _siblings(views), _child(views)),
    )


def _parents(views: Sequence[ReturnView]) -> ThemeSynthesis:
    points = _points(
        (
            ("Physical health concerns (D1):", _yes(views, "D1")),
            ("Impact on parenting considered (D1c) —", _tally(views, "D1c")),
            ("Mental health concerns (D2):", _yes(views, "D2")),
            ("Impact on parenting capacity considered (D2c) —", _tally(views, "D2c")),
            ("Adult services knew of the children (D2d) —", _tally(views, "D2d")),
            ("Substance or alcohol misuse (D3):", _yes(views, "D3")),
            ("Domestic abuse (D4):", _yes(views, "D4")),
            ("Learning disability or other vulnerability (D5):", _yes(views, "D5")),
            ("Whole-family view taken (D6) —", _tally(views, "D6")),
        )
    )
    quoted, more = _extracts(views, _PARENT_EXTRACTS)
    return ThemeSynthesis(
        title="Parental health and parenting",
        source="Section D",
        points=points,
        extracts=quoted,
        more=more,
    )


def _siblings(views: Sequence[ReturnView]) -> ThemeSynthesis:
    counts = "; ".join(
        f"{v.agency}: {len(v.rows('E1.children'))}" for v in views if v.choice("E1") == "yes"
    )
    points = _points(
        (
            ("Other children known (E1, number listed) —", counts),
            ("Current risk to another child reported (E2):", _yes(views, "E2")),
            ("A man with a caring role or frequent presence (E3) —", _tally(views, "E3")),
            ("Known to the agency (E3a) —", _tally(views, "E3a")),
            ("Seen and assessed (E3b) —", _tally(views, "E3b")),
        )
    )
    quoted, more = _extracts(views, _FAMILY_EXTRACTS)
    return ThemeSynthesis(
        title="Siblings and other carers",
        source="Section E",
        points=points,
        extracts=quoted,
        more=more,
    )


def _child(views: Sequence[ReturnView]) -> ThemeSynthesis:
    points = _points(
        (
            ("How the child was seen (C1) —", _tally(views, "C1")),
            ("Health needs, disability or developmental concerns (C3):", _yes(views, "C3")),
            ("Education or attendance concerns (C7) —", _tally(views, "C7", skip=("none",))),
            ("Not brought to appointments (C8):", _yes(views, "C8")),
        )
    )
    quoted, more = _extracts(views, _CHILD_EXTRACTS)
    return ThemeSynthesis(
        title="The child's lived experience",
        source="Section C",
        points=points,
        extracts=quoted,
        more=more,
    )


def learning(views: Sequence[ReturnView]) -> tuple[Learning, ...]:
    """Section 9: H2–H4 per agency, with the agency's themes (H5)."""
    return tuple(
        Learning(
            agency=v.agency,
            themes=v.labels("H5"),
            good_practice=v.text("H2"),
            agency_learning=v.text("H3"),
            partnership_learning=v.text("H4"),
        )
        for v in views
        if v.text("H2") or v.text("H3") or v.text("H4")
    )


def actions(views: Sequence[ReturnView]) -> tuple[ActionRow, ...]:
    """Section 10: each agency's safeguarding actions (I1) then its learning actions (I2)."""
    rows: list[ActionRow] = []
    for v in views:
        if text := v.text("I1"):
            rows.append(
                ActionRow(
                    agency=v.agency,
                    kind="Safeguarding action (I1)",
                    action=text,
                    owner="",
                    due=v.label("I1.date"),
                    status="Taken",
                )
            )
        for row in v.rows("I2"):
            rows.append(
                ActionRow(
                    agency=v.agency,
                    kind="Learning action (I2)",
                    action=str(row.get("action") or ""),
                    owner=str(row.get("owner_role") or ""),
                    due=v.row_label("I2", "due_date", row.get("due_date")),
                    status=v.row_label("I2", "status", row.get("status")),
                )
            )
    return tuple(rows)


def views_tally(views: Sequence[ReturnView]) -> str:
    """ "Yes: Police, GP; Unsure: School; No: Housing" over J1 (or a sentence when none)."""
    return _tally(views, "J1") or "No agency has given a view yet."


def next_steps(views: Sequence[ReturnView]) -> Views:
    """Section 11: one row per agency that answered J1, and the other processes (J3, I3)."""
    rows = tuple(
        ViewRow(
            agency=v.agency,
            lcspr=v.label("J1"),
            criteria=v.labels("J1a"),
            rationale=v.text("J1b") or "",
            national=v.label("J2") + (f": {d}" if (d := v.text("J2.detail")) else ""),
        )
        for v in views
        if v.choice("J1")
    )
    processes = tuple(
        ProcessRow(agency=v.agency, known=v.labels("J3"), started=v.labels("I3"))
        for v in views
        if v.chosen("J3") or v.chosen("I3")
    )
    return Views(rows=rows, tally=views_tally(views), processes=processes)


REG_11 = (
    Criterion(
        ref="reg 11(a)",
        text="Highlights or may highlight improvements needed to "
        "safeguard and promote the welfare of children, including improvements already "
        "identified",
    ),
    Criterion(
        ref="reg 11(b)",
        text="Highlights or may highlight recurrent themes in "
        "safeguarding and promoting the welfare of children",
    ),
    Criterion(
        ref="reg 11(c)",
        text="Highlights or may highlight concerns about two or more "
        "agencies working together effectively to safeguard children",
    ),
    Criterion(
        ref="reg 11(d)",
        text="The Child Safeguarding Practice Review Panel has "
        "considered the case and concluded a local review may be more appropriate",
    ),
)
GUIDANCE = (
    Criterion(ref="WT 2023 ch. 5", text="Concern about the actions of a single agency"),
    Criterion(ref="WT 2023 ch. 5", text="No agency involvement, and this gives cause for concern"),
    Criterion(
        ref="WT 2023 ch. 5",
        text="More than one local authority, police area or ICB "
        "involved, including where the family moved",
    ),
    Criterion(
        ref="WT 2023 ch. 5", text="Issues about safeguarding children in institutional settings"
    ),
)


def decision_record(views: Sequence[ReturnView]) -> DecisionRecord:
    """Section 12: the blank record, with the criteria to tick and the agencies' views."""
    return DecisionRecord(reg11=REG_11, guidance=GUIDANCE, views_tally=views_tally(views))
