"""The form engine over the shipped England question set (and a small fixture form)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.engine import (
    PAGE_ERROR_KEY,
    Complete,
    Errors,
    NextPage,
    ReplayErrors,
    ReturnState,
    advance,
    apply_page,
    completeness,
    first_unfinished_page,
    gate_outcome,
    hidden_answers,
    next_page,
    offered_options,
    pages,
    prefill,
    progress,
    replay,
    visible_answers,
    visible_questions,
)
from forms.loader import default_question_set_path, load_question_set, load_question_set_text
from forms.model import MultiField, MultiQuestion, QuestionSet, RepeatQuestion
from forms.parsing import (
    REQUIRED,
    Answers,
    JSONValue,
    RawRow,
    parse_date,
    row_error_key,
    split_error_key,
)

FIXTURES = Path(__file__).parent / "fixtures" / "forms"


@pytest.fixture(scope="module")
def form() -> QuestionSet:
    return load_question_set(default_question_set_path())


@pytest.fixture(scope="module")
def mini() -> QuestionSet:
    return load_question_set(FIXTURES / "minimal.yaml")


def ids(form: QuestionSet, answers: Answers) -> list[str]:
    return [q.id for q in visible_questions(form, answers)]


def section_ids(form: QuestionSet, answers: Answers) -> list[str]:
    return [p.section_id for p in pages(form, answers)]


SIGNED_OFF = {"K1": "yes", "K1.role": "Named nurse", "K1.date": "05/03/2026", "K2": "yes"}
SIGNED_OFF_STORED = {**SIGNED_OFF, "K1.date": "2026-03-05"}


# --- the gate ----------------------------------------------------------------------------------


def test_nil_return_goes_from_a1a_straight_to_k(form: QuestionSet) -> None:
    step = advance(form, {}, "A", {"A1": "no_involvement", "A1a": "Name + DOB in all systems"})
    assert isinstance(step, NextPage)
    assert step.page.section_id == "K"
    assert step.page.label == "Section 3 of 3"
    assert section_ids(form, step.answers) == ["0", "A", "K"]
    page_a = pages(form, step.answers)[1]
    assert [q.id for q in page_a.questions] == ["A1", "A1a"]
    assert gate_outcome(form, step.answers) == "nil"
    done = advance(form, step.answers, "K", SIGNED_OFF)
    assert isinstance(done, Complete)
    assert done.outcome == "nil"
    assert done.completeness.ready


def test_not_yet_able_to_confirm_is_provisional(form: QuestionSet) -> None:
    answers = {"A1": "not_yet_able", "A1b": "Archived records requested", "A1b.date": "2026-03-09"}
    new, errors = apply_page(form, {}, "A", answers)
    assert errors == {}
    assert [i for i in ids(form, new) if i.startswith("A")] == ["A1", "A1b", "A1b.date"]
    assert "A1a" not in ids(form, new) and "A2" not in ids(form, new)
    assert section_ids(form, new) == ["0", "A", "K"]
    assert gate_outcome(form, new) == "provisional"
    assert new["A1b.date"] == "2026-03-09"


def test_involvement_shows_every_section_and_no_outcome(form: QuestionSet) -> None:
    answers = {"A1": "yes_child"}
    assert section_ids(form, answers) == ["0", *"ABCDEFGHIJK"]
    assert gate_outcome(form, answers) is None
    shown = ids(form, answers)
    assert "A1a" not in shown and "A1b" not in shown and "A2" in shown
    assert pages(form, answers)[3].label == "Section 4 of 12"


def test_gate_question_is_required(form: QuestionSet) -> None:
    step = advance(form, {}, "A", {"A1": None, "A4": "summary"})
    assert isinstance(step, Errors)
    assert step.errors == {"A1": REQUIRED}
    assert step.answers["A4"] == "summary"


# --- branching ---------------------------------------------------------------------------------


def test_infant_branch(form: QuestionSet) -> None:
    infant = {"A1": "yes_child", "C4": "yes"}
    shown = ids(form, infant)
    assert {"C5", "C6", "C6.risks"} <= set(shown)
    assert "C7" not in shown and "C5.injuries" not in shown
    assert "C5.injuries" in ids(form, {**infant, "C5": "yes"})
    older = {"A1": "yes_child", "C4": "no"}
    shown = ids(form, older)
    assert "C7" in shown and "C5" not in shown and "C6" not in shown
    assert "C7.detail" not in shown
    assert "C7.detail" in ids(form, {**older, "C7": "persistent_absence"})
    assert "C7.detail" not in ids(form, {**older, "C7": "none"})
    assert not {"C5", "C7"} & set(ids(form, {"A1": "yes_child"}))


def test_d1_and_d2_follow_ups(form: QuestionSet) -> None:
    base: dict[str, JSONValue] = {"A1": "yes_family"}
    assert not {"D1a", "D1b", "D1c", "D2a"} & set(ids(form, base))
    d1 = {**base, "D1": "yes"}
    assert {"D1a", "D1b", "D1c"} <= set(ids(form, d1))
    assert "D1c.detail" not in ids(form, d1)
    assert "D1c.detail" in ids(form, {**d1, "D1c": "not_considered"})
    assert "D1c.detail" not in ids(form, {**d1, "D1c": "not_known"})
    assert "D1a" not in ids(form, {**base, "D1": "unknown"})
    d2 = {**base, "D2": "yes"}
    assert {"D2a", "D2b", "D2c", "D2c.detail", "D2d", "D2e", "D2e.detail"} <= set(ids(form, d2))
    new, errors = apply_page(form, d2, "D", {"D2e": "not_applicable", "D2a": ["mother"]})
    assert errors == {}
    assert new["D2e"] == "not_applicable"
    _, errors = apply_page(form, d2, "D", {"D2e": "unknown"})
    assert errors == {"D2e": "'unknown' is not one of: yes, no, not_applicable"}


def test_e2_current_risk_makes_e2a_visible_and_required(form: QuestionSet) -> None:
    base = {"A1": "yes_child"}
    assert "E2a" not in ids(form, {**base, "E2": "no"})
    step = advance(form, base, "E", {"E2": "yes", "E2a": None})
    assert isinstance(step, Errors)
    assert step.errors == {"E2a": REQUIRED}
    assert step.answers["E2"] == "yes"
    step = advance(form, base, "E", {"E2": "yes", "E2a": "Referred sibling to CSC today"})
    assert isinstance(step, NextPage) and step.page.section_id == "F"
    assert completeness(form, {**base, "E2": "yes"}).missing_required[:2] == ("E2a", "J1")
    assert "E2a" not in completeness(form, {**base, "E2": "no"}).missing_required


def test_g1_has_a_date_per_selected_option(form: QuestionSet) -> None:
    answers: dict[str, JSONValue] = {"A1": "yes_child", "G1": ["marac", "core_group"]}
    dated = [i for i in ids(form, answers) if i.startswith("G1.") and i.endswith(".date")]
    assert dated == ["G1.core_group.date", "G1.marac.date"]


def test_person_pickers_offer_only_the_people_known_in_a2(form: QuestionSet) -> None:
    chronology = form.question("B")
    assert isinstance(chronology, RepeatQuestion)
    b3 = chronology.field("B3")
    assert isinstance(b3, MultiField)
    assert len(offered_options(form, b3, {})) == 10
    known: dict[str, JSONValue] = {"A1": "yes_child", "A2": ["mother", "child"]}
    assert [o.value for o in offered_options(form, b3, known)] == ["child", "mother"]
    d1a = form.question("D1a")
    assert isinstance(d1a, MultiQuestion)
    assert [o.value for o in offered_options(form, d1a, known)] == ["mother"]
    hidden = {**known, "A1": "no_involvement"}
    assert len(offered_options(form, d1a, hidden)) == 6


def test_condition_grammar_on_the_fixture(mini: QuestionSet) -> None:
    # B3: any(A2 in [mother], A1 not_in [yes_child]); not_in on a blank question is false.
    assert "B3" not in ids(mini, {})
    assert "B3" in ids(mini, {"A2": ["father", "mother"]})
    assert "B3" not in ids(mini, {"A2": ["father"], "A1": "yes_child"})
    assert gate_outcome(mini, {"A1": "no_involvement"}) == "nil"
    assert ids(mini, {"A1": "no_involvement"}) == ["A1", "A1.detail", "C1"]


# --- repeat rows and parsing ------------------------------------------------------------------


def test_moves_repeat_rows_with_per_field_errors(form: QuestionSet) -> None:
    base = {"A1": "yes_child", "F1": "yes"}
    rows = [
        RawRow(row_id="m1", values={"area": "Westshire", "from": "2024", "to": "03/2025"}),
        RawRow(row_id="m2", values={"area": "Eastport", "from": "30/02/2025", "reason": "maybe"}),
        RawRow(row_id="m3", values={"area": None, "from": "", "planned": None}),
    ]
    step = advance(form, base, "F", {"F1a": rows})
    assert isinstance(step, Errors)
    assert step.errors == {
        "F1a.rows[m2].from": "30/02/2025 is not a real date: February 2025 has 28 days.",
        "F1a.rows[m2].reason": (
            "'maybe' is not one of: housing, refuge, asylum_resettlement, family_reasons, "
            "unknown, other"
        ),
    }
    rows[1]["values"] = {"area": "Eastport", "from": "2025-04", "planned": "no"}
    step = advance(form, base, "F", {"F1a": rows, "F2": "partial", "F2.date": "5/4/2025"})
    assert isinstance(step, NextPage)
    assert step.answers["F1a"] == [
        {"row_id": "m1", "values": {"area": "Westshire", "from": "2024", "to": "2025-03"}},
        {"row_id": "m2", "values": {"area": "Eastport", "from": "2025-04", "planned": "no"}},
    ]
    assert step.answers["F2.date"] == "2025-04-05"


def test_row_error_key_format() -> None:
    key = row_error_key("B", "r-7f3a", "B1")
    assert key == "B.rows[r-7f3a].B1"
    parts = split_error_key(key)
    assert (parts.question_id, parts.row_id, parts.field_id) == ("B", "r-7f3a", "B1")
    assert split_error_key("C5.injuries.rows[x].date").question_id == "C5.injuries"
    assert split_error_key("E2a").row_id is None


def test_malformed_rows_and_too_many_rows(form: QuestionSet, mini: QuestionSet) -> None:
    bad = [RawRow(row_id="a", values={"B1": "2025", "B99": "x"}), {"values": {}}]
    _, errors = apply_page(form, {}, "B", {"B": bad})  # type: ignore[dict-item]
    assert errors["B.rows[a].B99"] == "B has no field 'B99'."
    assert errors["B"] == "Row 2 is malformed: it needs a row_id and values."
    dup = [RawRow(row_id="a", values={"B5": "x"}), RawRow(row_id="a", values={"B5": "y"})]
    assert apply_page(form, {}, "B", {"B": dup})[1] == {"B": "Row id 'a' appears twice."}
    episodes = [RawRow(row_id=str(i), values={"what_happened": "x"}) for i in range(4)]
    _, errors = apply_page(form, {"A1": "yes_child"}, "H", {"H1": episodes})
    assert errors == {"H1": "At most 3 rows are allowed; 4 were given."}
    # A required field is required within each non-blank row (the fixture's B1).
    rows = [RawRow(row_id="r1", values={"B2": "3"})]
    _, errors = apply_page(mini, {}, "B", {"B": rows})
    assert errors == {"B.rows[r1].B1": REQUIRED}


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2026-03-05", "2026-03-05"),
        ("05/03/2026", "2026-03-05"),
        ("5/3/2026", "2026-03-05"),
        (" 29/02/2024 ", "2024-02-29"),
        ("2025-03", "2025-03"),
        ("03/2025", "2025-03"),
        ("2025", "2025"),
        ("05/03/2025 14:30", "2025-03-05T14:30"),
        ("2025-03-05T09:05", "2025-03-05T09:05"),
    ],
)
def test_chronology_dates(form: QuestionSet, raw: str, stored: str) -> None:
    rows = [RawRow(row_id="r", values={"B1": raw})]
    new, errors = apply_page(form, {}, "B", {"B": rows})
    assert errors == {}
    assert new["B"] == [{"row_id": "r", "values": {"B1": stored}}]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("30/02/2026", "30/02/2026 is not a real date: February 2026 has 28 days."),
        ("31/04/2026", "31/04/2026 is not a real date: April 2026 has 30 days."),
        ("2026-13-01", "2026-13-01 is not a real date: there is no month 13."),
        ("03/2026", "03/2026 is not a full date: give the day too, e.g. 05/03/2026."),
        ("tomorrow", "tomorrow is not a date: use DD/MM/YYYY, e.g. 05/03/2026."),
        ("5/3/26", "5/3/26 is not a date: use DD/MM/YYYY, e.g. 05/03/2026."),
        ("05/03/2026 10:00", "05/03/2026: give a date without a time."),
    ],
)
def test_day_dates_reject_impossible_or_partial_input(
    form: QuestionSet, raw: str, message: str
) -> None:
    _, errors = apply_page(form, {}, "0", {"0.4": raw})
    assert errors == {"0.4": message}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_real_date_parses_in_both_formats(day: date) -> None:
    iso = day.isoformat()
    for text in (iso, day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}"):
        assert parse_date(text) == (iso, None)
    assert parse_date(f"{day.month:02d}/{day.year}", precision="any") == (iso[:7], None)
    assert parse_date(str(day.year), precision="any") == (iso[:4], None)


def test_partial_date_with_time_and_bad_time(form: QuestionSet) -> None:
    for raw, message in [
        ("2025 10:00", "2025: a time needs a full date, e.g. 05/03/2025 10:00."),
        ("05/03/2025 25:00", "25:00 is not a real time: use HH:MM, e.g. 14:30."),
    ]:
        _, errors = apply_page(form, {}, "B", {"B": [RawRow(row_id="r", values={"B1": raw})]})
        assert errors == {"B.rows[r].B1": message}


def test_datetime_number_text_and_multi_parsing(form: QuestionSet, mini: QuestionSet) -> None:
    new, errors = apply_page(mini, {"A2": ["mother"]}, "B", {"B3": "05/03/2026 10:00"})
    assert errors == {} and new["B3"] == "2026-03-05T10:00"
    _, errors = apply_page(mini, {"A2": ["mother"]}, "B", {"B3": "05/03/2026"})
    assert errors == {"B3": "Give a time too, e.g. 05/03/2026 10:00."}
    base = {"A1": "yes_child", "C4": "no", "C8": "yes"}
    new, errors = apply_page(form, base, "C", {"C8.number": "3"})
    assert errors == {} and new["C8.number"] == 3
    assert apply_page(form, base, "C", {"C8.number": "2.5"})[1] == {
        "C8.number": "2.5 is not a whole number."
    }
    assert apply_page(form, base, "C", {"C8.number": "0"})[1] == {
        "C8.number": "The smallest number allowed is 1; 0 was given."
    }
    assert apply_page(form, base, "C", {"C8.number": "lots"})[1] == {
        "C8.number": "'lots' is not a number."
    }
    too_long = "x" * 12001
    assert apply_page(form, base, "C", {"C2": too_long})[1] == {
        "C2": "This answer is 12,001 characters long; the limit is 12,000."
    }
    typed = "  Seen at nursery.\nSaid she was happy.  "
    assert apply_page(form, base, "C", {"C2": typed})[0]["C2"] == typed
    new, errors = apply_page(form, {}, "0", {"0.3": ["police_systems", "gp_record"]})
    assert new["0.3"] == ["gp_record", "police_systems"]
    new, errors = apply_page(form, {}, "0", {"0.3": ["maybe"], "0.3.other": "Archive"})
    assert errors == {
        "0.3": "'maybe' is not one of: case_system, gp_record, health_record, police_systems, "
        "school_mis"
    }
    new, errors = apply_page(form, {}, "0", {"0.3": [], "0.3.other": "Paper archive"})
    assert errors == {} and new == {"0.3.other": "Paper archive"}
    _, errors = apply_page(form, {"A1": "yes_child"}, "A", {"A3": "maybe"})
    assert errors == {"A3": "'maybe' is not one of: yes, no"}


def test_blank_clears_and_absent_keeps(form: QuestionSet) -> None:
    answers = {"0.2": "Named nurse", "0.4": "2026-03-01"}
    new, _ = apply_page(form, answers, "0", {"0.2": "   "})
    assert new == {"0.4": "2026-03-01"}


def test_page_level_errors(form: QuestionSet) -> None:
    _, errors = apply_page(form, {}, "Z", {})
    assert errors == {PAGE_ERROR_KEY: 'There is no section "Z".'}
    _, errors = apply_page(form, {}, "0", {"C2": "wrong page"})
    assert errors == {"C2": "C2 is not a question of section 0."}
    new, errors = apply_page(form, {"0.1": "Police"}, "0", {"0.1": "Other agency"})
    assert errors == {} and new["0.1"] == "Police"


def test_draft_save_skips_required_but_not_parsing(form: QuestionSet) -> None:
    new, errors = apply_page(form, {}, "K", {"K1": "yes", "K3": "none"}, check_required=False)
    assert errors == {} and new == {"K1": "yes", "K3": "none"}
    _, errors = apply_page(
        form, {}, "K", {"K1.date": "31/06/2026", "K1": "yes"}, check_required=False
    )
    assert errors == {"K1.date": "31/06/2026 is not a real date: June 2026 has 30 days."}


def test_k2_must_be_yes(form: QuestionSet) -> None:
    message = "The return can only be submitted once you confirm this"
    for k2 in ("no", None):
        step = advance(form, {"A1": "no_involvement"}, "K", {**SIGNED_OFF, "K2": k2})
        assert isinstance(step, Errors)
        assert step.errors["K2"].startswith(message)
    state = replay(form, {"A1": "no_involvement", **SIGNED_OFF_STORED, "K2": "no"})
    assert isinstance(state, ReturnState)
    assert not state.completeness.ready
    assert state.completeness.problems["K2"].startswith(message)


def test_k1_no_needs_no_role_or_date(form: QuestionSet) -> None:
    step = advance(form, {"A1": "no_involvement"}, "K", {"K1": "no", "K2": "yes"})
    assert isinstance(step, Complete) and step.completeness.ready


# --- hidden answers, progress, completeness, resume ---------------------------------------------


def test_hidden_answers_are_kept_but_not_counted(form: QuestionSet) -> None:
    answers: dict[str, JSONValue] = {"A1": "yes_child", "A4": "Seen twice", "C1": "seen_alone"}
    answers, errors = apply_page(form, answers, "A", {"A1": "no_involvement", "A1a": "NHS no."})
    assert errors == {}
    assert answers["C1"] == "seen_alone" and answers["A4"] == "Seen twice"
    assert visible_answers(form, answers) == {"A1": "no_involvement", "A1a": "NHS no."}
    assert hidden_answers(form, answers) == {"A4": "Seen twice", "C1": "seen_alone"}
    counted = progress(form, answers)
    assert (counted.answered_questions, counted.total_pages) == (2, 3)
    assert "C1" not in completeness(form, answers).blank
    back = {**answers, "A1": "yes_child"}
    assert visible_answers(form, back)["C1"] == "seen_alone"
    assert "A1a" in hidden_answers(form, back)


def test_completeness_per_section(form: QuestionSet) -> None:
    status = completeness(form, {"A1": "no_involvement", "0.1": "Police", "0.2": "DSL"})
    by_id = {s.section_id: s for s in status.sections}
    assert list(by_id) == ["0", "A", "K"]
    assert by_id["0"].answered == ("0.2",)
    assert by_id["0"].blank == ("0.3", "0.4", "0.5.from", "0.5.to")
    assert by_id["A"].blank == ("A1a",)
    assert by_id["K"].missing_required == ("K1", "K2")
    assert status.missing_required == ("K1", "K2")
    assert not status.ready


def test_first_unfinished_page_and_next_page(form: QuestionSet) -> None:
    assert first_unfinished_page(form, {}) == pages(form, {})[0]
    answers = {"0.2": "DSL", "A1": "yes_child", "A4": "x"}
    resume = first_unfinished_page(form, answers)
    assert resume is not None and resume.section_id == "B"
    missing_gate = {"0.2": "DSL", "C1": "seen_alone"}
    resume = first_unfinished_page(form, missing_gate)
    assert resume is not None and resume.section_id == "A"
    done = {"A1": "no_involvement", **SIGNED_OFF_STORED}
    assert first_unfinished_page(form, done) is None
    page = next_page(form, done, after="A")
    assert page is not None and page.section_id == "K"
    assert next_page(form, done, after="K") is None
    first = next_page(form, done)
    assert first is not None and first.section_id == "0"


def test_prefill_fills_blanks_only(form: QuestionSet) -> None:
    sources = {
        "agency": "Northshire Police",
        "review_period_from": "2025-03-01",
        "child_under_one": "yes",
        "review_period_to": "bad",
    }
    new, errors = prefill(form, {"C4": "no"}, sources)  # type: ignore[arg-type]
    assert new["0.1"] == "Northshire Police" and new["0.5.from"] == "2025-03-01"
    assert new["C4"] == "no"
    assert errors == {"0.5.to": "bad is not a date: use DD/MM/YYYY, e.g. 05/03/2026."}


# --- replay ---------------------------------------------------------------------------------


def test_replay_rebuilds_the_state_from_a_snapshot(form: QuestionSet) -> None:
    snapshot = default_question_set_path().read_text(encoding="utf-8")
    old_form = load_question_set_text(snapshot, "review RR-2026-014 snapshot")
    stored: dict[str, JSONValue] = {
        "0.1": "Northshire Police",
        "A1": "yes_child",
        "B": [{"row_id": "r1", "values": {"B1": "2025-03", "B4": "home_visit"}}],
        "C4": "yes",
        "C5": "yes",
        "C7": "none",
    }
    state = replay(old_form, stored)
    assert isinstance(state, ReturnState)
    assert state.outcome is None
    assert len(state.pages) == 12
    assert "C7" in state.hidden and "C7" not in state.values
    assert state.values["B"] == stored["B"]
    # resume after the last page holding an answer (C), no earlier page missing anything
    assert state.current_page is not None and state.current_page.section_id == "D"
    assert state.completeness.missing_required[0] == "J1"
    assert state.progress.answered_pages == 3
    assert replay(form, stored) == state


def test_replay_reports_answers_the_form_does_not_have(form: QuestionSet) -> None:
    stored: dict[str, JSONValue] = {"A1": "yes_child", "Z9": "stray", "C1": "sometimes"}
    result = replay(form, stored)
    assert isinstance(result, ReplayErrors)
    assert result.errors["Z9"].startswith('answer to unknown question "Z9"')
    assert "version 2026.1" in result.errors["Z9"]
    assert result.errors["C1"] == "stored value 'sometimes' does not fit a single question"
    assert result.state.values == {"A1": "yes_child"}


def test_replay_checks_the_shape_of_stored_values(form: QuestionSet) -> None:
    bad: dict[str, JSONValue] = {
        "0.4": "05/03/2026",
        "C8.number": True,
        "B": [{"row_id": "r1", "values": {"B1": "2025-3"}}],
        "0.3": ["gp_record"],
        "0.3.other": 4,
    }
    result = replay(form, bad)
    assert isinstance(result, ReplayErrors)
    assert set(result.errors) == {"0.4", "C8.number", "B", "0.3.other"}


def test_replay_against_an_older_question_set(form: QuestionSet) -> None:
    text = default_question_set_path().read_text(encoding="utf-8")
    cut = text.index('      - id: "K3"')
    older = load_question_set_text(text[:cut], "old snapshot")
    stored: dict[str, JSONValue] = {"A1": "no_involvement", **SIGNED_OFF_STORED}
    state = replay(older, stored)
    assert isinstance(state, ReturnState) and state.completeness.ready
    result = replay(older, {**stored, "K3": "Nothing to redact"})
    assert isinstance(result, ReplayErrors) and list(result.errors) == ["K3"]
    assert isinstance(replay(form, {**stored, "K3": "Nothing to redact"}), ReturnState)
