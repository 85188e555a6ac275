"""The modal for one page (section) of an agency return, and its validation errors.

Callback id ``return_page``; inputs ``q|<answer id>`` (narrative boxes ``q|<id>|<n>``) with
action id ``v``; buttons ``page_back`` (value: the section id), ``row_add`` (value
``{"q": question}``), ``row_edit`` / ``row_remove`` (value ``{"q": question, "row": row id}``).
Choices that a ``show_if`` or a gate on this page depends on dispatch a block action, so the
adapter can re-render the page (``views.update`` with ``draft``) as soon as they change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import (
    ReturnContext,
    button,
    context_line,
    encode_meta,
    is_narrative,
    json_value,
    mrkdwn_section,
    question_block_id,
)
from bot.slack.blocks.inputs import draft_as_initial, input_blocks, other_block, stored_as_raw
from bot.slack.blocks.limits import ERROR_MESSAGE_MAX, VIEW_MAX_BLOCKS
from bot.slack.blocks.paste import PASTE_ACTION_ID
from bot.slack.blocks.rows import describe_problem, row_summary, stored_rows
from bot.slack.blocks.text import display_value, escape_mrkdwn, excerpt, mrkdwn_excerpt
from forms.engine import (
    Page,
    apply_page,
    condition_questions,
    offered_options,
    page_for,
    visible_questions,
)
from forms.model import (
    MultiQuestion,
    Question,
    QuestionSet,
    RepeatQuestion,
    Section,
    SingleQuestion,
    YesNoQuestion,
)
from forms.parsing import Answers, JSONValue, RawValue, split_error_key
from forms.paste import PASTE_QUESTIONS

PAGE_CALLBACK_ID = "return_page"
CURRENT_RISK_QUESTION = "E2"
SAVE_REMINDER = "Press {button} to save this page. Saved answers are kept if you close this window."
COMPACT_GROUP = 10


def page_view(
    *,
    form: QuestionSet,
    page: Page,
    answers: Answers,
    context: ReturnContext,
    meta: Mapping[str, JSONValue],
    referral_route: str | None = None,
    draft: Mapping[str, RawValue] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The modal of one page: its visible questions for ``answers`` merged with ``draft`` (the
    raw state of the view being re-rendered, which also wins for initial values)."""
    merged = page_answers(form, answers, page.section_id, draft)
    shown = page_for(form, merged, page.section_id) or page
    visible = {q.id for q in visible_questions(form, merged)}
    questions = [q for q in page.section.questions if q.id in visible]
    last = shown.number == shown.total
    risk = (
        bool(referral_route)
        and merged.get(CURRENT_RISK_QUESTION) == "yes"
        and any(q.id == CURRENT_RISK_QUESTION for q in page.section.questions)
    )
    top = _top(context, shown, notice, referral_route if risk else None)
    bottom = _bottom(shown, last)
    triggers = _triggers(page.section, with_risk=bool(referral_route))
    for compact in (False, True):
        render = _Render(form, context, answers, merged, draft, triggers, compact)
        blocks = top + [b for q in questions for b in render.question(q)] + bottom
        if len(blocks) <= VIEW_MAX_BLOCKS:
            break
    view = View(
        type="modal",
        callback_id=PAGE_CALLBACK_ID,
        title=PlainTextObject(text="Agency return"),
        submit=PlainTextObject(text="Review" if last else "Next"),
        close=PlainTextObject(text="Close"),
        notify_on_close=True,
        private_metadata=encode_meta(meta),
        blocks=blocks,
    )
    return view.to_dict()


def page_answers(
    form: QuestionSet, answers: Answers, section_id: str, draft: Mapping[str, RawValue] | None
) -> dict[str, JSONValue]:
    """``answers`` with the parseable values of ``draft`` applied (what the page shows)."""
    if not draft:
        return dict(answers)
    return apply_page(form, answers, section_id, draft, check_required=False)[0]


def _top(context: ReturnContext, page: Page, notice: str | None, route: str | None) -> list[Block]:
    blocks: list[Block] = []
    if notice:
        blocks.append(mrkdwn_section(f"⚠ {escape_mrkdwn(notice)}", block_id="notice"))
    title = escape_mrkdwn(excerpt(page.section.title, 200))
    blocks.append(mrkdwn_section(f"{context.heading()}\n{page.label} — *{title}*", block_id="hdr"))
    if route:
        text = f"⚠ *If a child is at immediate risk, act now:* {escape_mrkdwn(route)}"
        blocks.append(mrkdwn_section(text, block_id="risk"))
    about = " ".join(t for t in (page.section.intro, page.section.help) if t)
    if about:
        blocks.append(context_line(escape_mrkdwn(about), block_id="intro"))
    return blocks


def _bottom(page: Page, last: bool) -> list[Block]:
    blocks: list[Block] = []
    if page.number > 1:
        back = button("Back", "page_back", page.section_id)
        blocks.append(ActionsBlock(block_id="nav", elements=[back]))
    reminder = SAVE_REMINDER.format(button="Review" if last else "Next")
    blocks.append(context_line(reminder, block_id="save"))
    return blocks


def _triggers(section: Section, *, with_risk: bool) -> set[str]:
    """Questions of this section whose answer changes what the page shows."""
    ids = {CURRENT_RISK_QUESTION} if with_risk else set()
    for q in section.questions:
        if q.show_if is not None:
            ids.update(condition_questions(q.show_if))
        if isinstance(q, YesNoQuestion | SingleQuestion) and any(o.skip_to for o in q.options):
            ids.add(q.id)
    return ids


@dataclass(frozen=True)
class _Render:
    form: QuestionSet
    context: ReturnContext
    answers: Answers
    merged: Answers
    draft: Mapping[str, RawValue] | None
    triggers: set[str]
    compact: bool

    def question(self, q: Question) -> list[Block]:
        if q.display_only:
            value = display_value(q, self.answers.get(q.id))
            if not value:
                value = self.context.agency_name if q.prefill == "agency" else "Not filled in"
            text = f"*{escape_mrkdwn(excerpt(q.text, 300))}*\n{mrkdwn_excerpt(value, 500)}"
            return [mrkdwn_section(text, block_id=f"d|{q.id}")]
        if isinstance(q, RepeatQuestion):
            return _repeat(q, self.answers.get(q.id), self.compact)
        options = None
        if isinstance(q, MultiQuestion):
            options = offered_options(self.form, q, self.merged)
        dispatch = q.id in self.triggers
        blocks: list[Block] = []
        blocks.extend(input_blocks(q, self.initial(q, q.id), options=options, dispatch=dispatch))
        if isinstance(q, MultiQuestion) and q.other:
            blocks.append(other_block(q, self.initial(q, f"{q.id}.other")))
        return blocks

    def initial(self, q: Question, answer_id: str) -> str | list[str] | None:
        if self.draft is not None and answer_id in self.draft:
            return draft_as_initial(self.draft[answer_id])
        if answer_id != q.id:
            other = self.answers.get(answer_id)
            return other if isinstance(other, str) else None
        return stored_as_raw(q, self.answers.get(answer_id))


def _repeat(q: RepeatQuestion, value: JSONValue, compact: bool) -> list[Block]:
    rows = stored_rows(value)
    label = q.row_label.lower()
    count = f"{len(rows)} {label}{'' if len(rows) == 1 else 's'}"
    limits = [f"at least {q.min_rows}"] if q.min_rows else []
    limits += [f"at most {q.max_rows}"] if q.max_rows is not None else []
    lines = [f"*{escape_mrkdwn(excerpt(q.text, 300))}*", " · ".join([count, *limits])]
    if q.help:
        lines.append(mrkdwn_excerpt(q.help, 500))
    add = None
    if q.max_rows is None or len(rows) < q.max_rows:
        add = button(f"Add {label}", "row_add", json_value(q=q.id), style="primary")
    blocks: list[Block] = [mrkdwn_section("\n".join(lines), block_id=f"r|{q.id}", accessory=add)]
    if add is not None and q.id in PASTE_QUESTIONS:
        paste = button("Paste from a spreadsheet", PASTE_ACTION_ID, json_value(q=q.id))
        blocks.append(ActionsBlock(block_id=f"rp|{q.id}", elements=[paste]))
    if not compact:
        for n, (row_id, values) in enumerate(rows, 1):
            summary = mrkdwn_excerpt(row_summary(q, values), 150)
            text = f"*{escape_mrkdwn(q.row_label)} {n}* · {summary}"
            blocks.append(mrkdwn_section(text, block_id=f"r|{q.id}|{row_id}"))
            actions = [_edit(q, row_id, "Edit"), _remove(q, row_id, n, "Remove")]
            blocks.append(ActionsBlock(block_id=f"ra|{q.id}|{row_id}", elements=actions))
        return blocks
    for g in range(0, len(rows), COMPACT_GROUP):
        group = list(enumerate(rows, 1))[g : g + COMPACT_GROUP]
        text = "\n".join(f"*{n}.* {mrkdwn_excerpt(row_summary(q, v), 60)}" for n, (_, v) in group)
        blocks.append(mrkdwn_section(text, block_id=f"rg|{q.id}|{g}"))
        elements = []
        for n, (row_id, _) in group:
            elements += [_edit(q, row_id, f"Edit {n}"), _remove(q, row_id, n, f"Remove {n}")]
        blocks.append(ActionsBlock(block_id=f"rga|{q.id}|{g}", elements=elements))
    return blocks


def _edit(q: RepeatQuestion, row_id: str, text: str) -> ButtonElement:
    return button(text, "row_edit", json_value(q=q.id, row=row_id))


def _remove(q: RepeatQuestion, row_id: str, n: int, text: str) -> ButtonElement:
    confirm = ConfirmObject(
        title=f"Remove {q.row_label.lower()} {n}?",
        text=f"{q.row_label} {n} and everything in it will be removed from this return.",
        confirm="Remove",
        deny="Keep it",
        style="danger",
    )
    return button(text, "row_remove", json_value(q=q.id, row=row_id), confirm=confirm)


@dataclass(frozen=True)
class SlackErrors:
    """Engine errors for Slack: ``errors`` (block id → message) for ``response_action:
    errors``; ``row_errors`` (engine key → readable line) for what no input can show (a repeat
    row, the repeat itself, the page), to show in an ``update`` with ``notice``."""

    errors: dict[str, str] = field(default_factory=dict)
    row_errors: dict[str, str] = field(default_factory=dict)

    @property
    def notice(self) -> str | None:
        """One line for the page's notice, or None when every error sits under an input."""
        if not self.row_errors:
            return None
        return "Please check: " + " ".join(self.row_errors.values())


def errors_for_slack(
    errors: Mapping[str, str], page: Page, form: QuestionSet, answers: Answers | None = None
) -> SlackErrors:
    """Map engine error keys to this page's block ids (a narrative's error goes on its first
    box). ``answers`` (when given) numbers the rows named in ``row_errors``."""
    section_ids = {q.id for q in page.section.questions}
    placed: dict[str, str] = {}
    unplaced: dict[str, str] = {}
    for key, message in errors.items():
        short = excerpt(message, ERROR_MESSAGE_MAX)
        parts = split_error_key(key)
        base = key.removesuffix(".other")
        q = form.question(base)
        if parts.row_id is None and q is not None and q.id in section_ids:
            if key != base and isinstance(q, MultiQuestion) and q.other:
                placed[question_block_id(key)] = short
                continue
            if key == base and not isinstance(q, RepeatQuestion) and not q.display_only:
                placed[question_block_id(q.id, 0 if is_narrative(q) else None)] = short
                continue
        unplaced[key] = describe_problem(form, answers or {}, key, message)
    return SlackErrors(placed, unplaced)
