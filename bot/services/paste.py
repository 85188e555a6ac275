"""Rows pasted from a spreadsheet, added to a repeat question of a return in one save.

The rows were read and shown to the contact (``forms.paste``); when they confirm, every row is
parsed again exactly as a row saved from the row modal would be and all of them are added in one
transaction under the section's revision (a section changed in another window since is refused,
as a page would be). Row ids are minted by the caller when the rows are shown, so confirming
twice adds them once. The audit says how many rows, never what they hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, StaleSection, TryAgain
from forms.model import RepeatQuestion
from forms.parsing import JSONValue, RawRow, parse_answer, split_error_key
from forms.paste import PASTE_QUESTIONS
from storage.errors import SectionConflict, StorageBusy

PASTED = "pasted"


@dataclass(frozen=True)
class Pasted:
    """The return after the rows were added, and how many were new."""

    view: rs.ReturnView
    added: int


def pastable(view: rs.ReturnView, section_id: str, question_id: str) -> RepeatQuestion:
    """The repeat question rows may be pasted into, on ``section_id`` of this return."""
    question = view.form.question(question_id)
    section = view.form.section(section_id)
    if (
        not isinstance(question, RepeatQuestion)
        or question.id not in PASTE_QUESTIONS
        or section is None
        or question.id not in {q.id for q in section.questions}
    ):
        raise InvalidRequest({"paste": f"Rows can't be pasted into {question_id}."})
    return question


def add_rows(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    return_id: int,
    section_id: str,
    question_id: str,
    base_revision: int,
    rows: Sequence[RawRow],
) -> Pasted:
    """Add ``rows`` after the question's rows, all or none. ``InvalidRequest`` (fields keyed by
    row id) when a row doesn't parse or the rows would pass the question's limit."""
    view = rs.load(ctx, team_id=team_id, actor=actor, return_id=return_id)
    question = pastable(view, section_id, question_id)
    parsed = parse_answer(question, list(rows))
    if parsed.errors:
        found = {(split_error_key(k).row_id or k): v for k, v in parsed.errors.items()}
        raise InvalidRequest(found, "Some rows can't be added.")
    new = parsed.value if isinstance(parsed.value, list) else []
    existing = view.answers.get(question.id)
    before: list[JSONValue] = list(existing) if isinstance(existing, list) else []
    known = {r.get("row_id") for r in before if isinstance(r, dict)}
    added: list[JSONValue] = [
        r for r in new if isinstance(r, dict) and r.get("row_id") not in known
    ]
    if not new:
        raise InvalidRequest({"paste": "There are no rows to add."})
    limit = question.max_rows
    if limit is not None and len(before) + len(added) > limit:
        raise InvalidRequest(
            {"paste": f"At most {limit} rows can be given here; {len(before)} are already there."}
        )
    now = ctx.now()
    try:
        with ctx.uow as uow:
            result = uow.answers.save_section(
                return_id, section_id, base_revision, {question.id: before + added}, actor, now
            )
            amended = rs.record_save(
                uow, view, actor, section_id, result, now, row=PASTED, rows=len(added)
            ).amended
            uow.commit()
    except SectionConflict:
        raise StaleSection(
            f"The {question.row_label.lower()}s were changed in another window since you "
            "opened this. Nothing was added: check the rows below and press Add again."
        ) from None
    except StorageBusy:
        raise TryAgain(
            "Couldn't save just now — press Add again; your rows are still here."
        ) from None
    saved = rs.load(ctx, team_id=team_id, actor=actor, return_id=return_id, section_id=section_id)
    if result.changed:
        rs.after_save(ctx, view, saved, section_id, amended=amended)
    return Pasted(saved, len(added) if result.changed else 0)
