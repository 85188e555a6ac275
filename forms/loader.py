"""Load YAML into strict pydantic models, with errors that name the file, line, id and problem.

The YAML is composed into a node graph and turned into plain data by hand, so that every value
keeps its line (and its source text, to tell ``id: 0.1`` from ``id: "0.1"``). Pydantic's error
locations are then mapped back onto that side table. Semantic rules that pydantic cannot see
(duplicate ids, ``show_if`` on a later question, gates to an earlier section...) are checked
afterwards by :func:`question_set_problems`, which yields :class:`Problem` values.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from forms.model import (
    FIELD_KINDS,
    KINDS,
    AllOf,
    AnyField,
    AnyOf,
    Condition,
    Equals,
    In,
    LeafCondition,
    MultiField,
    MultiQuestion,
    NotIn,
    Question,
    QuestionSet,
    RepeatQuestion,
    SingleField,
    SingleQuestion,
    YesNoField,
    YesNoQuestion,
)

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_LABELS = {"sections": "section", "questions": "question", "fields": "field", "agencies": "agency"}
_STR_TAG = "tag:yaml.org,2002:str"


class FormDefinitionError(ValueError):
    """A question set or partnership file that cannot be used; one plain sentence per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Problem:
    """A problem found at ``loc`` (a path into the YAML data); ``also`` names a second place."""

    loc: Loc
    message: str
    also: Loc | None = None
    also_label: str = "first used on"


@dataclass
class YamlDocument:
    """Plain data from a YAML text, with the line and source node of every value."""

    source: str
    data: Any = None
    lines: dict[Loc, int] = field(default_factory=dict)
    scalars: dict[Loc, yaml.ScalarNode] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of the value at ``loc``, or of its nearest enclosing value."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def context(self, loc: Loc) -> str:
        """``question C5``, ``question B, field B1``, ``section A``, ``agency police`` or ''."""
        parts: dict[str, str] = {}
        node, key = self.data, None
        for depth, item in enumerate(loc):
            if isinstance(node, dict) and item in node:
                node, key = node[item], item
            elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
                node = node[item]
                label = _LABELS.get(str(key))
                if label and isinstance(node, dict) and "id" in node:
                    raw = self.scalars.get((*loc[: depth + 1], "id"))
                    parts[label] = f"{label} {raw.value if raw else node['id']}"
        if "question" in parts:
            parts.pop("section", None)
        return ", ".join(parts.values())

    def message(self, problem: Problem) -> str:
        """``<file> line <n>, <context>: <problem>`` as one sentence."""
        where = f"{self.source} line {self.line(problem.loc)}"
        context = self.context(problem.loc)
        text = problem.message
        if problem.also is not None:
            text += f" ({problem.also_label} line {self.line(problem.also)})"
        return f"{where}, {context}: {text}" if context else f"{where}: {text}"


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse ``text`` into a :class:`YamlDocument`; YAML errors become FormDefinitionError."""
    doc = YamlDocument(source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise FormDefinitionError([_syntax_message(text, source, exc)]) from exc
    except yaml.YAMLError as exc:
        raise FormDefinitionError([f"{source} line 1: YAML error: {exc}"]) from exc
    if node is None:
        raise FormDefinitionError([f"{source} line 1: the file is empty"])
    doc.data = _build(doc, node, (), yaml.constructor.SafeConstructor(), set())
    return doc


_ID_LINE = re.compile(r"""\bid:\s*["']?([^"',}\s]+)""")


def _syntax_message(text: str, source: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    before = [m[1] for m in map(_ID_LINE.search, text.splitlines()[:line]) if m]
    near = f', near id "{before[-1]}"' if before else ""
    context = ""
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        context = f" ({exc.context} started on line {exc.context_mark.line + 1})"
    return f"{source} line {line}{near}: YAML syntax error: {exc.problem}{context}"


def _build(doc: YamlDocument, node: yaml.Node, loc: Loc, ctor: Any, stack: set[int]) -> Any:
    line = node.start_mark.line + 1
    doc.lines.setdefault(loc, line)
    if id(node) in stack:
        raise FormDefinitionError([f"{doc.source} line {line}: recursive YAML alias"])
    if isinstance(node, yaml.ScalarNode):
        doc.scalars[loc] = node
        try:
            return ctor.construct_object(node)
        except (ValueError, yaml.YAMLError) as exc:
            raise FormDefinitionError(
                [f"{doc.source} line {line}: {node.value!r} cannot be read: {exc}"]
            ) from exc
    stack = stack | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        return [_build(doc, item, (*loc, i), ctor, stack) for i, item in enumerate(node.value)]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
            raise FormDefinitionError([f"{doc.source} line {key_line}: unsupported mapping key"])
        key = ctor.construct_object(key_node)
        if key in result:
            first = doc.lines[(*loc, key)]
            raise FormDefinitionError(
                [f"{doc.source} line {key_line}: duplicate key {key!r} (first on line {first})"]
            )
        doc.lines[(*loc, key)] = key_line
        result[key] = _build(doc, value_node, (*loc, key), ctor, stack)
    return result


def build_model(
    doc: YamlDocument, model: type[M], checks: Callable[[M], Iterable[Problem]] | None = None
) -> M:
    """Validate ``doc`` into ``model`` and run ``checks``; raise FormDefinitionError on problems."""
    try:
        result = model.model_validate(doc.data)
    except ValidationError as exc:
        problems = [_pydantic_problem(doc, model, err) for err in _relevant(doc, exc)]
        raise FormDefinitionError(_unique(doc.message(p) for p in problems)) from None
    found = list(checks(result)) if checks else []
    if found:
        raise FormDefinitionError(_unique(doc.message(p) for p in found))
    return result


def _relevant(doc: YamlDocument, exc: ValidationError) -> list[Any]:
    """Drop errors that only echo others: a too_short list whose items failed, and the type
    errors of union members that do not fit the input (``U1`` vs ``{email: ...}``, int/float)."""
    errors = [(e, _data_loc(doc, e["loc"])[0]) for e in exc.errors()]
    kept, reported = [], set()
    for err, data_loc in errors:
        loc = err["loc"]
        if err["type"] == "too_short" and any(
            len(o["loc"]) > len(loc) and o["loc"][: len(loc)] == loc for o, _ in errors
        ):
            continue
        if _type_error(err) and _in_union(loc, data_loc):
            under = [o for o, d in errors if d[: len(data_loc)] == data_loc and o is not err]
            if data_loc in reported or any(not _type_error(o) for o in under):
                continue
            reported.add(data_loc)
        kept.append(err)
    return kept


def _type_error(err: Any) -> bool:
    return str(err["type"]).endswith(("_type", "_parsing"))


def _in_union(loc: tuple[Any, ...], data_loc: Loc) -> bool:
    names = [x for x in loc if isinstance(x, str) and not x.startswith(("kind:", "if:"))]
    return len(names) > sum(1 for x in data_loc if isinstance(x, str))


def _unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _data_loc(doc: YamlDocument, loc: tuple[Any, ...]) -> tuple[Loc, Any]:
    """Follow ``loc`` through the data, skipping union tags; return the path and what is there."""
    node: Any = doc.data
    path: list[str | int] = []
    for item in loc:
        in_list = isinstance(node, list) and isinstance(item, int) and item < len(node)
        if not (in_list or (isinstance(node, dict) and item in node)):
            continue
        node = node[item]
        path.append(item)
    return tuple(path), node


def _pydantic_problem(doc: YamlDocument, model: type[BaseModel], err: Any) -> Problem:
    loc, value = _data_loc(doc, err["loc"])
    kind, msg = err["type"], err["msg"]
    names = [x for x in loc if isinstance(x, str)]
    key = str(err["loc"][-1]) if kind == "missing" else (names[-1] if names else "value")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, err["loc"][:-1])
        text = f'unknown key "{key}"' + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
    elif kind == "missing":
        text = f'missing required key "{key}"'
    elif kind in ("unknown_kind", "unknown_field_kind"):
        known = KINDS if kind == "unknown_kind" else FIELD_KINDS
        given = value.get("kind") if isinstance(value, dict) else None
        loc = (*loc, "kind") if given is not None else loc
        what = f'unknown kind "{given}"' if given is not None else 'missing key "kind"'
        if not isinstance(value, dict):
            what = f"expected a mapping with id, text and kind, not {_yaml_type(value)}"
        elif kind == "unknown_field_kind" and given == "repeat":
            what = "a repeat cannot contain a repeat"
        text = f"{what}; known kinds: {', '.join(known)}"
    elif kind == "string_type":
        text = _quote_hint(doc, loc, err["loc"], key, value)
    elif kind == "too_short" and key == "fields":
        text = "a repeat needs at least one field (fields is empty)"
    elif kind == "too_short":
        text = f"{key} needs at least {err['ctx']['min_length']} item(s)"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        text = f"{key} must be a mapping (key: value lines), not {_yaml_type(value)}"
    elif kind in ("tuple_type", "list_type"):
        text = f"{key} must be a list, not {_yaml_type(value)}"
    elif kind in ("bool_type", "bool_parsing"):
        text = f"{key} must be true or false, not {value!r}"
    elif kind == "value_error":
        text = msg.removeprefix("Value error, ")
    elif kind in ("bad_id", "bad_value", "bad_condition", "bad_zone", "bad_contact", "bad_time"):
        text = msg
    else:
        text = f"{key}: {msg[0].lower()}{msg[1:]} (found {value!r})"
    return Problem(loc, text)


def _quote_hint(doc: YamlDocument, loc: Loc, full: tuple[Any, ...], key: str, value: Any) -> str:
    node = doc.scalars.get(loc)
    if node is None or node.style is not None or node.tag == _STR_TAG:
        return f"{key} must be text, not {_yaml_type(value)}"
    raw, what = node.value, _yaml_type(value)
    if full and isinstance(full[-1], int):
        hint = f'it must be quoted, e.g. {key}: ["{raw}"]'
        return f"the item {raw} of {key} is read by YAML as {what}; {hint}"
    return f'{key}: {raw} is read by YAML as {what}; it must be quoted, e.g. {key}: "{raw}"'


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty (null)"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return names.get(type(value), f"a {type(value).__name__}")


def _members(tp: Any) -> list[tuple[Any, str | None]]:
    """Flatten Annotated/Union/Optional into (type, union tag) pairs."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(tp)
        tag = next((m.tag for m in meta if hasattr(m, "tag")), None)
        inner = _members(base)
        return [(t, tag or inner_tag) for t, inner_tag in inner]
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [(tp, None)]


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed by the model found at ``loc`` (a pydantic error location)."""
    current: list[Any] = [model]
    for item in loc:
        found: list[Any] = []
        members = [m for tp in current for m in _members(tp)]
        picked = [t for t, tag in members if item in (tag, getattr(t, "__name__", None))]
        if picked:
            found = picked
        for tp, _ in members if not picked else []:
            if isinstance(item, int) and typing.get_origin(tp) in (tuple, list):
                found.append(typing.get_args(tp)[0])
            elif isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(item, str):
                by_key = {(f.alias or n): f for n, f in tp.model_fields.items()}
                if item in by_key:
                    found.append(by_key[item].annotation)
        current = found
    models = [t for tp in current for t, _ in _members(tp)]
    models = [t for t in models if isinstance(t, type) and issubclass(t, BaseModel)]
    return [f.alias or n for n, f in models[0].model_fields.items()] if len(models) == 1 else []


def load_question_set_text(text: str, source: str = "<question set>") -> QuestionSet:
    """Parse a question set from YAML text (e.g. a review's stored snapshot).

    ``source`` names the text in error messages. Raises :class:`FormDefinitionError`.
    """
    return build_model(parse_yaml(text, source), QuestionSet, question_set_problems)


def load_question_set(path: str | Path) -> QuestionSet:
    """Load a question set file. Raises :class:`FormDefinitionError` naming file, line and id."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormDefinitionError([f"{path}: cannot read the question set: {exc}"]) from exc
    return load_question_set_text(text, str(path))


def default_question_set_path() -> Path:
    """The built-in England rapid review agency return."""
    from importlib.resources import files

    return Path(str(files("forms") / "definitions" / "england-rapid-review.yaml"))


# --- semantic checks of a question set ----------------------------------------------------------

_CHOICE = (YesNoQuestion, SingleQuestion, MultiQuestion, YesNoField, SingleField, MultiField)


def question_set_problems(qs: QuestionSet) -> Iterator[Problem]:
    """Rules pydantic cannot see: unique ids, conditions and gates that point backwards/forwards."""
    sections: dict[str, Loc] = {}
    for si, section in enumerate(qs.sections):
        loc: Loc = ("sections", si, "id")
        if section.id in sections:
            yield Problem(loc, f'duplicate section id "{section.id}"', sections[section.id])
        sections.setdefault(section.id, loc)
    later: dict[str, Loc] = {
        q.id: ("sections", si, "questions", qi, "id")
        for si, section in enumerate(qs.sections)
        for qi, q in enumerate(section.questions)
    }
    earlier: dict[str, tuple[Loc, Question]] = {}
    for si, section in enumerate(qs.sections):
        for qi, q in enumerate(section.questions):
            qloc: Loc = ("sections", si, "questions", qi)
            ids = [q.id, f"{q.id}.other"] if isinstance(q, MultiQuestion) and q.other else [q.id]
            for answer_id in ids:
                if answer_id in earlier:
                    first = (*earlier[answer_id][0], "id")
                    yield Problem((*qloc, "id"), f'duplicate id "{answer_id}"', first)
            yield from _question_problems(qs, q, qloc, si, earlier, later, list(sections))
            for answer_id in ids:
                earlier.setdefault(answer_id, (qloc, q))


def _question_problems(
    qs: QuestionSet,
    q: Question | AnyField,
    loc: Loc,
    si: int,
    earlier: dict[str, tuple[Loc, Question]],
    later: dict[str, Loc],
    sections: list[str],
) -> Iterator[Problem]:
    if isinstance(q, RepeatQuestion):
        seen: dict[str, Loc] = {}
        for fi, f in enumerate(q.fields):
            floc: Loc = (*loc, "fields", fi)
            if f.id in seen:
                yield Problem((*floc, "id"), f'duplicate field id "{f.id}"', seen[f.id])
            seen.setdefault(f.id, (*floc, "id"))
            yield from _question_problems(qs, f, floc, si, earlier, later, [])
    show_if = getattr(q, "show_if", None)
    if show_if is not None:
        yield from _condition_problems(show_if, (*loc, "show_if"), earlier, later)
    if not isinstance(q, _CHOICE):
        return
    values: dict[str, Loc] = {}
    for oi, option in enumerate(q.options):
        oloc: Loc = (*loc, "options", oi)
        if isinstance(q, YesNoField | YesNoQuestion):
            oloc = (*loc, "extra_option")
        if option.value in values:
            text = f'duplicate option value "{option.value}"'
            yield Problem((*oloc, "value"), text, values[option.value])
        values.setdefault(option.value, (*oloc, "value"))
        if option.skip_to is not None:
            yield from _gate_problems(q, option.skip_to, (*oloc, "skip_to"), si, sections)
    if q.must_equal is not None and q.must_equal not in values:
        yield Problem((*loc, "must_equal"), _not_option(q.must_equal, "must_equal", values))
    if isinstance(q, MultiField) and q.other:
        yield Problem((*loc, "other"), "other is not supported inside a repeat")
    if isinstance(q, MultiQuestion | MultiField) and q.options_from is not None:
        source = earlier.get(q.options_from)
        if source is None or not isinstance(source[1], MultiQuestion):
            text = f'options_from "{q.options_from}" is not an earlier multi question'
            yield Problem((*loc, "options_from"), text)
        else:
            known = {o.value for o in source[1].options}
            for value in [v for v in values if v not in known]:
                text = f'option "{value}" is not an option of {q.options_from}, so it would never '
                yield Problem(values[value], text + "be offered")


def _gate_problems(
    q: Any, target: str, loc: Loc, si: int, sections: list[str]
) -> Iterator[Problem]:
    if not sections:
        yield Problem(loc, "skip_to is not allowed inside a repeat")
    elif isinstance(q, MultiQuestion):
        yield Problem(loc, "skip_to is only allowed on a yes_no or single question")
    elif target not in sections:
        known = ", ".join(sections)
        yield Problem(loc, f'skip_to refers to unknown section "{target}" (sections: {known})')
    elif sections.index(target) <= si:
        text = f'skip_to "{target}" is not a later section: a gate can only skip forward'
        yield Problem(loc, text)


def _condition_problems(
    cond: Condition, loc: Loc, earlier: dict[str, tuple[Loc, Question]], later: dict[str, Loc]
) -> Iterator[Problem]:
    if isinstance(cond, AllOf | AnyOf):
        items = cond.all if isinstance(cond, AllOf) else cond.any
        key = "all" if isinstance(cond, AllOf) else "any"
        for i, sub in enumerate(items):
            yield from _condition_problems(sub, (*loc, key, i), earlier, later)
        return
    ref = cond.question
    qloc = (*loc, "question")
    if ref not in earlier:
        problem = "which comes later" if ref in later else None
        if problem is None:
            yield Problem(qloc, f'show_if refers to unknown question "{ref}"')
        else:
            text = f'show_if refers to question "{ref}", {problem}: a condition can only use '
            yield Problem(qloc, text + "an earlier answer", later[ref], "it is on")
        return
    target = earlier[ref][1]
    if not isinstance(target, YesNoQuestion | SingleQuestion | MultiQuestion):
        text = f'show_if can only test a yes_no, single or multi question; "{ref}" is '
        yield Problem(qloc, text + f"a {target.kind} question")
        return
    options = {o.value: () for o in target.options}
    for i, value in enumerate(_leaf_values(cond)):
        if value not in options:
            vloc = (*loc, "equals") if isinstance(cond, Equals) else (*loc, _leaf_key(cond), i)
            yield Problem(vloc, _not_option(value, f"show_if on {ref}", options))


def _leaf_values(cond: LeafCondition) -> tuple[str, ...]:
    if isinstance(cond, Equals):
        return (cond.equals,)
    return cond.in_ if isinstance(cond, In) else cond.not_in


def _leaf_key(cond: In | NotIn) -> str:
    return "in" if isinstance(cond, In) else "not_in"


def _not_option(value: str, what: str, options: dict[str, Any]) -> str:
    return f'{what}: "{value}" is not one of the options ({", ".join(options)})'
