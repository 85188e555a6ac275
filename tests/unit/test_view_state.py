"""A modal's state.values back into raw input: every element kind, narrative boxes joined byte
for byte, malformed state tolerated, repeat rows; and the round trip through page_view."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.blocks import ReturnContext, page_view, row_view
from bot.slack.view_state import element_value, raw_from_state, raw_row_from_state
from forms import model
from forms.engine import Page, apply_page, page_for
from forms.loader import default_question_set_path, load_question_set
from forms.parsing import JSONValue
from tests.unit.test_blocks_return import full_answers

CONTEXT = ReturnContext("RR-2026-014", "Child A", "Northshire Police")


@pytest.fixture(scope="module")
def form() -> model.QuestionSet:
    return load_question_set(default_question_set_path())


def page(form: model.QuestionSet, answers: dict[str, JSONValue], section: str) -> Page:
    found = page_for(form, answers, section)
    assert found is not None
    return found


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def state_from_view(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends back in state.values when the person changes nothing."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        kind = el["type"]
        entry: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input"):
            entry["value"] = el.get("initial_value")
        elif kind in ("radio_buttons", "static_select"):
            entry["selected_option"] = el.get("initial_option")
        elif kind in ("checkboxes", "multi_static_select"):
            entry["selected_options"] = el.get("initial_options", [])
        elif kind == "datepicker":
            entry["selected_date"] = el.get("initial_date")
        state[block["block_id"]] = {el["action_id"]: entry}
    return state


def test_every_element_kind(form: model.QuestionSet) -> None:
    state = {
        "q|0.2": {"v": {"type": "plain_text_input", "value": "Safeguarding lead"}},
        "q|0.3": {"v": {"type": "checkboxes", "selected_options": [option("gp_record"), option("case_system")]}},
        "q|0.3.other": {"v": {"type": "plain_text_input", "value": None}},
        "q|0.4": {"v": {"type": "datepicker", "selected_date": "2026-11-21"}},
        "q|0.5.from": {"v": {"type": "datepicker", "selected_date": None}},
    }
    assert raw_from_state(state, page(form, {}, "0")) == {
        "0.2": "Safeguarding lead",
        "0.3": ["gp_record", "case_system"],
        "0.3.other": None,
        "0.4": "2026-11-21",
        "0.5.from": None,
    }
    c_state = {
        "q|C1": {"v": {"type": "radio_buttons", "selected_option": option("seen_alone")}},
        "q|C3": {"v": {"type": "radio_buttons", "selected_option": None}},
        "q|C8.number": {"v": {"type": "number_input", "value": "4"}},
        "q|C6.risks": {"v": {"type": "multi_static_select", "selected_options": []}},
        "q|C7": {"v": {"type": "static_select", "selected_option": option("excluded")}},
        "q|C2|0": {"v": {"type": "plain_text_input", "value": ""}},
    }
    assert raw_from_state(c_state, form.section("C")) == {  # type: ignore[arg-type]
        "C1": "seen_alone", "C3": None, "C8.number": "4", "C6.risks": None, "C7": "excluded", "C2": None,
    }


def test_whitespace_is_kept_and_blank_is_none() -> None:
    assert element_value({"type": "plain_text_input", "value": "  two  spaces \n"}) == (True, "  two  spaces \n")
    assert element_value({"type": "plain_text_input", "value": ""}) == (True, None)
    assert element_value({"type": "timepicker", "selected_time": "10:00"}) == (False, None)


def test_narrative_round_trip_is_byte_for_byte(form: model.QuestionSet) -> None:
    text = ("Line with emoji 😀👨‍👩‍👧 and é\r\nsecond line\n\n  indented <b> & " * 200)[:7_500]
    assert len(text) == 7_500
    stored: dict[str, JSONValue] = {"A1": "yes_child", "A4": text}
    view = page_view(form=form, page=page(form, stored, "A"), answers=stored, context=CONTEXT, meta={})
    state = state_from_view(view)
    assert [k for k in state if k.startswith("q|A4|")] == ["q|A4|0", "q|A4|1", "q|A4|2", "q|A4|3"]
    raw = raw_from_state(state, page(form, {}, "A"))
    assert raw["A4"] == text
    assert raw["A4"].encode() == text.encode()
    answers, errors = apply_page(form, {"A1": "yes_child"}, "A", raw)
    assert errors == {} and answers["A4"] == text.replace("\r\n", "\n")  # stored: clean_text


def test_boxes_join_in_order_with_gaps(form: model.QuestionSet) -> None:
    state = {
        "q|A4|2": {"v": {"type": "plain_text_input", "value": "C"}},
        "q|A4|0": {"v": {"type": "plain_text_input", "value": "A"}},
        "q|A4|1": {"v": {"type": "plain_text_input", "value": None}},
        "q|A3.detail|0": {"v": {"type": "plain_text_input", "value": None}},
        "q|A3.detail|1": {"v": {"type": "plain_text_input", "value": ""}},
    }
    assert raw_from_state(state, form.section("A")) == {"A4": "AC", "A3.detail": None}  # type: ignore[arg-type]


@pytest.mark.parametrize("section", ["0", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"])
def test_unchanged_full_page_round_trips_to_the_same_answers(form: model.QuestionSet, section: str) -> None:
    answers = full_answers(form, rows=3)
    p = page(form, answers, section)
    view = page_view(form=form, page=p, answers=answers, context=CONTEXT, meta={})
    raw = raw_from_state(state_from_view(view), p)
    new, errors = apply_page(form, answers, section, raw)
    assert errors == {}
    assert new == answers


def test_only_this_pages_questions_are_read(form: model.QuestionSet) -> None:
    state = {
        "q|0.2": {"v": {"type": "plain_text_input", "value": "Lead"}},
        "q|A1": {"v": {"type": "radio_buttons", "selected_option": option("yes_child")}},
        "q|0.1": {"v": {"type": "plain_text_input", "value": "Another agency"}},
        "hdr": {"v": {"type": "plain_text_input", "value": "x"}},
    }
    assert raw_from_state(state, page(form, {}, "0")) == {"0.2": "Lead"}


@pytest.mark.parametrize(
    "state",
    [
        None,
        [],
        "text",
        {"q|0.2": None},
        {"q|0.2": {"v": None}},
        {"q|0.2": {"v": {"value": "no type"}}},
        {"q|0.3": {"v": {"type": "checkboxes", "selected_options": "gp_record"}}},
        {"q|0.3": {"v": {"type": "checkboxes", "selected_options": [None, {"value": 3}]}}},
        {"q|0.4": {"v": {"type": "datepicker", "selected_date": 20261121}}},
        {"q|0.2|x": {"v": {"type": "plain_text_input", "value": "bad box"}}},
        {"q|": {}, "q||1": {}, "": {}, 7: {}, "q|0.2|1|2": {}},
        {"q|0.5.from": {"v": {"type": "radio_buttons", "selected_option": "2026-01-01"}}},
    ],
)
def test_malformed_state_is_tolerated(form: model.QuestionSet, state: Any) -> None:
    raw = raw_from_state(state, page(form, {}, "0"))
    assert all(v is None or isinstance(v, str | list) for v in raw.values())
    apply_page(form, {}, "0", raw)


def test_malformed_entries_do_not_hide_good_ones(form: model.QuestionSet) -> None:
    state = {
        "q|0.2": {"v": {"type": "plain_text_input", "value": "Lead"}},
        "q|0.3": {"v": {"type": "checkboxes", "selected_options": [None, option("gp_record"), {"value": 3}]}},
        "q|0.4": "garbage",
    }
    assert raw_from_state(state, page(form, {}, "0")) == {"0.2": "Lead", "0.3": ["gp_record"]}


def test_row_state(form: model.QuestionSet) -> None:
    moves = form.question("F1a")
    assert isinstance(moves, model.RepeatQuestion)
    state = {
        "q|area": {"v": {"type": "plain_text_input", "value": "Southshire"}},
        "q|from": {"v": {"type": "plain_text_input", "value": "03/2024"}},
        "q|to": {"v": {"type": "plain_text_input", "value": None}},
        "q|reason": {"v": {"type": "radio_buttons", "selected_option": option("refuge")}},
        "q|planned": {"v": {"type": "radio_buttons", "selected_option": option("no")}},
        "q|F2": {"v": {"type": "radio_buttons", "selected_option": option("full")}},
    }
    row = raw_row_from_state(state, moves, "row-7")
    assert row == {
        "row_id": "row-7",
        "values": {"area": "Southshire", "from": "03/2024", "to": None, "reason": "refuge", "planned": "no"},
    }
    answers, errors = apply_page(form, {"F1": "yes"}, "F", {"F1a": [row]})
    assert errors == {}
    assert answers["F1a"] == [
        {"row_id": "row-7", "values": {"area": "Southshire", "from": "2024-03", "reason": "refuge", "planned": "no"}}
    ]


def test_row_modal_round_trip(form: model.QuestionSet) -> None:
    chronology = form.question("B")
    assert isinstance(chronology, model.RepeatQuestion)
    values: dict[str, JSONValue] = {
        "B1": "2025-03-14T10:30", "B2": "Health visitor", "B3": ["mother"], "B4": "home_visit",
        "B5": "Seen 😀\n" * 900, "B7": ["gp", "csc"], "B8": "yes",
    }
    view = row_view(question=chronology, row_id="r1", values=values, context=CONTEXT, meta={})
    row = raw_row_from_state(state_from_view(view), chronology, "r1")
    answers, errors = apply_page(form, {}, "B", {"B": [row]})
    assert errors == {}
    assert answers["B"] == [{"row_id": "r1", "values": values}]
