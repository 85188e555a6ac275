"""Loading question sets: every rejection names the file, the line, the question id and the
problem; every shipped YAML file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.loader import (
    FormDefinitionError,
    default_question_set_path,
    load_question_set,
    load_question_set_text,
)
from forms.model import MultiQuestion, RepeatQuestion, SingleQuestion, YesNoQuestion
from forms.partnership import default_partnership_path, load_partnership

FIXTURES = Path(__file__).parent / "fixtures" / "forms"
FORMS_DIR = Path(__file__).parents[2] / "forms"


def _error(path: Path) -> str:
    with pytest.raises(FormDefinitionError) as info:
        load_question_set(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("fixture", "line", "question", "problem"),
    [
        ("unknown_key.yaml", 11, "A1", 'unknown key "max_lenght"; allowed keys: id, text'),
        ("duplicate_id.yaml", 14, "A1", 'duplicate id "A1" (first used on line 8)'),
        ("unquoted_id.yaml", 8, "0.1", 'must be quoted, e.g. id: "0.1"'),
        ("unquoted_value.yaml", 13, "A3", 'must be quoted, e.g. value: "no"'),
        ("show_if_unknown.yaml", 14, "C5", 'show_if refers to unknown question "C44"'),
        ("show_if_later.yaml", 11, "C5", 'show_if refers to question "C6", which comes later'),
        ("duplicate_option.yaml", 14, "J1", 'duplicate option value "yes" (first used on line 12)'),
        ("empty_repeat.yaml", 11, "I2", "a repeat needs at least one field"),
        ("unknown_kind.yaml", 10, "B9", 'unknown kind "essay"; known kinds: yes_no, single, multi'),
        (
            "skip_to_unknown.yaml",
            13,
            "A1",
            'skip_to refers to unknown section "Z" (sections: A, K)',
        ),
        ("skip_to_earlier.yaml", 17, "B1", 'skip_to "A" is not a later section'),
        ("syntax_error.yaml", 10, "A1", "YAML syntax error"),
    ],
)
def test_rejections_name_file_line_question_and_problem(
    fixture: str, line: int, question: str, problem: str
) -> None:
    message = _error(FIXTURES / fixture)
    assert fixture in message
    assert f"line {line}" in message
    assert question in message
    assert problem in message


def test_message_is_one_plain_sentence_with_the_context() -> None:
    message = _error(FIXTURES / "show_if_unknown.yaml")
    assert message == (
        f"{FIXTURES / 'show_if_unknown.yaml'} line 14, question C5: "
        'show_if refers to unknown question "C44"'
    )


def test_unknown_kind_points_at_the_kind_line() -> None:
    message = _error(FIXTURES / "unknown_kind.yaml")
    assert "line 10, question B9" in message
    assert "number, repeat" in message


def test_show_if_later_names_both_lines() -> None:
    message = _error(FIXTURES / "show_if_later.yaml")
    assert "line 11" in message and "(it is on line 12)" in message


def test_quoting_hint_explains_what_yaml_read() -> None:
    assert "is read by YAML as a number" in _error(FIXTURES / "unquoted_id.yaml")
    assert "is read by YAML as a boolean (false)" in _error(FIXTURES / "unquoted_value.yaml")


def _form(questions: str, extra_sections: str = "") -> str:
    return (
        "id: t\ntitle: T\nversion: 1\nsections:\n"
        '  - id: "A"\n    title: A\n    questions:\n' + questions + extra_sections
    )


def test_several_problems_are_all_reported() -> None:
    text = _form(
        '      - {id: "A1", text: "x", kind: text, colour: red}\n'
        '      - {id: "A2", text: "y", kind: number, min: "many"}\n'
    )
    with pytest.raises(FormDefinitionError) as info:
        load_question_set_text(text, "two.yaml")
    assert len(info.value.problems) == 2
    assert 'two.yaml line 8, question A1: unknown key "colour"' in str(info.value)
    assert "two.yaml line 9, question A2: min:" in str(info.value)


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        (
            '      - {id: "A1", text: "x", kind: yes_no}\n'
            '      - {id: "A2", text: "y", kind: text, show_if: {question: "A1",'
            ' equals: "maybe"}}\n',
            'line 9, question A2: show_if on A1: "maybe" is not one of the options (yes, no)',
        ),
        (
            '      - {id: "A1", text: "x", kind: text}\n'
            '      - {id: "A2", text: "y", kind: text, show_if: {question: "A1", equals: "a"}}\n',
            'show_if can only test a yes_no, single or multi question; "A1" is a text question',
        ),
        (
            '      - {id: "A1", text: "x", kind: yes_no}\n'
            '      - {id: "A2", text: "y", kind: text, show_if: {question: "A1", equal: "yes"}}\n',
            "line 9, question A2: a condition needs exactly one of: equals, in, not_in, all, any",
        ),
        (
            '      - {id: "A1", text: "x", kind: yes_no}\n'
            '      - id: "A2"\n        text: "y"\n        kind: text\n'
            '        show_if: {all: [{question: "A1", equals: "yes"},'
            ' {question: "Z", in: ["a"]}]}\n',
            'line 12, question A2: show_if refers to unknown question "Z"',
        ),
        (
            '      - {id: "A1", text: "x", kind: yes_no, show_if: {question: "A1",'
            ' equals: "yes"}}\n',
            'show_if refers to question "A1", which comes later',
        ),
        (
            '      - {id: "A1", text: "x", kind: repeat, fields: [{id: "f",'
            ' text: "f", kind: repeat}]}\n',
            "question A1, field f: a repeat cannot contain a repeat",
        ),
        (
            '      - {id: "A1", text: "x", kind: yes_no, must_equal: "si"}\n',
            'must_equal: "si" is not one of the options (yes, no)',
        ),
        (
            '      - id: "A1"\n        text: "x"\n        kind: text\n      - id: "A1"\n'
            '        text: "y"\n        kind: text\n',
            'line 11, question A1: duplicate id "A1" (first used on line 8)',
        ),
        (
            '      - {id: "A1", text: "x", kind: multi, other: true,'
            ' options: [{value: "a", label: "A"}]}\n'
            '      - {id: "A1.other", text: "y", kind: text}\n',
            'duplicate id "A1.other"',
        ),
        (
            '      - {id: "A 1", text: "x", kind: text}\n',
            'id "A 1" is not valid',
        ),
        (
            '      - {id: "A1", text: "x", kind: single,'
            ' options: [{value: "Yes please", label: "Y"}]}\n',
            'option value "Yes please" is not valid',
        ),
        (
            '      - id: "A1"\n        text: "x"\n        kind: text\n        text: "again"\n',
            "line 11: duplicate key 'text' (first on line 9)",
        ),
    ],
)
def test_semantic_rejections(questions: str, expected: str) -> None:
    with pytest.raises(FormDefinitionError) as info:
        load_question_set_text(_form(questions), "form.yaml")
    assert expected in str(info.value)
    assert str(info.value).startswith("form.yaml line ")


def test_multi_gate_and_repeat_gate_are_rejected() -> None:
    k = '  - id: "K"\n    title: K\n    questions: [{id: "K1", text: "k", kind: yes_no}]\n'
    multi = (
        '      - {id: "A1", text: "x", kind: multi,'
        ' options: [{value: "a", label: "A", skip_to: "K"}]}\n'
    )
    with pytest.raises(FormDefinitionError, match="only allowed on a yes_no or single"):
        load_question_set_text(_form(multi, k), "form.yaml")
    field = (
        '      - {id: "A1", text: "x", kind: repeat, fields: [{id: "f", text: "f", kind: single,'
        ' options: [{value: "a", label: "A", skip_to: "K"}]}]}\n'
    )
    with pytest.raises(FormDefinitionError, match="field f: skip_to is not allowed inside"):
        load_question_set_text(_form(field, k), "form.yaml")


def test_outcome_without_skip_to_is_rejected() -> None:
    q = (
        '      - {id: "A1", text: "x", kind: single,'
        ' options: [{value: "a", label: "A", outcome: nil}]}\n'
    )
    with pytest.raises(FormDefinitionError, match="outcome needs skip_to"):
        load_question_set_text(_form(q), "form.yaml")


def test_empty_and_non_mapping_files() -> None:
    with pytest.raises(FormDefinitionError, match=r"empty\.yaml line 1: the file is empty"):
        load_question_set_text("", "empty.yaml")
    with pytest.raises(FormDefinitionError, match=r"list\.yaml line 1: .*must be a mapping"):
        load_question_set_text("- a\n- b\n", "list.yaml")


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError, match=r"nope\.yaml: cannot read"):
        load_question_set(tmp_path / "nope.yaml")


def test_minimal_fixture_loads() -> None:
    qs = load_question_set(FIXTURES / "minimal.yaml")
    assert qs.version == "1"
    assert [s.id for s in qs.sections] == ["A", "B", "C"]
    assert qs.answer_ids >= {"A1", "A2", "A2.other", "B", "B3", "C1"}


def test_every_shipped_yaml_file_loads() -> None:
    shipped = sorted(FORMS_DIR.glob("**/*.yaml"))
    assert {p.name for p in shipped} >= {"england-rapid-review.yaml", "partnership.yaml"}
    for path in shipped:
        if path.parent.name == "definitions":
            assert load_question_set(path).sections
        else:
            assert load_partnership(path).agencies
    assert default_question_set_path() in shipped
    assert default_partnership_path() in shipped


def test_snapshot_text_round_trip() -> None:
    text = default_question_set_path().read_text(encoding="utf-8")
    assert load_question_set_text(text, "snapshot") == load_question_set(
        default_question_set_path()
    )


# --- the default England question set ---------------------------------------------------------


def _ids(*groups: str) -> list[str]:
    return [question_id for group in groups for question_id in group.split()]


DOC_IDS = _ids(
    "0.1 0.2 0.3 0.4 0.5.from 0.5.to",
    "A1 A1a A1b A1b.date A2 A3 A3.detail A4",
    "B B9",
    "C1 C2 C3 C3.detail C4 C5 C5.injuries C6 C6.risks C7 C7.detail C8 C8.number C8.detail",
    "D1 D1a D1b D1c D1c.detail D2 D2a D2b D2c D2c.detail D2d D2e D2e.detail",
    "D3 D3.detail D4 D4.detail D5 D5.detail D6 D6.detail",
    "E1 E1.children E2 E2a E2a.date E3 E3a E3b E3b.detail E3c E4",
    "F1 F1a F2 F2.date F2.detail F3 F3.handover F3.detail F4 F4.detail F5 F5.detail F6",
    "F6.detail",
    "G1 G2 G3 G4 G4.detail G5",
    "H1 H2 H3 H4 H5 H6",
    "I1 I1.date I2 I3",
    "J1 J1a J1b J2 J2.detail J3 J4 J5",
    "K1 K1.role K1.date K2 K3",
)


def test_default_set_has_every_section_and_question() -> None:
    qs = load_question_set(default_question_set_path())
    assert [s.id for s in qs.sections] == ["0", *"ABCDEFGHIJK"]
    ids = [q.id for q in qs.questions]
    assert not set(DOC_IDS) - set(ids)
    g1 = qs.question("G1")
    assert isinstance(g1, MultiQuestion)
    assert {f"G1.{o.value}.date" for o in g1.options} <= set(ids)


def test_default_set_required_questions_are_those_of_the_doc() -> None:
    qs = load_question_set(default_question_set_path())
    required = {q.id for q in qs.questions if q.required}
    assert required == {"A1", "J1", "J1b", "K1", "K1.role", "K1.date", "K2", "E2a"}
    assert qs.question("K2").must_equal == "yes"  # type: ignore[union-attr]
    assert qs.question("K1.role").show_if is not None  # type: ignore[union-attr]


def test_default_set_gate_and_repeats() -> None:
    qs = load_question_set(default_question_set_path())
    a1 = qs.question("A1")
    assert isinstance(a1, SingleQuestion)
    gates = {o.value: (o.skip_to, o.outcome) for o in a1.options}
    assert gates == {
        "yes_child": (None, None),
        "yes_family": (None, None),
        "no_involvement": ("K", "nil"),
        "not_yet_able": ("K", "provisional"),
    }
    chronology = qs.question("B")
    assert isinstance(chronology, RepeatQuestion)
    assert [f.id for f in chronology.fields] == [f"B{i}" for i in range(1, 9)]
    h1 = qs.question("H1")
    assert isinstance(h1, RepeatQuestion) and h1.max_rows == 3
    for repeat in ("C5.injuries", "E1.children", "F1a", "I2"):
        assert isinstance(qs.question(repeat), RepeatQuestion)
    d2e = qs.question("D2e")
    assert isinstance(d2e, YesNoQuestion)
    assert [o.value for o in d2e.options] == ["yes", "no", "not_applicable"]
    first = qs.question("0.1")
    assert first is not None and first.display_only and first.prefill == "agency"
