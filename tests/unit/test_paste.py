"""Rows pasted from a spreadsheet: splitting, headings, quoting, dates, choices, and a problem
by row number for every row that can't be added (forms/paste.py)."""

from __future__ import annotations

import csv
import io
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.loader import default_question_set_path, load_question_set
from forms.model import QuestionSet, RepeatQuestion
from forms.parsing import parse_answer
from forms.paste import (
    MAX_ROWS,
    PASTE_QUESTIONS,
    columns,
    normalise_date,
    parse_paste,
)
from forms.paste_template import template_csv, template_rows


@cache
def form() -> QuestionSet:
    return load_question_set(default_question_set_path())


def repeat(question_id: str) -> RepeatQuestion:
    question = form().question(question_id)
    assert isinstance(question, RepeatQuestion)
    return question


B, MOVES = repeat("B"), repeat("F1a")
ROW = "14/03/2025\tHealth visitor\tChild; Mother\tHome visit\tSaw the child.\tAdvice given\tGP\tYes"


def test_the_columns_are_the_fields_short_names_in_order() -> None:
    assert columns(B) == (
        "Date", "Source", "Person(s) involved", "Event type", "What happened",
        "Action taken / outcome", "Information shared with / received from",
        "Is this a key practice episode?",
    )  # fmt: skip
    assert columns(MOVES)[:3] == ("Area", "From", "To")
    assert set(PASTE_QUESTIONS) == {"B", "F1a"}


def test_a_tab_separated_row_from_excel_is_stored_as_the_row_modal_stores_it() -> None:
    result = parse_paste(B, [ROW])

    assert result.ok and result.headings == 0
    (row,) = result.rows
    assert row.number == 1
    assert row.values == {
        "B1": "2025-03-14", "B2": "Health visitor", "B3": ["child", "mother"],
        "B4": "home_visit", "B5": "Saw the child.", "B6": "Advice given", "B7": ["gp"],
        "B8": "yes",
    }  # fmt: skip
    stored = parse_answer(B, [{"row_id": "r1", "values": row.raw}])
    assert stored.errors == {} and stored.value == [{"row_id": "r1", "values": row.values}]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("14/03/2025", "2025-03-14"),
        ("2025-03-14", "2025-03-14"),
        ("14 Mar 2025", "2025-03-14"),
        ("14 March 2025", "2025-03-14"),
        ("14-Mar-2025", "2025-03-14"),
        ("14th March 2025", "2025-03-14"),
        ("14.03.2025", "2025-03-14"),
        ("14/03/2025 14:30", "2025-03-14T14:30"),
        ("14 Mar 2025 09:05", "2025-03-14T09:05"),
        ("03/2025", "2025-03"),
        ("2025-03", "2025-03"),
        ("March 2025", "2025-03"),
        ("Sept 2025", "2025-09"),
        ("2025", "2025"),
    ],
)
def test_a_day_a_month_or_a_year(typed: str, stored: str) -> None:
    result = parse_paste(B, [f"{typed}\tHealth visitor"])
    assert result.ok, result.problems
    assert result.rows[0].values["B1"] == stored


def test_moves_take_partial_dates_without_a_time() -> None:
    ok = parse_paste(MOVES, ["Blackpool, Lancashire\tJune 2023\t2026\tHousing\tNo"])
    assert ok.ok, ok.problems
    assert ok.rows[0].values == {
        "area": "Blackpool, Lancashire", "from": "2023-06", "to": "2026", "reason": "housing",
        "planned": "no",
    }  # fmt: skip
    timed = parse_paste(MOVES, ["Leeds\t01/06/2023 10:00"])
    assert timed.problems[0].message == "Row 1: From: 01/06/2023: give a date without a time."


def test_a_heading_row_is_recognised_and_orders_the_columns() -> None:
    text = "event type\tDATE\tsource\nHome visit\t05/03/2025\tGP\nReferral made / received\t2024\t"

    result = parse_paste(B, [text])

    assert result.ok and result.headings == 1
    assert [r.values for r in result.rows] == [
        {"B1": "2025-03-05", "B2": "GP", "B4": "home_visit"},
        {"B1": "2024", "B4": "referral"},
    ]
    assert [r.number for r in result.rows] == [1, 2]


def test_a_heading_with_an_unknown_column_is_a_problem_naming_it() -> None:
    result = parse_paste(B, ["Date\tSource\tNHS number\n05/03/2025\tGP\t"])

    assert not result.ok
    (problem,) = result.problems
    assert problem.number == 0
    assert problem.message.startswith("Heading row: the heading 'NHS number' is not a column")
    assert "The columns are: Date, Source" in problem.message


def test_comma_separated_with_quotes_and_a_line_break_in_a_cell() -> None:
    text = (
        "Date,Source,What happened\r\n"
        '05/03/2025,"Police, response","Attended.\nChild seen, ""fine"" she said"\r\n'
    )
    result = parse_paste(B, [text])
    assert result.ok, result.problems
    assert result.rows[0].values["B2"] == "Police, response"
    assert result.rows[0].values["B5"] == 'Attended.\nChild seen, "fine" she said'


def test_bad_rows_are_reported_by_number_and_the_good_ones_still_read() -> None:
    lines = [f"{day:02d}/03/2025\tGP" for day in range(1, 11)]
    lines[2] = "31/02/2025\tGP"
    lines[6] = "05/03/2025\tGP\tCousin"
    lines[8] = "05/03/2025\tGP\t\tTelepathy\t\t\t\tMaybe"

    result = parse_paste(B, ["\n".join(lines)])

    assert [p.number for p in result.problems] == [3, 7, 9]
    assert result.problems[0].message == (
        "Row 3: Date: 31/02/2025 is not a real date: February 2025 has 28 days."
    )
    assert result.problems[1].message.startswith(
        "Row 7: Person(s) involved: 'Cousin' is not one of: The child; Sibling(s)"
    )
    assert "Event type: 'Telepathy' is not one of" in result.problems[2].message
    assert "Is this a key practice episode?: 'Maybe' is not one of: Yes; No" in (
        result.problems[2].message
    )
    assert len(result.rows) == 7 and not result.ok


def test_too_many_columns_and_blank_lines() -> None:
    result = parse_paste(B, ["\n\n05/03/2025\tGP\t\t\t\t\t\t\t\t\t\n\n" + "\t".join("x" * 9)])
    assert len(result.rows) == 1
    (problem,) = result.problems
    assert problem.number == 2 and "it has 9 columns; there are 8 (Date, Source" in problem.message


def test_rows_are_numbered_on_across_boxes_and_a_heading_carries_over() -> None:
    first = "Source\tDate\nGP\t2025"
    second = "Police\t2024\nSchool\tnot a date"
    result = parse_paste(B, [first, second])
    assert [r.values["B2"] for r in result.rows] == ["GP", "Police"]
    (problem,) = result.problems
    assert (problem.number, problem.part) == (3, 1)
    assert problem.message.startswith("Row 3: Date: not a date is not a date")


def test_nothing_pasted_is_a_problem() -> None:
    result = parse_paste(B, ["", "  \n\t\n"])
    assert not result.ok
    assert result.problems[0].message.startswith("No rows were found")


def test_more_than_the_limit_is_refused() -> None:
    result = parse_paste(B, ["\n".join(["2025\tGP"] * (MAX_ROWS + 5))])
    assert result.problems[-1].message.startswith(f"At most {MAX_ROWS} rows")


def test_a_text_longer_than_the_field_allows_is_a_problem() -> None:
    result = parse_paste(B, ["2025\t" + "x" * 201])
    assert result.problems[0].message == (
        "Row 1: Source: This answer is 201 characters long; the limit is 200."
    )


def test_normalise_date_leaves_what_it_does_not_know() -> None:
    assert normalise_date("Smarch 2025") == "Smarch 2025"
    assert normalise_date("  1  Jan  2025 ") == "1/01/2025"


def test_the_template_reads_back_as_one_row() -> None:
    for question in (B, MOVES):
        text = template_csv(question)
        assert text.endswith("\r\n")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows == template_rows(question)
        result = parse_paste(question, [text])
        assert result.ok and result.headings == 1 and len(result.rows) == 1, result.problems
    assert template_rows(B)[1][:4] == ["14/03/2025 10:30", "Health visitor",
                                       "The child; Sibling(s)", "Contact / appointment"]  # fmt: skip


# -- never raises, every rejection explained --------------------------------------------------

_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["14/03/2025", "2025", "March 2025", "31/02/2025", "Yes", "Home visit",
                     "Child; Mother", '"', '""', "Date", "Source", ",", "\t", "\n"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=400), max_size=4))
def test_any_text_never_raises_and_every_problem_has_a_message(parts: list[str]) -> None:
    for question in (B, MOVES):
        result = parse_paste(question, parts)
        assert all(p.message.strip() for p in result.problems)
        assert result.ok or result.problems
        assert [r.number for r in result.rows] == sorted({r.number for r in result.rows})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_cells, max_size=10), max_size=8), st.sampled_from(["\t", ","]))
def test_every_accepted_row_stores_like_the_row_modal(rows: list[list[str]], sep: str) -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows(rows)
    result = parse_paste(B, [out.getvalue()])
    bad = {p.number for p in result.problems}
    for row in result.rows:
        assert row.number not in bad and row.values
        stored = parse_answer(B, [{"row_id": "r", "values": row.raw}])
        assert stored.errors == {}
        assert stored.value == [{"row_id": "r", "values": row.values}]


@pytest.mark.parametrize(
    ("heading", "field_id"),
    [("Date", "B1"), ("b1", "B1"), ("Action taken", "B6"), ("Key practice episode", "B8"),
     ("Date (and time if relevant)", "B1"), ("PERSON(S) INVOLVED", "B3"), ("Agency", None),
     ("to", None), ("Info", "B7")],
)  # fmt: skip
def test_a_heading_names_its_column_in_full_or_in_part(heading: str, field_id: str | None) -> None:
    from forms.paste import heading_field

    found = heading_field(B, heading)
    assert (found.id if found else None) == field_id
