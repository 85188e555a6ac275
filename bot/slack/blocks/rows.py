"""Repeat rows: the modal that adds or edits one row, its one-line summary, its errors.

The row modal is pushed (``views.push``) on top of the page. Its inputs use the same element
mapping as a page, with block ids ``q|<field id>`` (``q|<field id>|<n>`` for narrative boxes),
callback id ``repeat_row`` and ``private_metadata`` carrying the caller's ``meta`` plus the
question id (``q``) and the row id (``row``), minted when the row was first shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block, PlainTextObject
from slack_sdk.models.views import View

from bot.slack.blocks.common import (
    ReturnContext,
    encode_meta,
    is_narrative,
    mrkdwn_section,
    question_block_id,
)
from bot.slack.blocks.inputs import draft_as_initial, input_blocks, stored_as_raw
from bot.slack.blocks.limits import ERROR_MESSAGE_MAX, MODAL_TITLE_MAX
from bot.slack.blocks.text import display_value, escape_mrkdwn, excerpt, plain
from forms.engine import offered_options
from forms.model import MultiField, QuestionSet, RepeatQuestion
from forms.parsing import Answers, JSONValue, RawValue, split_error_key

ROW_CALLBACK_ID = "repeat_row"
SUMMARY_FIELDS = 3
SUMMARY_MAX = 150


def row_summary(question: RepeatQuestion, values: Mapping[str, JSONValue]) -> str:
    """A one-line summary of a row from its first answered fields (raw text: escape it to show
    it in mrkdwn), at most 150 characters; "(nothing entered yet)" for an empty row."""
    parts = []
    for field in question.fields:
        shown = display_value(field, values.get(field.id))
        if shown.strip():
            parts.append(excerpt(shown, 60))
        if len(parts) == SUMMARY_FIELDS:
            break
    return excerpt(" · ".join(parts), SUMMARY_MAX) if parts else "(nothing entered yet)"


def row_view(
    *,
    question: RepeatQuestion,
    row_id: str,
    values: Mapping[str, JSONValue],
    context: ReturnContext,
    meta: Mapping[str, JSONValue],
    draft: Mapping[str, RawValue] | None = None,
    form: QuestionSet | None = None,
    answers: Answers | None = None,
) -> dict[str, Any]:
    """The modal to add or edit one row of ``question``.

    ``values`` are the row's stored values (empty for a new row, titled "Add …"); ``draft`` is
    the raw state of this modal being re-rendered and wins over ``values``. With ``form`` and
    ``answers`` a multi field with ``options_from`` offers only what was chosen there (plus
    what the row holds).
    """
    blocks: list[Block] = [
        mrkdwn_section(
            f"{context.heading()}\n*{escape_mrkdwn(excerpt(question.text, 200))}* — "
            f"{escape_mrkdwn(question.row_label)}",
            block_id="hdr",
        )
    ]
    for field in question.fields:
        if draft is not None and field.id in draft:
            initial = draft_as_initial(draft[field.id])
        else:
            initial = stored_as_raw(field, values.get(field.id))
        options = None
        if isinstance(field, MultiField) and form is not None and answers is not None:
            options = offered_options(form, field, answers)
        blocks.extend(input_blocks(field, initial, options=options))
    verb = "Edit" if values else "Add"
    view = View(
        type="modal",
        callback_id=ROW_CALLBACK_ID,
        title=PlainTextObject(text=plain(f"{verb} {question.row_label.lower()}", MODAL_TITLE_MAX)),
        submit=PlainTextObject(text="Save row"),
        close=PlainTextObject(text="Cancel"),
        notify_on_close=True,
        private_metadata=encode_meta({**meta, "q": question.id, "row": row_id}),
        blocks=blocks,
    )
    return view.to_dict()


def row_errors_for_slack(
    errors: Mapping[str, str], question: RepeatQuestion, row_id: str
) -> dict[str, str]:
    """Engine errors of one row (``Q.rows[<row id>].<field>``) keyed by the row modal's block
    ids; narrative fields take their error on the first box. Other keys are left out."""
    found: dict[str, str] = {}
    for key, message in errors.items():
        parts = split_error_key(key)
        if parts.question_id != question.id or parts.row_id != row_id:
            continue
        field = question.field(parts.field_id or "")
        if field is None:
            continue
        block_id = question_block_id(field.id, 0 if is_narrative(field) else None)
        found[block_id] = excerpt(message, ERROR_MESSAGE_MAX)
    return found


def stored_rows(value: JSONValue) -> list[tuple[str, dict[str, JSONValue]]]:
    """(row id, values) of each well-formed stored row of a repeat answer, in order."""
    rows = []
    for row in value if isinstance(value, list) else []:
        if isinstance(row, dict) and isinstance(row.get("row_id"), str):
            values = row.get("values")
            rows.append((str(row["row_id"]), values if isinstance(values, dict) else {}))
    return rows


def describe_problem(form: QuestionSet, answers: Answers, key: str, message: str) -> str:
    """An engine error as a readable line naming its question, and for a repeat row its
    position and field: "Event 2, Date: ..." (raw text)."""
    parts = split_error_key(key)
    q = form.question(parts.question_id)
    if q is None:
        return message
    if not isinstance(q, RepeatQuestion) or parts.row_id is None:
        return f"{excerpt(q.text, 60)}: {message}"
    rows = stored_rows(answers.get(q.id))
    position = next((n for n, (r, _) in enumerate(rows, 1) if r == parts.row_id), None)
    row = f"{q.row_label} {position}" if position else f"A {q.row_label.lower()}"
    f = q.field(parts.field_id or "")
    return f"{row}, {excerpt(f.text if f else parts.field_id or '', 40)}: {message}"
