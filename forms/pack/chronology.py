"""The merged multi-agency chronology (B rows) and the moves timeline (F1a rows).

Rows are sorted by date with a stable sort: an approximate date (a month or a year) sorts at the
start of its period and is marked "approx."; a time sorts within its day (a row without a time
counts as the start of the day); rows with equal keys keep the order of the returns in the pack
and, within a return, the order the agency entered them. Rows without a date come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from forms.pack.answers import PartialDate, ReturnView, parse_stored_date, show_date
from forms.pack.model import Chronology, ChronologyRow, Extract, MoveRow
from forms.parsing import JSONValue

_NO_DATE = (date.max, "99:99")


def _sort_key(parsed: PartialDate | None) -> tuple[date, str]:
    if parsed is None:
        return _NO_DATE
    return parsed.start, parsed.time or "00:00"


def chronology_rows(views: Sequence[ReturnView]) -> tuple[ChronologyRow, ...]:
    """Every agency's B rows merged and sorted by date (stable)."""
    keyed: list[tuple[tuple[date, str], ChronologyRow]] = []
    for view in views:
        for row in view.rows("B"):
            parsed = parse_stored_date(row.get("B1"))
            keyed.append((_sort_key(parsed), _row(view, row, parsed)))
    keyed.sort(key=lambda pair: pair[0])
    return tuple(row for _, row in keyed)


def _row(view: ReturnView, row: dict[str, JSONValue], parsed: PartialDate | None) -> ChronologyRow:
    def shown(field_id: str) -> str:
        value = row.get(field_id)
        return view.row_label("B", field_id, value) if value is not None else ""

    return ChronologyRow(
        sort_date=parsed.start.isoformat() if parsed else None,
        date=show_date(row.get("B1"), approx_mark=False) if parsed else "Date not given",
        approx=bool(parsed and parsed.approx),
        agency=view.agency,
        source=shown("B2"),
        persons=shown("B3"),
        event_type=shown("B4"),
        what=shown("B5"),
        action=shown("B6"),
        shared_with=shown("B7"),
        key=row.get("B8") == "yes",
    )


def chronology(views: Sequence[ReturnView]) -> Chronology:
    """Section 6: the merged rows, the gaps each agency noted (B9), and how many agencies."""
    rows = chronology_rows(views)
    gaps = tuple(
        Extract(agency=v.agency, question="B9", label="Significant gaps", text=text)
        for v in views
        if (text := v.text("B9"))
    )
    return Chronology(rows=rows, gaps=gaps, agencies=len({r.agency for r in rows}))


def moves(views: Sequence[ReturnView]) -> tuple[MoveRow, ...]:
    """Section 7: every F1a row with its agency's F2/F3 answers, sorted by the from date."""
    keyed: list[tuple[tuple[date, str], MoveRow]] = []
    for view in views:
        transfer = view.label("F2")
        if transfer and (received := view.label("F2.date")):
            transfer = f"{transfer} (received {received})"
        for row in view.rows("F1a"):
            keyed.append(
                (
                    _sort_key(parse_stored_date(row.get("from"))),
                    MoveRow(
                        agency=view.agency,
                        area=str(row.get("area") or "Area not given"),
                        from_date=view.row_label("F1a", "from", row.get("from")),
                        to_date=view.row_label("F1a", "to", row.get("to")),
                        reason=view.row_label("F1a", "reason", row.get("reason")),
                        planned=view.row_label("F1a", "planned", row.get("planned")),
                        transfer=transfer,
                        status_at_move=view.label("F3"),
                        handover=view.label("F3.handover"),
                    ),
                )
            )
    keyed.sort(key=lambda pair: pair[0])
    return tuple(row for _, row in keyed)
