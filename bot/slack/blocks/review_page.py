"""The review page shown before a return is submitted, paginated within Slack's limits.

Per visible section: what is answered (the question shortened, then the start of the answer)
and what is blank, with every problem that blocks submission marked ⚠ and an **Edit** button
(``review_edit``, value: the section id). Pages are turned with ``review_prev`` /
``review_next`` (value: the page number). Callback id ``return_review``; the submit button says
"Submit return" only when the return is ready, otherwise "Check answers".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, PlainTextObject
from slack_sdk.models.views import View

from bot.slack.blocks.common import (
    ReturnContext,
    button,
    context_line,
    encode_meta,
    mrkdwn_section,
    pack_lines,
)
from bot.slack.blocks.rows import describe_problem, row_summary, stored_rows
from bot.slack.blocks.text import display_value, escape_mrkdwn, excerpt, mrkdwn_excerpt
from forms.engine import Completeness, SectionStatus
from forms.model import MultiQuestion, QuestionSet, RepeatQuestion
from forms.parsing import Answers, JSONValue, split_error_key

REVIEW_CALLBACK_ID = "return_review"
ANSWER_START = 120
QUESTION_START = 60
PAGE_BLOCKS = 40
"""Content blocks per review page; with the heading, status, buttons and footer a page stays
far below Slack's 100 blocks."""
MAX_LISTED_PROBLEMS = 15
INTRO = "Check your answers before you submit."


def review_view(
    *,
    form: QuestionSet,
    answers: Answers,
    completeness: Completeness,
    context: ReturnContext,
    meta: Mapping[str, JSONValue],
    page_no: int = 0,
) -> dict[str, Any]:
    """Page ``page_no`` (from 0, clamped) of the review of a return before it is submitted."""
    pages = paginate(
        [_section(form, answers, status) for status in completeness.sections], PAGE_BLOCKS
    )
    page_no = min(max(page_no, 0), len(pages) - 1)
    blocks: list[Block] = [
        mrkdwn_section(f"{context.heading()}\n{INTRO}", block_id="hdr"),
        *_status(form, answers, completeness),
        *pages[page_no],
    ]
    nav: list[ButtonElement] = []
    if page_no > 0:
        nav.append(button("◀ Previous", "review_prev", str(page_no - 1)))
    if page_no < len(pages) - 1:
        nav.append(button("Next ▶", "review_next", str(page_no + 1)))
    if nav:
        blocks.append(ActionsBlock(block_id="review_nav", elements=nav))
    blocks.append(context_line(f"Page {page_no + 1} of {len(pages)}", block_id="review_page"))
    ready = completeness.ready
    view = View(
        type="modal",
        callback_id=REVIEW_CALLBACK_ID,
        title=PlainTextObject(text="Review your return"),
        submit=PlainTextObject(text="Submit return" if ready else "Check answers"),
        close=PlainTextObject(text="Close"),
        private_metadata=encode_meta(meta),
        blocks=blocks,
    )
    return view.to_dict()


def paginate(sections: list[list[Block]], budget: int) -> list[list[Block]]:
    """Whole sections per page while they fit in ``budget`` blocks; a longer section is split."""
    pages: list[list[Block]] = [[]]
    for blocks in sections:
        if pages[-1] and len(pages[-1]) + len(blocks) > budget:
            pages.append([])
        for block in blocks:
            if len(pages[-1]) >= budget:
                pages.append([])
            pages[-1].append(block)
    return pages


def _status(form: QuestionSet, answers: Answers, completeness: Completeness) -> list[Block]:
    if completeness.ready:
        text = "✅ Everything needed is answered. Press *Submit return* to send it."
        return [mrkdwn_section(text, block_id="status")]
    titles = {s.section_id: s.title for s in completeness.sections}
    lines = ["⚠ *Before you can submit, please fix:*"]
    problems = [
        (s.section_id, key, message)
        for s in completeness.sections
        for key, message in s.problems.items()
    ]
    for section_id, key, message in problems[:MAX_LISTED_PROBLEMS]:
        what = describe_problem(form, answers, key, message)
        section = escape_mrkdwn(excerpt(titles[section_id], 40))
        lines.append(f"• {section} — {mrkdwn_excerpt(what, 200)}")
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"…and {len(problems) - MAX_LISTED_PROBLEMS} more, marked ⚠ below.")
    lines.append("Use *Edit* beside a section to answer.")
    return [mrkdwn_section(t, block_id=f"status|{n}") for n, t in enumerate(pack_lines(lines))]


def _section(form: QuestionSet, answers: Answers, status: SectionStatus) -> list[Block]:
    counts = f"{len(status.answered)} answered, {len(status.blank)} blank"
    if status.problems:
        counts += f" · ⚠ {len(status.problems)} to fix"
    title = escape_mrkdwn(excerpt(status.title, 150))
    edit = button("Edit", "review_edit", status.section_id)
    heading = mrkdwn_section(
        f"*{title}*\n{counts}", block_id=f"s|{status.section_id}", accessory=edit
    )
    lines: list[str] = []
    for qid in status.answered:
        lines.extend(_answer_lines(form, answers, qid, status.problems))
    for qid in status.missing_required:
        lines.append(f"⚠ *Required:* {_short(form, qid)}")
    blank = [_short(form, q) for q in status.blank if q not in status.missing_required]
    if blank:
        lines.append("_Not answered:_ " + "; ".join(blank))
    texts = pack_lines(lines)
    body = [mrkdwn_section(t, block_id=f"s|{status.section_id}|{n}") for n, t in enumerate(texts)]
    return [heading, *body]


def _short(form: QuestionSet, question_id: str) -> str:
    q = form.question(question_id)
    return escape_mrkdwn(excerpt(q.text if q is not None else question_id, QUESTION_START))


def _answer_lines(
    form: QuestionSet, answers: Answers, qid: str, problems: Mapping[str, str]
) -> list[str]:
    q = form.question(qid)
    if q is None:
        return []
    value = answers.get(qid)
    shown = display_value(q, value)
    if isinstance(q, MultiQuestion) and isinstance(answers.get(f"{qid}.other"), str):
        shown += f"; other: {answers[f'{qid}.other']}"
    line = f"• *{_short(form, qid)}* {mrkdwn_excerpt(shown, ANSWER_START)}"
    if qid in problems:
        line += f" ⚠ {mrkdwn_excerpt(problems[qid], 200)}"
    lines = [line]
    if isinstance(q, RepeatQuestion):
        row_problems: dict[str, list[str]] = {}
        for key, message in problems.items():
            parts = split_error_key(key)
            if parts.question_id == qid and parts.row_id is not None:
                row_problems.setdefault(parts.row_id, []).append(message)
        for n, (row_id, row) in enumerate(stored_rows(value), 1):
            summary = mrkdwn_excerpt(row_summary(q, row), 100)
            row_line = f"    ◦ {escape_mrkdwn(q.row_label)} {n}: {summary}"
            for message in row_problems.get(row_id, []):
                row_line += f" ⚠ {mrkdwn_excerpt(message, 150)}"
            lines.append(row_line)
    return lines
