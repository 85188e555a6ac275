"""The coordinator's case summary and the meeting's attendees, kept (encrypted) for the pack's
cover and its case summary section. Coordinators only; audited without the text."""

from __future__ import annotations

from bot.services import pack_history as history
from bot.services.context import Context
from bot.services.errors import InvalidRequest, TryAgain
from bot.services.pack_build import load_review
from bot.services.reviews import require_coordinator
from bot.slack.blocks import pack_cards
from forms.records import Review
from forms.text import clean_text
from storage.errors import StorageBusy

MAX_ATTENDEES, MAX_ATTENDEE = 50, 200


def summary_of(ctx: Context, *, team_id: str, actor: str, reference: str) -> Review:
    """The review whose case summary a coordinator is about to edit."""
    require_coordinator(ctx, actor)
    return load_review(ctx, team_id, reference)


def set_summary(
    ctx: Context, *, team_id: str, actor: str, reference: str | int, summary: str, attendees: str
) -> Review:
    """Save the coordinator's case summary and the attendees (one per line) for the pack
    (coordinators only; audited ``summary.edited`` without the text). Raises InvalidRequest
    keyed ``summary`` / ``attendees`` for text that is too long."""
    require_coordinator(ctx, actor)
    review = load_review(ctx, team_id, reference)
    text = clean_text(summary).strip()
    names = [n.strip() for n in clean_text(attendees).split("\n") if n.strip()]
    problems: dict[str, str] = {}
    if len(text) > pack_cards.SUMMARY_MAX:
        problems["summary"] = f"Keep the summary to {pack_cards.SUMMARY_MAX:,} characters."
    if len(names) > MAX_ATTENDEES:
        problems["attendees"] = f"List at most {MAX_ATTENDEES} attendees."
    elif any(len(n) > MAX_ATTENDEE for n in names):
        problems["attendees"] = f"Keep each line to {MAX_ATTENDEE} characters."
    if problems:
        raise InvalidRequest(problems)
    now = ctx.now()
    try:
        with ctx.uow as uow:
            saved = uow.reviews.set_summary(review.id, text or None, names)
            uow.audit.add(
                review.team_id,
                actor,
                history.SUMMARY_EDITED,
                now,
                review_id=review.id,
                details={"summary_characters": len(text), "attendees": len(names)},
            )
            uow.commit()
    except StorageBusy:
        raise TryAgain(
            "Couldn't save just now — press Save again; your text is still here."
        ) from None
    return saved
