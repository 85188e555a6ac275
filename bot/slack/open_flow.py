"""`/rrm open` with a modal: show it (pre-filled from the text form), re-render it when the
agencies change, and open the review from its submission."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import reviews
from bot.services.context import Context
from bot.slack.blocks.open_review import (
    OpenDraft,
    draft_from_args,
    open_defaults,
    open_review_view,
)
from bot.slack.grammar import OpenArgs
from bot.slack.open_state import (
    WARNED_KEY,
    default_contacts,
    pseudonym_notice,
    suggest_reference,
)
from forms.pseudonym import pseudonym_warnings


def opened_text(opened: reviews.Opened) -> str:
    """The coordinator's confirmation: what was opened and what could not be delivered."""
    review = opened.review
    lines = [
        f"Opened rapid review *{review.reference}*: requests sent to the agency contacts; the "
        "status card in this channel shows the returns as they arrive."
    ]
    for agency, reason in opened.undelivered.items():
        lines.append(f"• Not delivered to {agency}: {reason}")
    return "\n".join(lines)


def modal(
    ctx: Context,
    *,
    team_id: str,
    channel: str,
    values: OpenDraft,
    notice: str | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The open-review modal for these values (the partnership's defaults fill the blanks)."""
    partnership = ctx.config.partnership
    chosen = tuple(values.agencies or ())
    contacts = default_contacts(partnership, chosen, ctx.messenger.lookup_email)
    contacts.update({k: v for k, v in values.contacts.items() if v})
    reference = values.reference or suggest_reference(
        ctx.today().year, reviews.existing_references(ctx, team_id)
    )
    defaults = open_defaults(
        values, partnership, today=ctx.today(), add_working_days=ctx.calendar.add_working_days
    )
    return open_review_view(
        partnership=partnership,
        reference=reference,
        chosen=chosen,
        contacts=contacts,
        values=values,
        defaults=defaults,
        meta={"c": channel, **(extra_meta or {})},
        notice=notice,
    )


def open_modal(
    ctx: Context, client: WebClient, *, trigger_id: str, team_id: str, channel: str, args: OpenArgs
) -> None:
    """Open the modal, pre-filled with whatever the text form gave. A pseudonym that looks
    identifying is flagged at the top, as in the modal itself: Open review keeps it."""
    warnings = pseudonym_warnings(args.child) if args.child else []
    view = modal(
        ctx,
        team_id=team_id,
        channel=channel,
        values=draft_from_args(args),
        notice=pseudonym_notice(warnings) if warnings else None,
        extra_meta={WARNED_KEY: args.child} if warnings else None,
    )
    client.views_open(trigger_id=trigger_id, view=view)
