"""``/rrm template REF``: the chronology columns as a CSV file, in the caller's DM.

A contact exports their case system's rows in this order (or keeps the heading row) and pastes
them into section B with "Paste from a spreadsheet". Allowed for a contact of a return of the
review and for coordinators; checked against the stored review, never the payload. The file
holds column names and a made-up example row only: no answer of anyone's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messenger import DeliveryFailed, Upload
from bot.services.context import Context
from bot.services.errors import NotAllowed, NotFound, ServiceError
from bot.services.returns import form_of
from forms.model import RepeatQuestion
from forms.paste import PASTE_QUESTIONS
from forms.paste_template import template_csv
from forms.records import ReturnState, Review

TEMPLATE_SENT = "template.sent"
_NAMES = {"B": "chronology", "F1a": "moves"}


@dataclass(frozen=True)
class TemplateSent:
    """The review whose templates went to the caller, and the file names."""

    review: Review
    filenames: tuple[str, ...]


def templates(review: Review) -> list[Upload]:
    """One CSV file per pastable question of the review's question set (chronology first),
    UTF-8 with a byte order mark so that Excel opens it with its accents intact."""
    form = form_of(review)
    files = []
    for question_id in PASTE_QUESTIONS:
        question = form.question(question_id)
        if not isinstance(question, RepeatQuestion):
            continue
        name = _NAMES.get(question_id, question_id)
        files.append(
            Upload(
                f"{review.reference}-{name}-template.csv",
                template_csv(question).encode("utf-8-sig"),
                f"{review.reference}: {question.text} — template",
            )
        )
    return files


def send_template(ctx: Context, *, team_id: str, actor: str, reference: str) -> TemplateSent:
    """DM the templates of review ``reference`` to ``actor`` and audit it (file count only)."""
    ref = reference.upper()
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(team_id, ref)
        if review is None:
            raise NotFound(
                f"There is no review {ref}. Check the reference in your request message."
            )
        returns = uow.returns.list_for_review(review.id)
    contact = any(
        r.contact_user_id == actor and r.state is not ReturnState.WITHDRAWN for r in returns
    )
    if not contact and not ctx.is_coordinator(actor):
        raise NotAllowed(
            f"Only coordinators and the agency contacts of {ref} can get its chronology template."
        )
    files = templates(review)
    comment = (
        f"The chronology columns for {ref}, in the order *Paste from a spreadsheet* reads them. "
        "Put one event per row (a heading row is fine), then copy the rows and paste them in "
        "section B of your return."
    )
    try:
        ctx.messenger.upload_to_dm(actor, files, comment)
    except DeliveryFailed as exc:
        raise ServiceError(f"Couldn't send the template to you: {exc.reason}") from None
    with ctx.uow as uow:
        uow.audit.add(
            team_id,
            actor,
            TEMPLATE_SENT,
            ctx.now(),
            review_id=review.id,
            details={"files": len(files)},
        )
        uow.commit()
    return TemplateSent(review, tuple(f.filename for f in files))
