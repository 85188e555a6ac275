"""Section 4 (family and network) and section 5 (case summary).

People are merged across agencies: the people each agency ticked in A2, one row for a man with a
caring role or frequent presence when any agency answered E3 = Yes, then the other children
(E1.children rows) merged by their label ("Sibling 1"), ignoring case and spacing. Ages are shown
as bands (unborn, under 1, 1–4, 5–10, 11–15, 16–17, adult); an age that cannot be read is shown
as typed. Other carers (E4) are free text, quoted per agency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from forms.model import MultiQuestion, QuestionSet
from forms.pack.answers import ReturnView, excerpt
from forms.pack.model import CaseSummary, Extract, Family, Person

_RELATIONSHIP = {
    "child": "Subject of this review",
    "siblings": "Sibling",
    "unborn_sibling": "Sibling",
    "mother": "Parent",
    "father": "Parent",
    "mothers_partner": "Step-parent / partner",
    "other_male": "Household member",
    "kinship_foster_carer": "Carer",
    "childminder_nursery": "Childcare",
    "other_adult": "Network",
}
_ADULTS = frozenset(
    {"mother", "father", "mothers_partner", "other_male", "kinship_foster_carer", "other_adult"}
)
_AGE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(weeks?|wks?|months?|mths?|mos?|years?|yrs?|y|m|w)?\b", re.IGNORECASE
)


def age_band(text: str) -> str:
    """An age as typed ("4", "14 months", "6 weeks", "unborn") as a band; else the text."""
    shown = text.strip()
    lowered = shown.casefold()
    if any(word in lowered for word in ("unborn", "pregnan", "antenatal")):
        return "Unborn"
    match = _AGE.search(lowered)
    if match is None:
        return shown
    number, unit = float(match[1]), (match[2] or "y")[0]
    years = number / 52 if unit == "w" else number / 12 if unit == "m" else number
    for limit, band in ((1, "Under 1"), (5, "1–4"), (11, "5–10"), (16, "11–15"), (18, "16–17")):
        if years < limit:
            return band
    return "Adult"


@dataclass
class _Entry:
    who: str
    relationship: str
    ages: list[str] = field(default_factory=list)
    known_to: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, ages: Sequence[str] = (), agency: str | None = None, note: str = "") -> None:
        self.ages.extend(a for a in ages if a and a not in self.ages)
        if agency and agency not in self.known_to:
            self.known_to.append(agency)
        if note and note not in self.notes:
            self.notes.append(note)

    def person(self) -> Person:
        return Person(
            who=self.who,
            relationship=self.relationship,
            age_band=" / ".join(self.ages),
            known_to=tuple(self.known_to),
            notes=tuple(self.notes),
        )


def family(form: QuestionSet, views: Sequence[ReturnView], pseudonym: str, under_1: bool) -> Family:
    """Section 4: the merged household and network table, and each agency's E4."""
    people: list[_Entry] = _ticked_people(form, views, pseudonym, under_1)
    man = _man(views)
    if man is not None:
        people.append(man)
    people.extend(_children(views))
    carers = tuple(
        Extract(agency=v.agency, question="E4", label="Other carers", text=text)
        for v in views
        if (text := v.text("E4"))
    )
    return Family(people=tuple(p.person() for p in people), other_carers=carers)


def _ticked_people(
    form: QuestionSet, views: Sequence[ReturnView], pseudonym: str, under_1: bool
) -> list[_Entry]:
    question = form.question("A2")
    if not isinstance(question, MultiQuestion):
        return []
    entries: list[_Entry] = []
    for option in question.options:
        ticked = [v.agency for v in views if option.value in v.chosen("A2")]
        if not ticked:
            continue
        who = pseudonym if option.value == "child" else option.label
        entry = _Entry(who, _RELATIONSHIP.get(option.value, ""))
        age = {"child": "Under 1" if under_1 else "", "unborn_sibling": "Unborn"}.get(
            option.value, "Adult" if option.value in _ADULTS else ""
        )
        for agency in ticked:
            entry.add([age], agency)
        entries.append(entry)
    return entries


def _man(views: Sequence[ReturnView]) -> _Entry | None:
    reported = [v for v in views if v.choice("E3") == "yes"]
    if not reported:
        return None
    entry = _Entry("Father, partner or other man (E3)", "Caring role or frequent presence")
    entry.add(["Adult"], note=f"Reported by {', '.join(v.agency for v in reported)} (E3)")
    for v in reported:
        if v.choice("E3a") == "yes":
            entry.add(agency=v.agency)
        if assessed := v.label("E3b"):
            entry.add(note=f"{v.agency}: {assessed}")
    return entry


def _children(views: Sequence[ReturnView]) -> list[_Entry]:
    merged: dict[str, _Entry] = {}
    for v in views:
        for index, row in enumerate(v.rows("E1.children"), 1):
            label = str(row.get("label") or f"Child {index} ({v.agency})")
            key = " ".join(label.casefold().split())
            entry = merged.setdefault(key, _Entry(label, str(row.get("relationship") or "")))
            if not entry.relationship and row.get("relationship"):
                entry.relationship = str(row["relationship"])
            age = age_band(str(row["age"])) if row.get("age") else ""
            entry.add([age], v.agency)
            if lives := v.row_label("E1.children", "lives_with", row.get("lives_with")):
                entry.add(note=f"Lives with: {lives} ({v.agency})")
            if plan := row.get("plan"):
                entry.add(note=f"Plan/status: {plan} ({v.agency})")
    return list(merged.values())


SUMMARY_LIMIT = 900
"""Each agency's A4 is quoted up to this many characters (about 150 words; in full in
Appendix A)."""


def case_summary(
    views: Sequence[ReturnView], incident: str | None, coordinator_text: str | None
) -> CaseSummary:
    """Section 5: the coordinator's text, else each agency's own summary (A4)."""
    summaries: tuple[Extract, ...] = ()
    if not (coordinator_text and coordinator_text.strip()):
        coordinator_text = None
        summaries = tuple(
            Extract(
                agency=v.agency,
                question="A4",
                label="Summary of involvement",
                text=excerpt(text, SUMMARY_LIMIT),
            )
            for v in views
            if (text := v.text("A4"))
        )
    return CaseSummary(
        incident=incident if incident and incident.strip() else None,
        coordinator_text=coordinator_text,
        agency_summaries=summaries,
    )
