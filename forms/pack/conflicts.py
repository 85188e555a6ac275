"""Conflicting facts across agencies: exactly four checks, each a flag kind.

- ``conflict_under_one`` — C4 answered Yes by one agency and No by another.
- ``conflict_man_in_household`` — E3 answered Yes by one agency and No by another
  ("Unknown" conflicts with nothing).
- ``conflict_moves_area`` — an area in agency X's moves (F1a) is missing from agency Y, where Y
  answered F1 = Yes and has a move whose dates overlap X's move in that area. One item per move
  of X, naming every such Y and the areas Y records instead. Areas are compared
  ignoring case, spacing and punctuation; a missing "from" is open to the past and a missing
  "to" open to the future; a month or a year covers its whole period.
- ``conflict_other_children`` — agencies that answered E1 = Yes and listed children
  (E1.children rows) list different numbers of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from forms.pack.answers import ReturnView, parse_stored_date, show_date
from forms.pack.model import Flag, FlagItem
from forms.parsing import JSONValue

CONFLICT_KINDS = (
    "conflict_under_one",
    "conflict_man_in_household",
    "conflict_moves_area",
    "conflict_other_children",
)


def conflicts(views: Sequence[ReturnView]) -> list[Flag]:
    """Every conflict that holds across these received returns."""
    found = [
        _yes_no_conflict(
            views,
            "C4",
            "conflict_under_one",
            "Conflicting facts: was the child under 1 or not independently mobile?",
        ),
        _yes_no_conflict(
            views,
            "E3",
            "conflict_man_in_household",
            "Conflicting facts: was there a man with a caring role or frequent presence?",
        ),
        _moves_conflict(views),
        _children_conflict(views),
    ]
    return [flag for flag in found if flag is not None]


def _yes_no_conflict(views: Sequence[ReturnView], qid: str, kind: str, title: str) -> Flag | None:
    answered = [(v, v.choice(qid)) for v in views if v.choice(qid) in ("yes", "no")]
    if len({answer for _, answer in answered}) < 2:
        return None
    return Flag(
        kind=kind,
        severity="concern",
        title=title,
        summary=f"Agencies disagree on {qid}: check which record is right before the meeting.",
        items=tuple(_answer(v, qid) for v, _ in answered),
    )


def _answer(view: ReturnView, qid: str) -> FlagItem:
    return FlagItem(agency=view.agency, question=qid, text=view.label(qid))


def _area_key(area: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", area.casefold()).strip()


def _period(row: dict[str, JSONValue]) -> tuple[date, date]:
    start = parse_stored_date(row.get("from"))
    end = parse_stored_date(row.get("to"))
    return (start.start if start else date.min, end.end if end else date.max)


def _moves_conflict(views: Sequence[ReturnView]) -> Flag | None:
    moved = [
        (
            v,
            [
                (str(r["area"]), _area_key(str(r["area"])), _period(r), _shown(r))
                for r in v.rows("F1a")
                if isinstance(r.get("area"), str) and _area_key(str(r["area"]))
            ],
        )
        for v in views
        if v.choice("F1") == "yes"
    ]
    items: list[FlagItem] = []
    for x, x_moves in moved:
        for area, key, (start, end), shown in x_moves:
            missing = []
            for y, y_moves in moved:
                if y is x or any(k == key for _, k, _, _ in y_moves):
                    continue
                overlapping = [a for a, _, (s, e), _ in y_moves if s <= end and start <= e]
                if overlapping:
                    missing.append(f"{y.agency} (records {', '.join(dict.fromkeys(overlapping))})")
            if missing:
                text = f"{area} ({shown}) is not in the moves of {'; '.join(missing)}"
                items.append(FlagItem(agency=x.agency, question="F1a", text=text))
    if not items:
        return None
    return Flag(
        kind="conflict_moves_area",
        severity="concern",
        title="Conflicting facts: where the family lived (moves by area)",
        summary="Agencies record different areas for the same period (F1a).",
        items=tuple(items),
    )


def _shown(row: dict[str, JSONValue]) -> str:
    start = show_date(row.get("from"), approx_mark=False) or "?"
    end = show_date(row.get("to"), approx_mark=False) or "ongoing"
    return f"{start} to {end}"


def _children_conflict(views: Sequence[ReturnView]) -> Flag | None:
    counted = [(v, v.rows("E1.children")) for v in views if v.choice("E1") == "yes"]
    counted = [(v, rows) for v, rows in counted if rows]
    if len({len(rows) for _, rows in counted}) < 2:
        return None
    items = []
    for v, rows in counted:
        labels = ", ".join(str(r.get("label") or "unlabelled") for r in rows)
        noun = "child" if len(rows) == 1 else "children"
        items.append(FlagItem(agency=v.agency, question="E1", text=f"{len(rows)} {noun}: {labels}"))
    return Flag(
        kind="conflict_other_children",
        severity="concern",
        title="Conflicting facts: how many other children are in the household or network",
        summary="Agencies list different numbers of other children (E1).",
        items=tuple(items),
    )
