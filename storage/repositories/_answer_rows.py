"""Pure mapping between the answers JSON contract and stored answer rows.

A non-repeat answer is one row with ``row_id`` ''. A repeat answer (a list of
``{"row_id": str, "values": {...}}``) is one row per repeat row, whose stored value is the
row's ``values`` and whose position keeps the list order. ``None`` and ``[]`` mean blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeGuard

from forms.records import Answers, JSONValue
from storage.codec import canonical

SINGLE = ""
MAX_ID = 64  # question ids and row ids, as in the schema


@dataclass(frozen=True, slots=True)
class Row:
    """One stored (or to-be-stored) answer row of a question."""

    row_id: str
    value: JSONValue

    @property
    def key(self) -> str:
        """Comparison key: equal rows have equal keys."""
        return canonical(self.value)


def is_repeat(value: JSONValue) -> TypeGuard[list[JSONValue]]:
    """Whether ``value`` is a repeat answer (a non-empty list of row objects)."""
    if not isinstance(value, list) or not value:
        return False
    dicts = [isinstance(item, dict) for item in value]
    if any(dicts) and not all(dicts):
        raise ValueError("a list answer mixes repeat rows with plain values")
    return all(dicts)


def rows_for(question_id: str, value: JSONValue) -> list[Row]:
    """The rows that store ``value`` for ``question_id``, in order; [] for a blank answer."""
    checked_question_id(question_id)
    if value is None or value == []:
        return []
    if not is_repeat(value):
        return [Row(SINGLE, value)]
    rows = [repeat_row(question_id, item) for item in value]
    ids = [row.row_id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{question_id}: the same row_id appears twice")
    return rows


def repeat_row(question_id: str, item: JSONValue) -> Row:
    """Validate one ``{"row_id": ..., "values": {...}}`` repeat row."""
    if not isinstance(item, dict) or set(item) != {"row_id", "values"}:
        raise ValueError(f"{question_id}: a repeat row must be {{'row_id': str, 'values': dict}}")
    row_id = checked_row_id(question_id, item["row_id"])
    return Row(row_id, checked_values(question_id, row_id, item["values"]))


def checked_question_id(question_id: str) -> str:
    """``question_id`` if it has 1 to ``MAX_ID`` characters, else ``ValueError``."""
    if not question_id or len(question_id) > MAX_ID:
        raise ValueError(f"question id {question_id!r} must have 1 to {MAX_ID} characters")
    return question_id


def checked_row_id(question_id: str, row_id: object) -> str:
    """``row_id`` if it is a non-empty str, else ``ValueError``."""
    if not isinstance(row_id, str) or not row_id or len(row_id) > MAX_ID:
        raise ValueError(f"{question_id}: a repeat row needs a row_id of 1 to {MAX_ID} characters")
    return row_id


def checked_values(question_id: str, row_id: str, values: object) -> dict[str, JSONValue]:
    """``values`` if it is a dict with str keys, else ``ValueError``."""
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise ValueError(f"{question_id}: repeat row {row_id!r} values must be a dict")
    return values


def same(stored: Iterable[Row], wanted: Iterable[Row]) -> bool:
    """Whether two ordered row lists hold the same row ids and values."""
    return [(r.row_id, r.key) for r in stored] == [(r.row_id, r.key) for r in wanted]


def assemble(rows: Iterable[tuple[str, Row]]) -> Answers:
    """Rebuild the answers dict from ``(question_id, row)`` pairs in stored order."""
    answers: Answers = {}
    repeats: dict[str, list[JSONValue]] = {}
    for question_id, row in rows:
        if row.row_id == SINGLE:
            answers[question_id] = row.value
        else:
            if question_id not in repeats:
                repeats[question_id] = []
                answers[question_id] = repeats[question_id]
            repeats[question_id].append({"row_id": row.row_id, "values": row.value})
    return answers


def group(rows: Iterable[tuple[str, Row]], question_ids: Iterable[str]) -> Mapping[str, list[Row]]:
    """Rows grouped by question id, every one of ``question_ids`` present (possibly empty)."""
    grouped: dict[str, list[Row]] = {question_id: [] for question_id in question_ids}
    for question_id, row in rows:
        grouped.setdefault(question_id, []).append(row)
    return grouped
