"""Turn raw input (what a Slack modal delivers) into stored values, or into plain-sentence errors.

Stored values (the contract shared with storage): yes_no/single -> the option value; multi -> a
list of option values in option order (free "other" text under ``<id>.other``); text -> the
string as typed, less control and bidi characters (``forms.text.clean_text``); date -> ISO
``2026-03-05`` (partial: ``2025-03``, ``2025``; with a time: ``2026-03-05T10:00``); datetime ->
``YYYY-MM-DDTHH:MM``; number -> int or float; repeat -> a list of
``{"row_id": str, "values": {field_id: value}}``. A blank answer is absent.

Errors are keyed by answer id; an error in a repeat row is keyed
``<question_id>.rows[<row_id>].<field_id>`` (see :func:`row_error_key`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, TypedDict

from forms.model import (
    AnyField,
    DateSpec,
    DateTimeSpec,
    MultiSpec,
    NumberSpec,
    Option,
    Question,
    RepeatQuestion,
    SingleSpec,
    TextSpec,
    YesNoSpec,
)
from forms.text import clean_text

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"
Answers: TypeAlias = Mapping[str, JSONValue]


class RawRow(TypedDict):
    """One repeat row as the adapter delivers it; ``row_id`` is minted by the caller."""

    row_id: str
    values: Mapping[str, str | list[str] | None]


RawValue: TypeAlias = str | list[str] | list[RawRow] | None
OTHER_MAX_LENGTH = 1000
REQUIRED = "Please answer this question: it is required."
_ROW_KEY = re.compile(r"^(?P<q>[^\[\]]+)\.rows\[(?P<row>.+)\]\.(?P<field>[^\[\]]+)$")


def row_error_key(question_id: str, row_id: str, field_id: str) -> str:
    """The error key of one field of one repeat row: ``B.rows[<row_id>].B1``."""
    return f"{question_id}.rows[{row_id}].{field_id}"


@dataclass(frozen=True)
class ErrorKey:
    """An error key split into its parts (``row_id``/``field_id`` are None for a question)."""

    question_id: str
    row_id: str | None = None
    field_id: str | None = None


def split_error_key(key: str) -> ErrorKey:
    """Split an error key made by :func:`row_error_key` (or a plain answer id)."""
    match = _ROW_KEY.match(key)
    if match is None:
        return ErrorKey(key)
    return ErrorKey(match["q"], match["row"], match["field"])


@dataclass(frozen=True)
class Parsed:
    """A parsed answer: ``value`` (None when blank) and errors keyed as described above."""

    value: JSONValue = None
    errors: Mapping[str, str] = field(default_factory=dict)


def parse_answer(question: Question | AnyField, raw: object) -> Parsed:
    """Parse the raw input of one question (or repeat field) into its stored value."""
    if isinstance(question, RepeatQuestion):
        return _parse_rows(question, raw)
    value, error = parse_value(question, raw)
    return Parsed(value, {question.id: error} if error else {})


def parse_other(question: Question, raw: object) -> Parsed:
    """Parse the free "other" text of a multi question (stored under ``<id>.other``)."""
    value, error = _text(raw, OTHER_MAX_LENGTH)
    return Parsed(value, {f"{question.id}.other": error} if error else {})


def parse_value(spec: AnyField | Question, raw: object) -> tuple[JSONValue, str | None]:
    """Parse a non-repeat value: (stored value or None when blank, error or None)."""
    if isinstance(spec, MultiSpec):
        return _multi(spec.options, raw)
    if raw is not None and not isinstance(raw, str):
        return None, "Expected text here."
    if raw is None or not raw.strip():
        return None, None
    if isinstance(spec, YesNoSpec | SingleSpec):
        return _choice(spec.options, raw)
    if isinstance(spec, TextSpec):
        return _text(raw, spec.max_length)
    if isinstance(spec, DateSpec):
        return parse_date(raw, precision=spec.precision, allow_time=spec.allow_time)
    if isinstance(spec, DateTimeSpec):
        return parse_date(raw, precision="day", allow_time=True, need_time=True)
    if isinstance(spec, NumberSpec):
        return _number(spec, raw)
    return None, "This question takes no input."


def _choice(options: tuple[Option, ...], raw: str) -> tuple[JSONValue, str | None]:
    for option in options:
        if raw == option.value:
            return option.value, None
    for option in options:
        if raw.strip().casefold() in (option.value.casefold(), option.label.casefold()):
            return option.value, None
    return None, f"'{raw}' is not one of: {', '.join(o.value for o in options)}"


def _multi(options: tuple[Option, ...], raw: object) -> tuple[JSONValue, str | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
        return None, "Expected a list of choices here."
    chosen: set[str] = set()
    for item in raw:
        value, error = _choice(options, item)
        if error:
            return None, error
        chosen.add(str(value))
    ordered: list[JSONValue] = [o.value for o in options if o.value in chosen]
    return ordered or None, None


def _text(raw: object, max_length: int) -> tuple[JSONValue, str | None]:
    if raw is not None and not isinstance(raw, str):
        return None, "Expected text here."
    text = None if raw is None else clean_text(raw)
    if text is None or not text.strip():
        return None, None
    if len(text) > max_length:
        return None, f"This answer is {len(text):,} characters long; the limit is {max_length:,}."
    return text, None


_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_UK = re.compile(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_date(
    text: str,
    *,
    precision: Literal["day", "any"] = "day",
    allow_time: bool = False,
    need_time: bool = False,
) -> tuple[str | None, str | None]:
    """Parse ISO (2026-03-05) or UK (05/03/2026, 5/3/2026) dates, optionally with HH:MM.

    With ``precision="any"`` a month (2025-03, 03/2025) or a year (2025) is accepted and stored
    as "2025-03" / "2025". Returns (ISO string, None) or (None, a sentence naming the problem).
    """
    shown = text.strip()
    date_part, _, time_part = shown.replace("T", " ", 1).partition(" ")
    time_part = time_part.strip()
    ymd = _ymd(date_part)
    if ymd is None:
        return None, _date_hint(shown, precision, need_time)
    year, month, day = ymd
    if precision == "day" and day is None:
        return None, f"{shown} is not a full date: give the day too, e.g. 05/03/{year}."
    if not 1900 <= year <= 2100:
        return None, f"{shown} is not a date this form accepts: the year {year} is out of range."
    if month is not None and not 1 <= month <= 12:
        return None, f"{shown} is not a real date: there is no month {month}."
    if month is not None and day is not None:
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            name = calendar.month_name[month]
            return None, f"{shown} is not a real date: {name} {year} has {days} days."
    iso = f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")
    if not time_part:
        return (None, f"Give a time too, e.g. {shown} 10:00.") if need_time else (iso, None)
    if not allow_time:
        return None, f"{date_part}: give a date without a time."
    if day is None:
        return None, f"{date_part}: a time needs a full date, e.g. 05/03/{year} 10:00."
    match = _TIME.fullmatch(time_part)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None, f"{time_part} is not a real time: use HH:MM, e.g. 14:30."
    return f"{iso}T{int(match[1]):02d}:{match[2]}", None


def _ymd(text: str) -> tuple[int, int | None, int | None] | None:
    iso = _ISO.fullmatch(text)
    if iso:
        return int(iso[1]), _int(iso[2]), _int(iso[3])
    uk = _UK.fullmatch(text)
    return (int(uk[3]), int(uk[2]), _int(uk[1])) if uk else None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None else None


def _date_hint(shown: str, precision: str, need_time: bool) -> str:
    if need_time:
        return f"{shown} is not a date and time: use DD/MM/YYYY HH:MM, e.g. 05/03/2026 10:00."
    hint = f"{shown} is not a date: use DD/MM/YYYY, e.g. 05/03/2026"
    return hint + (", or a month (03/2025) or a year (2025)." if precision == "any" else ".")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _number(spec: NumberSpec, raw: str) -> tuple[JSONValue, str | None]:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", raw.strip())
    if not _NUMBER.fullmatch(text):
        return None, f"'{raw.strip()}' is not a number."
    number = float(text)
    if spec.integer and not number.is_integer():
        return None, f"{raw.strip()} is not a whole number."
    value: int | float = int(number) if spec.integer or number.is_integer() else number
    if spec.min is not None and value < spec.min:
        return None, f"The smallest number allowed is {spec.min}; {value} was given."
    if spec.max is not None and value > spec.max:
        return None, f"The largest number allowed is {spec.max}; {value} was given."
    return value, None


def _parse_rows(q: RepeatQuestion, raw: object) -> Parsed:
    if raw is None:
        return Parsed()
    if not isinstance(raw, list | tuple):
        return Parsed(None, {q.id: "Expected a list of rows here."})
    rows: list[JSONValue] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(raw, 1):
        row_id = row.get("row_id") if isinstance(row, Mapping) else None
        values = row.get("values") if isinstance(row, Mapping) else None
        if not isinstance(row_id, str) or not row_id or not isinstance(values, Mapping):
            errors[q.id] = f"Row {index} is malformed: it needs a row_id and values."
            continue
        if any(isinstance(r, dict) and r.get("row_id") == row_id for r in rows):
            errors[q.id] = f"Row id {row_id!r} appears twice."
            continue
        parsed: dict[str, JSONValue] = {}
        for key in values:
            if q.field(str(key)) is None:
                errors[row_error_key(q.id, row_id, str(key))] = f"{q.id} has no field {key!r}."
        for f in q.fields:
            value, error = parse_value(f, values.get(f.id))
            if error:
                errors[row_error_key(q.id, row_id, f.id)] = error
            elif value is not None:
                parsed[f.id] = value
        if parsed:
            rows.append({"row_id": row_id, "values": parsed})
    if q.max_rows is not None and len(rows) > q.max_rows:
        errors[q.id] = f"At most {q.max_rows} rows are allowed; {len(rows)} were given."
    return Parsed(rows or None, errors)


def requirement_errors(question: Question | AnyField, value: JSONValue) -> dict[str, str]:
    """Errors for a blank required answer, a ``must_equal`` not met, too few rows, and the
    required fields of each repeat row. ``value`` is the stored value (None when blank)."""
    key = question.id
    unmet = question.must_equal is not None and value != question.must_equal
    if unmet and (value is not None or question.required):
        return {key: question.must_equal_message or _must_equal_default(question)}
    if value is None:
        return {key: REQUIRED} if question.required else {}
    if not isinstance(question, RepeatQuestion) or not isinstance(value, list):
        return {}
    errors: dict[str, str] = {}
    if len(value) < question.min_rows:
        errors[key] = f"At least {question.min_rows} rows are needed; {len(value)} were given."
    for row in value:
        if isinstance(row, dict) and isinstance(row.get("values"), dict):
            row_values = row["values"]
            assert isinstance(row_values, dict)
            for f in question.fields:
                for error in requirement_errors(f, row_values.get(f.id)).values():
                    errors[row_error_key(key, str(row.get("row_id")), f.id)] = error
    return errors


def _must_equal_default(question: Question | AnyField) -> str:
    options = question.options if isinstance(question, YesNoSpec | SingleSpec) else ()
    label = next((o.label for o in options if o.value == question.must_equal), question.must_equal)
    return f"This answer must be {label!r}."


def stored_value_error(question: Question | AnyField, value: JSONValue) -> str | None:
    """Why a stored value does not fit the question (None when it fits)."""
    if value is None:
        return "a blank answer is stored as an absent key, not null"
    if isinstance(question, RepeatQuestion):
        return _stored_rows_error(question, value)
    if isinstance(question, MultiSpec):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        ok = ok and bool(value) and _multi(question.options, value)[1] is None
    elif isinstance(question, YesNoSpec | SingleSpec):
        ok = isinstance(value, str) and value in {o.value for o in question.options}
    elif isinstance(question, TextSpec):
        ok = isinstance(value, str)
    elif isinstance(question, DateSpec):
        p, t = question.precision, question.allow_time
        ok = isinstance(value, str) and parse_date(value, precision=p, allow_time=t)[0] == value
    elif isinstance(question, DateTimeSpec):
        parsed = parse_date(str(value), need_time=True, allow_time=True)[0]
        ok = isinstance(value, str) and parsed == value
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and not (question.integer and not float(str(value)).is_integer())
    return None if ok else f"stored value {value!r} does not fit a {question.kind} question"


def _stored_rows_error(question: RepeatQuestion, value: JSONValue) -> str | None:
    if not isinstance(value, list):
        return f"stored value {value!r} is not a list of rows"
    for row in value:
        values = row.get("values") if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(row.get("row_id"), str):
            return f"stored row {row!r} has no row_id"
        if not isinstance(values, dict) or set(row) != {"row_id", "values"}:
            return f"stored row {row['row_id']!r} is not {{row_id, values}}"
        for field_id, field_value in values.items():
            f = question.field(field_id)
            problem = "no such field" if f is None else stored_value_error(f, field_value)
            if problem:
                return f"row {row['row_id']!r}, field {field_id!r}: {problem}"
    return None
