"""Fuzzing the parsers of outside input (DESIGN §6 "bad input of any kind"): ``/rrm`` command
text, every answer kind of the shipped question set (and of each repeat field), the partnership
file and the question-set loaders. Whatever comes in: no unhandled exception, and every
rejection carries a message. Hypothesis runs the ``ci`` profile under CI (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any, get_args

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.grammar import CommandError, parse_command
from forms.loader import (
    FormDefinitionError,
    default_question_set_path,
    load_question_set,
    load_question_set_text,
)
from forms.model import AnyField, Question, RepeatQuestion
from forms.parsing import parse_answer, split_error_key, stored_value_error
from forms.partnership import Partnership, default_partnership_path, load_partnership_text

pytestmark = pytest.mark.timeout(120)

# -- /rrm command text --------------------------------------------------------------------------

WORDS = ["open", "status", "pack", "summary", "lock", "close", "hold", "remind", "help", "off",
         "RR-2026-014", "rr-1", "RR/1", "Child A", "..", "=", "@", "<@U0CHAIR|chair>",
         "<@U0A>", "<#C0CASES|cases>", "<mailto:a@b.example|a@b.example>", "<!channel>"]  # fmt: skip
KEYS = ["child", "notified", "meeting", "due", "chair", "agencies", "incident", "under1",
        "period", "to", "reason", "Child", "DUE", ""]  # fmt: skip
VALUES = ["2026-11-20", "20/11/2026", "2026-12-09T10:00", "2026-02-31", "31/02/2026", "yes",
          "maybe", "police,health,csc", "police,,", "2026-01-01..2025-01-01", "..", "25:61",
          '"Child A"', '"unclosed', "'O'Brien'", "“Child B”", "<@U0CHAIR|chair>",
          "<@U0A>,<@U0B>", "\u202eevil", "\x00"]  # fmt: skip


@st.composite
def command_texts(draw: st.DrawFn) -> str:
    """Text that looks like what coordinators type: words, key=value pairs, quotes, mentions,
    odd spacing — and sometimes just any text."""
    parts = draw(st.lists(st.one_of(
        st.sampled_from(WORDS),
        st.builds("{}={}".format, st.sampled_from(KEYS),
                  st.one_of(st.sampled_from(VALUES), st.text(max_size=12))),
        st.text(max_size=8),
    ), max_size=10))  # fmt: skip
    separators = draw(st.lists(st.sampled_from([" ", "  ", "\t", "\n", "\u00a0"]),
                               min_size=len(parts), max_size=len(parts)))  # fmt: skip
    return "".join(p + s for p, s in zip(parts, separators, strict=True))


@given(st.one_of(command_texts(), st.text()))
def test_any_command_text_is_a_command_or_an_error_with_a_message(text: str) -> None:
    result = parse_command(text)
    if isinstance(result, CommandError):
        assert result.problems and all(p.strip() for p in result.problems)
        assert result.text.strip() and result.usage.strip()


# -- every answer kind ----------------------------------------------------------------------------


def _questions() -> list[Question | AnyField]:
    """Every question of the shipped question set, and every field of its repeat questions."""
    found: list[Question | AnyField] = []
    for section in load_question_set(default_question_set_path()).sections:
        for question in section.questions:
            found.append(question)
            if isinstance(question, RepeatQuestion):
                found.extend(question.fields)
    return found


EVERY_KIND = """\
id: kinds
title: "Every kind"
version: "1"
sections:
  - id: "A"
    title: "Every kind and variant"
    questions:
      - {id: "A1", text: "Yes or no", kind: yes_no, allow_unknown: true,
         extra_option: {value: "n_a", label: "Not applicable"}}
      - {id: "A2", text: "One", kind: single,
         options: [{value: "a", label: "A"}, {value: "b", label: "B"}]}
      - {id: "A3", text: "Some", kind: multi, other: true,
         options: [{value: "a", label: "A"}, {value: "b", label: "B"}]}
      - {id: "A4", text: "Short text", kind: text, max_length: 10}
      - {id: "A5", text: "A day", kind: date}
      - {id: "A6", text: "A day, month or year", kind: date, precision: any}
      - {id: "A7", text: "A day, perhaps a time", kind: date, allow_time: true}
      - {id: "A8", text: "When exactly", kind: datetime}
      - {id: "A9", text: "How many", kind: number, min: 0, max: 99}
      - {id: "A10", text: "How much", kind: number, integer: false, min: -1.5}
      - {id: "A11", text: "Rows", kind: repeat, max_rows: 2,
         fields: [{id: "A11a", text: "Yes or no", kind: yes_no, allow_unknown: true},
                  {id: "A11b", text: "One", kind: single, options: [{value: "a", label: "A"}]},
                  {id: "A11c", text: "Some", kind: multi, options: [{value: "a", label: "A"}]},
                  {id: "A11d", text: "Text", kind: text},
                  {id: "A11e", text: "A day", kind: date, precision: any},
                  {id: "A11f", text: "When", kind: datetime},
                  {id: "A11g", text: "How many", kind: number}]}
"""


def _every_kind() -> list[Question | AnyField]:
    """Each question of ``EVERY_KIND`` (every kind and variant the model has) and each field of
    its repeat question."""
    found: list[Question | AnyField] = []
    for question in load_question_set_text(EVERY_KIND).sections[0].questions:
        found.append(question)
        if isinstance(question, RepeatQuestion):
            found.extend(question.fields)
    return found


QUESTIONS = _questions() + _every_kind()
SCALARS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["yes", "no", "other", "2026-11-20", "20/11/2026", "2026-11", "2026",
                     "05/03/2026 14:30", "2026-11-20T10:00", "31/02/2026", "12", "-3.5", "1e9",
                     "nan", " ", "\x00\u202e", "x" * 3001]),
)  # fmt: skip
RAW: st.SearchStrategy[Any] = st.one_of(
    st.none(), SCALARS, st.lists(SCALARS, max_size=4), st.integers(), st.booleans(),
    st.lists(st.fixed_dictionaries(
        {"row_id": st.one_of(st.text(max_size=6), st.integers(), st.none())},
        optional={"values": st.one_of(
            st.dictionaries(st.sampled_from(["B1", "B2", "B3", "area", "from", "date", "nope"]),
                            st.one_of(st.none(), SCALARS, st.lists(SCALARS, max_size=3)),
                            max_size=4),
            st.text(max_size=4))},
    ), max_size=3),
    st.dictionaries(st.text(max_size=4), SCALARS, max_size=2),
)  # fmt: skip


@given(st.sampled_from(QUESTIONS), RAW)
def test_every_answer_kind_parses_or_says_what_is_wrong(
    question: Question | AnyField, raw: Any
) -> None:
    parsed = parse_answer(question, raw)
    for key, message in parsed.errors.items():
        assert split_error_key(key).question_id and isinstance(message, str) and message.strip()
    if not parsed.errors and parsed.value is not None:
        assert stored_value_error(question, parsed.value) is None, parsed.value


# -- the partnership file and the question set ----------------------------------------------------

PARTNERSHIP = default_partnership_path().read_text(encoding="utf-8")
SMALL_FORM = """\
id: fuzz
title: "Fuzz"
version: "1"
sections:
  - id: "A"
    title: "First"
    questions:
      - {id: "A1", text: "Involved?", kind: yes_no, required: true}
      - {id: "A2", text: "Who", kind: multi, other: true,
         options: [{value: "child", label: "Child"}, {value: "mother", label: "Mother"}]}
      - {id: "A3", text: "When", kind: date, precision: any, show_if: {question: A1, equals: "yes"}}
      - {id: "A4", text: "What", kind: text, max_length: 200}
  - id: "B"
    title: "Second"
    questions:
      - {id: "B", text: "Events", kind: repeat, max_rows: 3,
         fields: [{id: "B1", text: "Date", kind: date}, {id: "B2", text: "Note", kind: text}]}
      - {id: "B3", text: "How many", kind: number, integer: true, min: 0}
      - {id: "B4", text: "Which", kind: single,
         options: [{value: "a", label: "A"}, {value: "b", label: "B"}]}
"""
VOCABULARY = ["id", "title", "version", "sections", "questions", "kind", "text", "options",
              "value", "label", "show_if", "question", "equals", "in", "required", "fields",
              "name", "agencies", "contacts", "email", "timezone", "defaults", "reminders",
              "due_working_days", "window_start", "escalation_contact", "yes_no", "repeat",
              "max_length", "prefill", "precision", "gate"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few lines deleted, doubled, cut short or spliced with other text."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "double", "cut", "splice", "indent"]))
        if how == "delete":
            del lines[at]
        elif how == "double":
            lines.insert(at, lines[at])
        elif how == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif how == "splice":
            cut = draw(st.integers(0, len(lines[at])))
            filler = draw(st.one_of(st.sampled_from(VOCABULARY + VALUES + [":", "- ", "{", "["]),
                                    st.text(max_size=6)))  # fmt: skip
            lines[at] = lines[at][:cut] + filler + lines[at][cut:]
        else:
            lines[at] = " " * draw(st.integers(0, 3)) + lines[at].lstrip()
    return "\n".join(lines)


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.text(max_size=8),
              st.sampled_from(VOCABULARY)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(VOCABULARY), inner, max_size=5)),
    max_leaves=25,
)  # fmt: skip


def documents(base: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        mutated(base),
        YAML_VALUES.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    )


def rejected_with_a_message(load: Any, text: str) -> None:
    try:
        load(text)
    except FormDefinitionError as exc:
        assert exc.problems and all(isinstance(p, str) and p.strip() for p in exc.problems)
        assert str(exc).strip()


@given(documents(PARTNERSHIP))
def test_any_partnership_file_loads_or_says_what_is_wrong(text: str) -> None:
    rejected_with_a_message(load_partnership_text, text)


@given(documents(SMALL_FORM))
def test_any_question_set_loads_or_says_what_is_wrong(text: str) -> None:
    rejected_with_a_message(load_question_set_text, text)


@settings(max_examples=15)  # each load of the whole shipped set takes about 0.1 s
@given(mutated(default_question_set_path().read_text(encoding="utf-8")))
def test_the_shipped_question_set_mangled_loads_or_says_what_is_wrong(text: str) -> None:
    rejected_with_a_message(load_question_set_text, text)


def test_the_fuzzed_questions_cover_every_answer_kind() -> None:
    declared = {
        arg
        for kind in (*get_args(AnyField), RepeatQuestion)
        for arg in get_args(kind.model_fields["kind"].annotation)
    }
    assert {q.kind for q in QUESTIONS} == declared


def test_the_fuzzed_files_start_from_valid_ones() -> None:
    assert isinstance(load_partnership_text(PARTNERSHIP), Partnership)
    assert [s.id for s in load_question_set_text(SMALL_FORM).sections] == ["A", "B"]
