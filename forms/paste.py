"""Rows pasted from a spreadsheet (Excel, a CSV file) into a repeat question, checked row by row.

Pure: text in, rows or problems out; nothing here raises on any text. The columns are the
question's fields in order (:func:`columns`); a heading row is recognised by its column names
(the short names of :func:`column_name`, the full question text or the field id, in any case and
punctuation) and then decides the order of the columns that follow it. Cells are separated by
tabs (what Excel copies) or, when a paste holds no tab, by commas (a CSV file); quotes work as
in a CSV file. Each row is checked with the same parsers as the row modal
(``forms.parsing.parse_value``): what comes back is exactly what the modal would store, and
every rejected row has a sentence naming the row, the column, the problem and the fix.

Dates may be a day, a month or a year: 14/03/2025, 2025-03-14, 14 Mar 2025, 14-Mar-2025,
03/2025, March 2025, 2025 (with a time where the field allows one: 14/03/2025 14:30).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from forms.model import AnyField, DateSpec, MultiSpec, Option, RepeatQuestion, SingleSpec, YesNoSpec
from forms.parsing import JSONValue, parse_date, parse_value, requirement_errors

PASTE_QUESTIONS = ("B", "F1a")
"""The repeat questions that offer "Paste from a spreadsheet": the chronology and the moves."""
MAX_ROWS = 200
"""The most rows one paste may add (a chronology from a case system has 20 to 40)."""
MULTI_SEPARATORS = re.compile(r"[;,\n]")

_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}  # fmt: skip
_DAY_NAMED = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]{3,9})\.?,?[ \-](\d{4})(.*)")
_MONTH_NAMED = re.compile(r"([A-Za-z]{3,9})\.?[ \-](\d{4})")
_DOTS_OR_DASHES = re.compile(r"(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})(.*)")
_YES = {"y": "yes", "n": "no", "true": "yes", "false": "no"}


def column_name(spec: AnyField) -> str:
    """The short name of a field's column: its text before any " (" ("Date", "Source")."""
    return spec.text.split(" (", 1)[0].strip() or spec.id


def columns(question: RepeatQuestion) -> tuple[str, ...]:
    """The column names of ``question``, in the order a paste without headings is read."""
    return tuple(column_name(f) for f in question.fields)


@dataclass(frozen=True)
class PastedRow:
    """A row that can be added: its number among the pasted rows (from 1), the raw values the
    row modal would send (option values, lists for multi choices) and the values stored."""

    number: int
    raw: dict[str, str | list[str]]
    values: dict[str, JSONValue]


@dataclass(frozen=True)
class RowProblem:
    """Why a row (``number``; 0 for a heading row) can't be added, and which paste box held it."""

    number: int
    message: str
    part: int = 0


@dataclass(frozen=True)
class PasteResult:
    """The rows read from a paste and the problems found (by row number, in order)."""

    rows: tuple[PastedRow, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    headings: int = 0

    @property
    def ok(self) -> bool:
        """Rows were found and none had a problem."""
        return bool(self.rows) and not self.problems


@dataclass
class _Reader:
    question: RepeatQuestion
    order: list[AnyField | None] = field(default_factory=list)
    rows: list[PastedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    headings: int = 0
    number: int = 0

    def __post_init__(self) -> None:
        self.order = list(self.question.fields)

    def part(self, index: int, text: str) -> None:
        records, problem = _records(text)
        if problem:
            self.problems.append(RowProblem(self.number + 1, problem, index))
        for cells in records:
            if not any(c.strip() for c in cells):
                continue
            if self._heading(index, cells):
                continue
            self.number += 1
            if self.number > MAX_ROWS:
                message = f"At most {MAX_ROWS} rows can be pasted at once: paste the rest next."
                self.problems.append(RowProblem(self.number, message, index))
                return
            self._row(index, cells)

    def _heading(self, index: int, cells: list[str]) -> bool:
        given = [(n, c.strip()) for n, c in enumerate(cells) if c.strip()]
        known = [heading_field(self.question, c) for _, c in given]
        if sum(k is not None for k in known) * 2 < len(given):
            return False
        self.headings += 1
        order: list[AnyField | None] = [None] * len(cells)
        problems = []
        for (n, cell), spec in zip(given, known, strict=True):
            if spec is None:
                problems.append(f"the heading {_quote(cell)} is not a column here")
            elif any(o is spec for o in order):
                problems.append(f"the heading {_quote(cell)} appears twice")
            else:
                order[n] = spec
        if problems:
            listed = ", ".join(columns(self.question))
            message = f"Heading row: {'; '.join(problems)}. The columns are: {listed}."
            self.problems.append(RowProblem(0, message, index))
        self.order = order
        return True

    def _row(self, index: int, cells: list[str]) -> None:
        problems: list[str] = []
        extra = [c for c in cells[len(self.order) :] if c.strip()]
        if extra:
            problems.append(
                f"it has {len(cells)} columns; there are {len(self.order)} "
                f"({', '.join(columns(self.question))})"
            )
        raw: dict[str, str | list[str]] = {}
        values: dict[str, JSONValue] = {}
        for spec, cell in zip(self.order, cells, strict=False):
            if spec is None or not cell.strip():
                continue
            given, value, error = read_cell(spec, cell)
            if error:
                problems.append(f"{column_name(spec)}: {error}")
            elif value is not None:
                raw[spec.id], values[spec.id] = given, value
        for spec in self.question.fields:
            for error in requirement_errors(spec, values.get(spec.id)).values():
                problems.append(f"{column_name(spec)}: {error}")
        if not values and not problems:
            problems.append("nothing in it could be read: check the columns")
        if problems:
            message = f"Row {self.number}: {'; '.join(problems)}"
            self.problems.append(RowProblem(self.number, message, index))
        else:
            self.rows.append(PastedRow(self.number, raw, values))


def parse_paste(question: RepeatQuestion, parts: Sequence[str]) -> PasteResult:
    """Read the text of each paste box (rows numbered on across boxes; a heading row in a box
    sets the columns from there on). No row at all is a problem of row 1."""
    reader = _Reader(question)
    for index, text in enumerate(parts):
        reader.part(index, text if isinstance(text, str) else "")
    problems = sorted(reader.problems, key=lambda p: (p.number, p.part))
    if not reader.rows and not problems:
        problems = [RowProblem(1, "No rows were found: paste the rows copied from the sheet.")]
    return PasteResult(tuple(reader.rows), tuple(problems), reader.headings)


def read_cell(spec: AnyField, cell: str) -> tuple[str | list[str], JSONValue, str | None]:
    """(raw value as the row modal sends it, stored value, error) of one cell."""
    text = cell.strip()
    if isinstance(spec, DateSpec):
        given = normalise_date(text)
        day, problem = parse_date(given, precision=spec.precision, allow_time=spec.allow_time)
        return given, day, problem
    if isinstance(spec, MultiSpec):
        items = [i.strip() for i in MULTI_SEPARATORS.split(text) if i.strip()]
        chosen: list[str] = []
        for item in items:
            option = _option(spec.options, item)
            if option is None:
                return items, None, _not_an_option(item, spec.options)
            chosen.append(option)
        chosen_value, error = parse_value(spec, chosen)
        return chosen, chosen_value, error
    if isinstance(spec, YesNoSpec | SingleSpec):
        option = _option(spec.options, _YES.get(text.casefold(), text))
        if option is None:
            return text, None, _not_an_option(text, spec.options)
        return option, option, None
    typed, error = parse_value(spec, cell)
    return cell, typed, error


def normalise_date(text: str) -> str:
    """A date with a month name or dots/dashes (14 Mar 2025, March 2025, 14.03.2025) written
    as the date parser reads it (14/03/2025, 03/2025); anything else unchanged."""
    text = " ".join(text.split())
    named = _DAY_NAMED.fullmatch(text)
    if named and named[2].casefold() in _MONTHS:
        return f"{named[1]}/{_MONTHS[named[2].casefold()]:02d}/{named[3]}{named[4]}"
    month = _MONTH_NAMED.fullmatch(text)
    if month and month[1].casefold() in _MONTHS:
        return f"{_MONTHS[month[1].casefold()]:02d}/{month[2]}"
    dotted = _DOTS_OR_DASHES.fullmatch(text)
    if dotted:
        return f"{dotted[1]}/{dotted[2]}/{dotted[3]}{dotted[4]}"
    return text


def _records(text: str) -> tuple[list[list[str]], str | None]:
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    delimiter = "\t" if "\t" in text else ","
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter)), None
    except csv.Error:
        return [], "This text can't be read as rows: paste the cells copied from the sheet."


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _names(question: RepeatQuestion) -> dict[str, AnyField]:
    names: dict[str, AnyField] = {}
    for spec in question.fields:
        for name in (spec.id, spec.text, column_name(spec)):
            names.setdefault(_key(name), spec)
    names.pop("", None)
    return names


def heading_field(question: RepeatQuestion, heading: str) -> AnyField | None:
    """The field a heading names: its id, short name or full text exactly (any case and
    punctuation), else the one field whose name contains it ("Action taken", "Key practice
    episode"; at least 4 letters)."""
    names = _names(question)
    wanted = _key(heading)
    if wanted in names:
        return names[wanted]
    if len(wanted) < 4:
        return None
    found = {id(f): f for key, f in names.items() if wanted in key}
    return next(iter(found.values())) if len(found) == 1 else None


def _option(options: tuple[Option, ...], text: str) -> str | None:
    wanted = _key(text)
    for option in options:
        if wanted and wanted in (_key(option.value), _key(option.label)):
            return option.value
    return None


def _not_an_option(text: str, options: tuple[Option, ...]) -> str:
    labels = "; ".join(o.label for o in options)
    return f"{_quote(text)} is not one of: {labels}"


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else text[:39] + "…"
    return f"'{shown}'"
