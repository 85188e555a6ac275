"""Reading one return's visible answers for the pack: labels, rows and dates.

Only *visible* answers are ever read (:func:`forms.engine.visible_answers`): an answer hidden by
branching (e.g. C5 after C4 was changed to No) is kept in storage but never reaches the pack.
Question ids a partnership's own question set lacks simply read as blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from forms.engine import visible_answers
from forms.model import (
    AnyField,
    MultiSpec,
    Question,
    QuestionSet,
    RepeatQuestion,
    SingleSpec,
    YesNoSpec,
)
from forms.parsing import JSONValue

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class PartialDate:
    """A stored date of any precision: ``start``/``end`` bound its period; ``time`` HH:MM."""

    start: date
    end: date
    time: str | None
    precision: str  # "day", "month" or "year"

    @property
    def approx(self) -> bool:
        """True for a month or a year."""
        return self.precision != "day"


def parse_stored_date(value: JSONValue) -> PartialDate | None:
    """Read "2025-03-05", "2025-03-05T14:30", "2025-03" or "2025"; None when it is none."""
    if not isinstance(value, str):
        return None
    day_part, _, time_part = value.partition("T")
    parts = day_part.split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 3:
            d = date(*numbers)
            return PartialDate(d, d, time_part or None, "day")
        if len(numbers) == 2:
            start = date(numbers[0], numbers[1], 1)
            nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return PartialDate(start, date.fromordinal(nxt.toordinal() - 1), None, "month")
        if len(numbers) == 1:
            return PartialDate(date(numbers[0], 1, 1), date(numbers[0], 12, 31), None, "year")
    except ValueError:
        return None
    return None


def short_date(d: date) -> str:
    """ "5 Mar 2025"."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def long_date(d: date) -> str:
    """ "Wednesday 5 March 2025"."""
    return f"{_DAYS[d.weekday()]} {d.day} {_LONG_MONTHS[d.month - 1]} {d.year}"


def long_datetime(at: datetime) -> str:
    """ "Wednesday 5 March 2025, 14:30" (``at`` already in the wanted zone)."""
    return f"{long_date(at.date())}, {at:%H:%M}"


def show_date(value: JSONValue, approx_mark: bool = True) -> str:
    """A stored date as the pack shows it: "5 Mar 2025 14:30", "Mar 2025 (approx.)"."""
    parsed = parse_stored_date(value)
    if parsed is None:
        return "" if value is None else str(value)
    if parsed.precision == "day":
        shown = short_date(parsed.start)
        return f"{shown} {parsed.time}" if parsed.time else shown
    shown = (
        f"{_MONTHS[parsed.start.month - 1]} {parsed.start.year}"
        if parsed.precision == "month"
        else str(parsed.start.year)
    )
    return f"{shown} (approx.)" if approx_mark else shown


CONTINUES = " … [continues in Appendix A]"


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a word boundary, marked as continuing in
    Appendix A (where every answer is shown in full). Short text is returned unchanged."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.\n") + CONTINUES


def option_label(spec: Question | AnyField | None, value: JSONValue) -> str:
    """The label of a stored option value (the value itself when the spec lacks it)."""
    if isinstance(spec, YesNoSpec | SingleSpec | MultiSpec):
        for option in spec.options:
            if option.value == value:
                return option.label
    return "" if value is None else str(value)


def field_display(spec: AnyField | Question | None, value: JSONValue) -> str:
    """Any stored non-repeat value as text: labels for choices, dates formatted."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(option_label(spec, v) for v in value)
    if isinstance(spec, YesNoSpec | SingleSpec):
        return option_label(spec, value)
    kind = getattr(spec, "kind", None)
    if kind in ("date", "datetime"):
        return show_date(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class ReturnView:
    """One received return as the pack reads it: agency, state and visible answers."""

    def __init__(
        self,
        form: QuestionSet,
        agency_key: str,
        agency: str,
        state: str,
        answers: Mapping[str, JSONValue],
    ) -> None:
        self.form = form
        self.agency_key = agency_key
        self.agency = agency
        self.state = state
        self.answers = answers

    @cached_property
    def values(self) -> dict[str, JSONValue]:
        """The visible answers (hidden-by-branching ones left out)."""
        return visible_answers(self.form, self.answers)

    def value(self, qid: str) -> JSONValue:
        """The visible stored value, or None."""
        return self.values.get(qid)

    def choice(self, qid: str) -> str | None:
        """A yes_no/single answer's option value, or None."""
        value = self.values.get(qid)
        return value if isinstance(value, str) else None

    def chosen(self, qid: str) -> tuple[str, ...]:
        """A multi answer's option values (empty when blank)."""
        value = self.values.get(qid)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    def label(self, qid: str) -> str:
        """The answer as text: labels for choices, formatted dates; "" when blank."""
        return field_display(self.form.question(qid), self.values.get(qid))

    def label_of(self, qid: str, value: str) -> str:
        """The label of one option value of question ``qid``."""
        return option_label(self.form.question(qid), value)

    def labels(self, qid: str) -> tuple[str, ...]:
        """A multi answer's labels; the free "other" text (``<id>.other``) shown as "Other: …"."""
        question = self.form.question(qid)
        found = [option_label(question, v) for v in self.chosen(qid) if v != "other"]
        other = self.text(f"{qid}.other")
        if other:
            found.append(f"Other: {other}")
        elif "other" in self.chosen(qid):
            found.append(option_label(question, "other"))
        return tuple(found)

    def text(self, qid: str) -> str | None:
        """A free-text answer, or None when blank (whitespace-only counts as blank)."""
        value = self.values.get(qid)
        return value if isinstance(value, str) and value.strip() else None

    def rows(self, qid: str) -> list[dict[str, JSONValue]]:
        """A repeat answer's rows (their ``values``), in stored order."""
        value = self.values.get(qid)
        if not isinstance(value, list):
            return []
        found: list[dict[str, JSONValue]] = []
        for row in value:
            values = row.get("values") if isinstance(row, dict) else None
            if isinstance(values, dict):
                found.append(values)
        return found

    def row_label(self, qid: str, field_id: str, value: JSONValue) -> str:
        """A repeat field's value as text (labels, dates)."""
        question = self.form.question(qid)
        spec = question.field(field_id) if isinstance(question, RepeatQuestion) else None
        return field_display(spec, value)
