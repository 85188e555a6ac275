"""The form engine: pure functions over a question set and the answers so far.

``answers`` maps answer ids to stored values (see :mod:`forms.parsing`); a blank answer is absent.

Visibility: a ``show_if`` tests the *visible* answer of an earlier question; when that question
is blank or hidden every condition on it is false (``not_in`` included). On a multi question
``equals``/``in`` test whether a value is selected and ``not_in`` that none of them is. A gate
(an option with ``skip_to``) hides the rest of its section, except questions whose ``show_if``
names the gate question (its follow-ups), and every section before ``skip_to``.

Answers that become hidden are kept in ``answers`` but never shown, counted or required.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from forms.model import (
    AllOf,
    AnyOf,
    Condition,
    Equals,
    In,
    MultiField,
    MultiQuestion,
    Option,
    Outcome,
    PrefillSource,
    Question,
    QuestionSet,
    Section,
    SingleQuestion,
    YesNoQuestion,
)
from forms.parsing import (
    Answers,
    JSONValue,
    RawValue,
    parse_answer,
    parse_other,
    requirement_errors,
    stored_value_error,
)

PAGE_ERROR_KEY = "_page"
"""Error key for a problem with the page as a whole (e.g. an unknown section id)."""


@dataclass(frozen=True)
class Page:
    """One section's visible questions; ``number`` of ``total`` counts visible pages only."""

    section: Section
    questions: tuple[Question, ...]
    number: int
    total: int

    @property
    def section_id(self) -> str:
        """The id of the section shown on this page."""
        return self.section.id

    @property
    def label(self) -> str:
        """``Section n of m``."""
        return f"Section {self.number} of {self.total}"


@dataclass(frozen=True)
class NextPage:
    """The page was valid; show ``page`` next. ``answers`` includes the page's values."""

    page: Page
    answers: dict[str, JSONValue]


@dataclass(frozen=True)
class Errors:
    """The page has errors (keyed by answer id or row error key); nothing moves on.

    ``answers`` has the page's valid values applied, for a caller that saves drafts anyway.
    """

    errors: dict[str, str]
    answers: dict[str, JSONValue]


@dataclass(frozen=True)
class SectionStatus:
    """What is answered, blank and missing on one visible page."""

    section_id: str
    title: str
    answered: tuple[str, ...]
    blank: tuple[str, ...]
    missing_required: tuple[str, ...]
    problems: dict[str, str]


@dataclass(frozen=True)
class Completeness:
    """Per-section status of the visible questions; ``ready`` when nothing blocks a submit."""

    sections: tuple[SectionStatus, ...]

    @property
    def ready(self) -> bool:
        """True when no visible question has a problem (required, must_equal, rows)."""
        return not self.problems

    @property
    def problems(self) -> dict[str, str]:
        """Every problem, keyed by answer id or row error key."""
        return {k: v for s in self.sections for k, v in s.problems.items()}

    @property
    def missing_required(self) -> tuple[str, ...]:
        """Visible required questions that are blank."""
        return tuple(q for s in self.sections for q in s.missing_required)

    @property
    def blank(self) -> tuple[str, ...]:
        """Visible questions (display-only ones excepted) that are blank."""
        return tuple(q for s in self.sections for q in s.blank)


@dataclass(frozen=True)
class Complete:
    """The last page was valid. ``completeness`` says whether the return can be submitted."""

    answers: dict[str, JSONValue]
    completeness: Completeness
    outcome: Outcome | None


Step = NextPage | Errors | Complete


@dataclass(frozen=True)
class _Visible:
    questions: dict[str, Question]
    outcome: Outcome | None


def condition_questions(cond: Condition) -> Iterator[str]:
    """The question ids a condition refers to."""
    if isinstance(cond, AllOf | AnyOf):
        for sub in cond.all if isinstance(cond, AllOf) else cond.any:
            yield from condition_questions(sub)
    else:
        yield cond.question


def holds(cond: Condition, value_of: Callable[[str], JSONValue]) -> bool:
    """Evaluate a condition; ``value_of`` gives the visible answer of a question (None: blank)."""
    if isinstance(cond, AllOf):
        return all(holds(sub, value_of) for sub in cond.all)
    if isinstance(cond, AnyOf):
        return any(holds(sub, value_of) for sub in cond.any)
    value = value_of(cond.question)
    if value is None:
        return False
    selected = {str(v) for v in value} if isinstance(value, list) else {str(value)}
    if isinstance(cond, Equals):
        return cond.equals in selected
    if isinstance(cond, In):
        return bool(selected & set(cond.in_))
    return not selected & set(cond.not_in)


def _walk(form: QuestionSet, answers: Answers) -> _Visible:
    visible: dict[str, Question] = {}
    outcome: Outcome | None = None
    gate: tuple[str, int, int] | None = None  # gate question, its section, the target section

    def value_of(question_id: str) -> JSONValue:
        return answers.get(question_id) if question_id in visible else None

    for si, section in enumerate(form.sections):
        if gate and gate[1] < si < gate[2]:
            continue
        for q in section.questions:
            if gate and si == gate[1] and not _follows_up(q, gate[0]):
                continue
            if q.show_if is not None and not holds(q.show_if, value_of):
                continue
            visible[q.id] = q
            option = _chosen_gate(q, answers.get(q.id))
            if option is not None and (gate is None or si >= gate[2]):
                target = next(i for i, s in enumerate(form.sections) if s.id == option[0])
                gate, outcome = (q.id, si, target), option[1] or outcome
    return _Visible(visible, outcome)


def _follows_up(q: Question, gate_id: str) -> bool:
    return q.show_if is not None and gate_id in set(condition_questions(q.show_if))


def _chosen_gate(q: Question, value: JSONValue) -> tuple[str, Outcome | None] | None:
    if not isinstance(q, YesNoQuestion | SingleQuestion):
        return None
    option = next((o for o in q.options if o.value == value), None)
    if option is None or option.skip_to is None:
        return None
    return option.skip_to, option.outcome


def visible_questions(form: QuestionSet, answers: Answers) -> tuple[Question, ...]:
    """The questions shown for these answers, in form order."""
    return tuple(_walk(form, answers).questions.values())


def _answer_ids(q: Question) -> tuple[str, ...]:
    return (q.id, f"{q.id}.other") if isinstance(q, MultiQuestion) and q.other else (q.id,)


def offered_options(
    form: QuestionSet, question: MultiQuestion | MultiField, answers: Answers
) -> tuple[Option, ...]:
    """The options to offer: with ``options_from``, only those selected in that question
    (all of them while it is blank or hidden)."""
    source = question.options_from
    chosen = visible_answers(form, answers).get(source) if source else None
    if not isinstance(chosen, list):
        return question.options
    return tuple(o for o in question.options if o.value in chosen)


def visible_answers(form: QuestionSet, answers: Answers) -> dict[str, JSONValue]:
    """The answers of visible questions only (hidden answers are kept but not returned here)."""
    ids = (a for q in visible_questions(form, answers) for a in _answer_ids(q))
    return {a: answers[a] for a in ids if a in answers}


def hidden_answers(form: QuestionSet, answers: Answers) -> dict[str, JSONValue]:
    """The answers kept for questions that are currently hidden."""
    shown = visible_answers(form, answers)
    return {k: v for k, v in answers.items() if k not in shown}


def gate_outcome(form: QuestionSet, answers: Answers) -> Outcome | None:
    """``nil``/``provisional`` when a gate with that outcome fired, else None."""
    return _walk(form, answers).outcome


def pages(form: QuestionSet, answers: Answers) -> tuple[Page, ...]:
    """One page per section with at least one visible question, numbered among themselves."""
    shown = _walk(form, answers).questions
    groups = [(s, tuple(q for q in s.questions if q.id in shown)) for s in form.sections]
    groups = [(s, qs) for s, qs in groups if qs]
    return tuple(Page(s, qs, n, len(groups)) for n, (s, qs) in enumerate(groups, 1))


def page_for(form: QuestionSet, answers: Answers, section_id: str) -> Page | None:
    """The page of this section, or None when the section shows nothing for these answers."""
    return next((p for p in pages(form, answers) if p.section_id == section_id), None)


def next_page(form: QuestionSet, answers: Answers, after: str | None = None) -> Page | None:
    """The first visible page after section ``after`` (the first page when None)."""
    order = [s.id for s in form.sections]
    start = order.index(after) if after in order else -1
    return next((p for p in pages(form, answers) if order.index(p.section_id) > start), None)


def first_unfinished_page(form: QuestionSet, answers: Answers) -> Page | None:
    """Where to resume: the first page with a problem before the last page holding an answer,
    else the page after it; None when every page is done (show the review page)."""
    all_pages = pages(form, answers)
    status = {s.section_id: s for s in completeness(form, answers).sections}
    answered = [i for i, p in enumerate(all_pages) if status[p.section_id].answered]
    last = answered[-1] if answered else -1
    for i, page in enumerate(all_pages):
        if i > last or status[page.section_id].problems:
            return page
    return None


def apply_page(
    form: QuestionSet,
    answers: Answers,
    section_id: str,
    raw: Mapping[str, RawValue],
    *,
    check_required: bool = True,
) -> tuple[dict[str, JSONValue], dict[str, str]]:
    """Apply one page of raw input: (new answers, errors keyed by answer id or row key).

    A key present with a blank value clears the answer; an absent key leaves it unchanged.
    Display-only questions are never overwritten. Input for questions that the page's own
    answers hide is kept when it parses, and never reported. ``check_required=False`` is for
    saving a draft (Back, a closed modal): only unparseable input is an error then.
    """
    section = form.section(section_id)
    if section is None:
        return dict(answers), {PAGE_ERROR_KEY: f'There is no section "{section_id}".'}
    new = dict(answers)
    parse_errors: dict[str, dict[str, str]] = {}
    allowed = {a for q in section.questions for a in _answer_ids(q)}
    errors = {k: f"{k} is not a question of section {section_id}." for k in raw if k not in allowed}
    for q in section.questions:
        if q.display_only:
            continue
        for answer_id in _answer_ids(q):
            if answer_id not in raw:
                continue
            is_other = answer_id != q.id
            parsed = parse_other(q, raw[answer_id]) if is_other else parse_answer(q, raw[answer_id])
            if parsed.errors:
                parse_errors.setdefault(q.id, {}).update(parsed.errors)
            elif parsed.value is None:
                new.pop(answer_id, None)
            else:
                new[answer_id] = parsed.value
    shown = _walk(form, new).questions
    for q in (q for q in section.questions if q.id in shown and not q.display_only):
        if q.id in parse_errors:
            errors.update(parse_errors[q.id])
        elif check_required:
            errors.update(requirement_errors(q, new.get(q.id)))
    return new, errors


def advance(
    form: QuestionSet, answers: Answers, section_id: str, raw: Mapping[str, RawValue]
) -> Step:
    """Save one page and say what comes next: Errors, the NextPage, or Complete."""
    new, errors = apply_page(form, answers, section_id, raw)
    if errors:
        return Errors(errors, new)
    page = next_page(form, new, after=section_id)
    if page is None:
        return Complete(new, completeness(form, new), gate_outcome(form, new))
    return NextPage(page, new)


def completeness(form: QuestionSet, answers: Answers) -> Completeness:
    """Answered, blank and missing questions per visible page; problems that block a submit."""
    sections = []
    for page in pages(form, answers):
        asked = [q for q in page.questions if not q.display_only]
        problems: dict[str, str] = {}
        for q in asked:
            problems.update(requirement_errors(q, answers.get(q.id)))
        sections.append(
            SectionStatus(
                section_id=page.section_id,
                title=page.section.title,
                answered=tuple(q.id for q in asked if q.id in answers),
                blank=tuple(q.id for q in asked if q.id not in answers),
                missing_required=tuple(q.id for q in asked if q.required and q.id not in answers),
                problems=problems,
            )
        )
    return Completeness(tuple(sections))


def prefill(
    form: QuestionSet, answers: Answers, sources: Mapping[PrefillSource, str | None]
) -> tuple[dict[str, JSONValue], dict[str, str]]:
    """Fill blank questions declaring ``prefill: <source>`` from ``sources`` (raw text, e.g.
    "2026-03-05" or "yes"); existing answers are never overwritten. Returns (answers, errors)."""
    new, errors = dict(answers), dict[str, str]()
    for q in form.questions:
        if q.prefill is None or q.id in new or sources.get(q.prefill) is None:
            continue
        parsed = parse_answer(q, sources[q.prefill])
        errors.update(parsed.errors)
        if parsed.value is not None:
            new[q.id] = parsed.value
    return new, errors


def stored_answer_errors(form: QuestionSet, stored: Answers) -> dict[str, str]:
    """Problems with stored answers: ids the form does not have, values that do not fit."""
    errors: dict[str, str] = {}
    for key, value in stored.items():
        q = form.question(key)
        if key not in form.answer_ids or (q is None and not key.endswith(".other")):
            errors[key] = (
                f'answer to unknown question "{key}": question set {form.id} '
                f"version {form.version} has no such question"
            )
        elif q is None:
            if not isinstance(value, str):
                errors[key] = f"stored value {value!r} for {key} is not text"
        elif (problem := stored_value_error(q, value)) is not None:
            errors[key] = problem
    return errors


@dataclass(frozen=True)
class Progress:
    """How far a return has got, over visible pages and questions (display-only excepted)."""

    answered_pages: int
    total_pages: int
    answered_questions: int
    total_questions: int


def progress(form: QuestionSet, answers: Answers) -> Progress:
    """Pages with at least one answer, and answered questions, out of the visible ones."""
    sections = completeness(form, answers).sections
    answered = sum(len(s.answered) for s in sections)
    total = answered + sum(len(s.blank) for s in sections)
    return Progress(sum(1 for s in sections if s.answered), len(sections), answered, total)


@dataclass(frozen=True)
class ReturnState:
    """Everything about a return that follows from its stored answers alone."""

    answers: dict[str, JSONValue]
    values: dict[str, JSONValue]
    hidden: dict[str, JSONValue]
    pages: tuple[Page, ...]
    completeness: Completeness
    progress: Progress
    outcome: Outcome | None
    current_page: Page | None


@dataclass(frozen=True)
class ReplayErrors:
    """Stored answers that do not fit the form (unknown ids, values of the wrong shape).

    ``state`` is rebuilt from the answers that do fit, so the return can still be shown.
    """

    errors: dict[str, str]
    state: ReturnState


def replay(form: QuestionSet, stored: Answers) -> ReturnState | ReplayErrors:
    """Rebuild a return's whole state from its stored answers.

    An answer to a question the form does not have ("more answers than questions") or a value
    that does not fit its question is an error, never silently dropped: the result is then
    ReplayErrors. Use the review's own question-set snapshot (``load_question_set_text``).
    """
    errors = stored_answer_errors(form, stored)
    answers = {k: v for k, v in stored.items() if k not in errors}
    state = ReturnState(
        answers=answers,
        values=visible_answers(form, answers),
        hidden=hidden_answers(form, answers),
        pages=pages(form, answers),
        completeness=completeness(form, answers),
        progress=progress(form, answers),
        outcome=gate_outcome(form, answers),
        current_page=first_unfinished_page(form, answers),
    )
    return ReplayErrors(errors, state) if errors else state
