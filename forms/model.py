"""Question sets as data: the pydantic models a YAML question set is parsed into.

A question set has sections; a section has questions. Each question has a ``kind`` from a closed
set (a discriminated union): ``yes_no``, ``single``, ``multi``, ``text``, ``date``, ``datetime``,
``number`` and ``repeat`` (a group of rows whose ``fields`` are any of the other kinds).
Branching is declared with ``show_if`` conditions on earlier answers (evaluated by
:mod:`forms.engine`), and gates with ``skip_to``/``outcome`` on a choice option.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

Outcome: TypeAlias = Literal["nil", "provisional"]
PrefillSource: TypeAlias = Literal[
    "agency",
    "partnership",
    "child_pseudonym",
    "incident_date",
    "review_period_from",
    "review_period_to",
    "due_date",
    "child_under_one",
]


def _check_option_value(value: str) -> str:
    if not value or not all(c.islower() or c.isdigit() or c == "_" for c in value):
        raise PydanticCustomError(
            "bad_value",
            'option value "{value}" is not valid: use lower-case letters, digits and underscores',
            {"value": value},
        )
    return value


def _check_id(value: str) -> str:
    parts = value.split(".")
    if not all(p and all(c.isalnum() or c == "_" for c in p) and p.isascii() for p in parts):
        raise PydanticCustomError(
            "bad_id",
            'id "{value}" is not valid: use letters, digits and underscores, '
            "with dots between parts",
            {"value": value},
        )
    return value


OptionValue = Annotated[str, AfterValidator(_check_option_value)]
Id = Annotated[str, AfterValidator(_check_id)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- show_if conditions ------------------------------------------------------------------------


class Equals(_Model):
    """True when the (visible) answer to ``question`` is ``equals`` (multi: includes it)."""

    question: Id
    equals: str


class In(_Model):
    """True when the answer is one of ``in`` (multi: shares at least one value)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)
    question: Id
    in_: tuple[str, ...] = Field(alias="in", min_length=1)


class NotIn(_Model):
    """True when the question is answered and its answer is none of ``not_in``."""

    question: Id
    not_in: tuple[str, ...] = Field(min_length=1)


class AllOf(_Model):
    """True when every condition holds."""

    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Model):
    """True when at least one condition holds."""

    any: tuple[Condition, ...] = Field(min_length=1)


_OPERATORS = ("equals", "in", "not_in", "all", "any")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        found = [op for op in _OPERATORS if op in value]
        return f"if:{found[0]}" if len(found) == 1 else None
    tag = next((t for cls, t in _CONDITION_TAGS if isinstance(value, cls)), None)
    return f"if:{tag}" if tag else None


_CONDITION_TAGS: tuple[tuple[type[BaseModel], str], ...] = (
    (Equals, "equals"),
    (In, "in"),
    (NotIn, "not_in"),
    (AllOf, "all"),
    (AnyOf, "any"),
)
Condition = Annotated[
    Annotated[Equals, Tag("if:equals")]
    | Annotated[In, Tag("if:in")]
    | Annotated[NotIn, Tag("if:not_in")]
    | Annotated[AllOf, Tag("if:all")]
    | Annotated[AnyOf, Tag("if:any")],
    Discriminator(
        _condition_tag,
        custom_error_type="bad_condition",
        custom_error_message="a condition needs exactly one of: " + ", ".join(_OPERATORS),
    ),
]
LeafCondition: TypeAlias = Equals | In | NotIn
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Option(_Model):
    """One choice of a ``yes_no``/``single``/``multi`` question.

    ``skip_to`` (a later section id) and ``outcome`` make the option a gate: when it is the
    answer, the rest of the section (except follow-ups whose ``show_if`` names the gate question)
    and every section before ``skip_to`` are hidden.
    """

    value: OptionValue
    label: str
    skip_to: Id | None = None
    outcome: Outcome | None = None

    @_model_validator(mode="after")
    def _outcome_needs_skip(self) -> Option:
        if self.outcome is not None and self.skip_to is None:
            raise ValueError("an option with an outcome needs skip_to (the section it leads to)")
        return self


# --- kind specifications, shared by questions and by repeat fields ---------------------------


class YesNoSpec(_Model):
    """Yes/No, optionally "Unknown" and one extra option such as "Not applicable"."""

    kind: Literal["yes_no"]
    allow_unknown: bool = False
    extra_option: Option | None = None

    @property
    def options(self) -> tuple[Option, ...]:
        """Yes, No, then Unknown (``allow_unknown``) and ``extra_option`` when declared."""
        opts = [Option(value="yes", label="Yes"), Option(value="no", label="No")]
        if self.allow_unknown:
            opts.append(Option(value="unknown", label="Unknown"))
        if self.extra_option is not None:
            opts.append(self.extra_option)
        return tuple(opts)


class SingleSpec(_Model):
    """One choice among ``options``."""

    kind: Literal["single"]
    options: tuple[Option, ...] = Field(min_length=1)


class MultiSpec(_Model):
    """Any number of ``options``; ``other`` adds a free-text box stored as ``<id>.other``.

    ``options_from`` names an earlier multi question: the adapter offers only the options
    selected there (all of them while it is blank).
    """

    kind: Literal["multi"]
    options: tuple[Option, ...] = Field(min_length=1)
    other: bool = False
    options_from: Id | None = None


class TextSpec(_Model):
    """Free text, stored exactly as typed, at most ``max_length`` characters."""

    kind: Literal["text"]
    max_length: int = Field(default=3000, ge=1)
    multiline: bool = False


class DateSpec(_Model):
    """A date. ``precision: any`` also accepts a month or a year; ``allow_time`` a time."""

    kind: Literal["date"]
    precision: Literal["day", "any"] = "day"
    allow_time: bool = False


class DateTimeSpec(_Model):
    """A date and a time of day (stored ``YYYY-MM-DDTHH:MM``)."""

    kind: Literal["datetime"]


class NumberSpec(_Model):
    """A number, a whole one unless ``integer: false``, optionally bounded."""

    kind: Literal["number"]
    min: int | float | None = None
    max: int | float | None = None
    integer: bool = True

    @_model_validator(mode="after")
    def _bounds(self) -> NumberSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


ChoiceSpec: TypeAlias = YesNoSpec | SingleSpec | MultiSpec


class FieldBase(_Model):
    """What every question and every repeat field has."""

    id: Id
    text: str
    help: str | None = None
    required: bool = False
    must_equal: str | None = None
    must_equal_message: str | None = None


class QuestionBase(FieldBase):
    """A top-level question: may be conditional, pre-filled or shown but not asked."""

    show_if: Condition | None = None
    prefill: PrefillSource | None = None
    display_only: bool = False


class YesNoField(YesNoSpec, FieldBase): ...
class SingleField(SingleSpec, FieldBase): ...
class MultiField(MultiSpec, FieldBase): ...
class TextField(TextSpec, FieldBase): ...
class DateField(DateSpec, FieldBase): ...
class DateTimeField(DateTimeSpec, FieldBase): ...
class NumberField(NumberSpec, FieldBase): ...


class YesNoQuestion(YesNoSpec, QuestionBase): ...
class SingleQuestion(SingleSpec, QuestionBase): ...
class MultiQuestion(MultiSpec, QuestionBase): ...
class TextQuestion(TextSpec, QuestionBase): ...
class DateQuestion(DateSpec, QuestionBase): ...
class DateTimeQuestion(DateTimeSpec, QuestionBase): ...
class NumberQuestion(NumberSpec, QuestionBase): ...


def _kind_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return f"kind:{kind}" if isinstance(kind, str) else None


FIELD_KINDS = ("yes_no", "single", "multi", "text", "date", "datetime", "number")
KINDS = (*FIELD_KINDS, "repeat")

RepeatField = Annotated[
    Annotated[YesNoField, Tag("kind:yes_no")]
    | Annotated[SingleField, Tag("kind:single")]
    | Annotated[MultiField, Tag("kind:multi")]
    | Annotated[TextField, Tag("kind:text")]
    | Annotated[DateField, Tag("kind:date")]
    | Annotated[DateTimeField, Tag("kind:datetime")]
    | Annotated[NumberField, Tag("kind:number")],
    Discriminator(
        _kind_tag,
        custom_error_type="unknown_field_kind",
        custom_error_message="unknown or missing kind",
    ),
]
AnyField: TypeAlias = (
    YesNoField | SingleField | MultiField | TextField | DateField | DateTimeField | NumberField
)


class RepeatQuestion(QuestionBase):
    """A repeating group: each row answers every field; rows carry a caller-minted row id."""

    kind: Literal["repeat"]
    fields: tuple[RepeatField, ...] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int | None = Field(default=None, ge=1)
    row_label: str = "Row"

    @_model_validator(mode="after")
    def _rows(self) -> RepeatQuestion:
        if self.max_rows is not None and self.min_rows > self.max_rows:
            raise ValueError(f"min_rows ({self.min_rows}) is greater than max_rows")
        return self

    def field(self, field_id: str) -> AnyField | None:
        """The field with this id, or None."""
        return next((f for f in self.fields if f.id == field_id), None)


QuestionUnion = Annotated[
    Annotated[YesNoQuestion, Tag("kind:yes_no")]
    | Annotated[SingleQuestion, Tag("kind:single")]
    | Annotated[MultiQuestion, Tag("kind:multi")]
    | Annotated[TextQuestion, Tag("kind:text")]
    | Annotated[DateQuestion, Tag("kind:date")]
    | Annotated[DateTimeQuestion, Tag("kind:datetime")]
    | Annotated[NumberQuestion, Tag("kind:number")]
    | Annotated[RepeatQuestion, Tag("kind:repeat")],
    Discriminator(
        _kind_tag,
        custom_error_type="unknown_kind",
        custom_error_message="unknown or missing kind",
    ),
]
Question: TypeAlias = (
    YesNoQuestion | SingleQuestion | MultiQuestion | TextQuestion | DateQuestion
    | DateTimeQuestion | NumberQuestion | RepeatQuestion
)


class Section(_Model):
    """One page of the return: a section id ("0", "A", ...), a title and its questions."""

    id: Id
    title: str
    intro: str | None = None
    help: str | None = None
    questions: tuple[QuestionUnion, ...] = ()


def _version(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class QuestionSet(_Model):
    """A whole question set: sections in order, question ids unique across the set."""

    id: str = Field(min_length=1)
    title: str
    version: Annotated[str, BeforeValidator(_version)]
    description: str | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    @cached_property
    def _index(self) -> dict[str, tuple[int, Question]]:
        return {q.id: (si, q) for si, s in enumerate(self.sections) for q in s.questions}

    def question(self, question_id: str) -> Question | None:
        """The top-level question with this id, or None."""
        found = self._index.get(question_id)
        return found[1] if found else None

    def section_index(self, question_id: str) -> int:
        """The index of the section holding this question (KeyError when unknown)."""
        return self._index[question_id][0]

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every top-level question in order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def answer_ids(self) -> frozenset[str]:
        """Every id an answer may be stored under: question ids and ``<id>.other`` ids."""
        ids = set(self._index)
        others = (q for q in self.questions if isinstance(q, MultiQuestion) and q.other)
        ids.update(f"{q.id}.other" for q in others)
        return frozenset(ids)
