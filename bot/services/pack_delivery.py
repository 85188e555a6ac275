"""Delivering a compiled pack: both files into each recipient's DM (``files.uploadV2`` after
``conversations.open``), the Slack file ids kept on the pack record, every delivery audited,
and the copies a recipient had of earlier versions deleted."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.messenger import DeliveryFailed, Upload
from bot.services import notify
from bot.services import pack_history as history
from bot.services.context import Context
from bot.services.pack_build import SYSTEM, CompiledPack
from bot.slack.blocks import pack_cards
from forms.records import JSONValue, PackKind, Review

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Who got which version of a review's pack, and who could not be reached (user → reason)."""

    review: Review
    version: int
    delivered: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)


def deliver(ctx: Context, compiled: CompiledPack, to: Sequence[str]) -> Delivery:
    """Upload the PDF and the HTML into each recipient's DM, keep the Slack file ids on the pack
    record and audit ``pack.delivered`` per recipient. Earlier copies a recipient had are then
    deleted (the pack's handling note promises it). Whoever cannot be reached is reported to
    the owner and audited ``pack.undelivered``."""
    if compiled.pdf is None:
        raise ValueError("only a pack compiled with its PDF can be delivered")
    review, stem = compiled.review, compiled.filename_stem
    title = f"{review.reference} meeting pack v{compiled.version}"
    files = [
        Upload(f"{stem}.pdf", compiled.pdf, f"{title} (PDF)"),
        Upload(f"{stem}.html", compiled.html_bytes, f"{title} (HTML)"),
    ]
    comment = pack_cards.upload_comment(
        review, compiled.version, draft=compiled.kind is PackKind.DRAFT
    )
    delivered: list[str] = []
    failed: dict[str, str] = {}
    for user in dict.fromkeys(to):
        try:
            file_ids = ctx.messenger.upload_to_dm(user, files, comment)
        except DeliveryFailed as exc:
            failed[user] = exc.reason
            _audit(ctx, compiled, history.UNDELIVERED, recipient=user, reason=exc.reason[:200])
            note = pack_cards.undelivered_note(review, compiled.version, user, exc.reason)
            notify.tell_owner(ctx, review, note)
            continue
        with ctx.uow as uow:
            uow.packs.add_files(compiled.pack_id, file_ids)
            uow.commit()
        _audit(ctx, compiled, history.DELIVERED, recipient=user, files=[*file_ids])
        delivered.append(user)
        _delete_earlier_copies(ctx, compiled, user)
    return Delivery(review, compiled.version, tuple(delivered), failed)


def _audit(ctx: Context, compiled: CompiledPack, action: str, **more: JSONValue) -> None:
    details: dict[str, JSONValue] = {"version": compiled.version, **more}
    now = ctx.now()
    review = compiled.review
    with ctx.uow as uow:
        uow.audit.add(
            review.team_id,
            compiled.created_by,
            action,
            now,
            review_id=review.id,
            details=details,
        )
        uow.commit()


def _delete_earlier_copies(ctx: Context, compiled: CompiledPack, user: str) -> None:
    with ctx.uow as uow:
        audit = uow.audit.list_for_review(compiled.review.id)
    for version, file_ids in history.earlier_copies(audit, user, compiled.version).items():
        try:
            for file_id in file_ids:
                ctx.messenger.delete_file(file_id)
        except DeliveryFailed as exc:
            log.warning(
                "pack v%s copies of review %s not deleted: %s",
                version,
                compiled.review.id,
                exc.reason,
            )
            continue
        with ctx.uow as uow:
            uow.audit.add(
                compiled.review.team_id,
                SYSTEM,
                history.COPIES_DELETED,
                ctx.now(),
                review_id=compiled.review.id,
                details={
                    "version": version,
                    "recipient": user,
                    "files": len(file_ids),
                    "superseded_by": compiled.version,
                },
            )
            uow.commit()
