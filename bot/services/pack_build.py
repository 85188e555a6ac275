"""Compiling a meeting pack: load the review, every return with its answers and the audit log,
build the pack's view-model, render HTML and PDF, and record the pack (never its content).

The PDF is rendered with the review's kept chunks (``bot.services.pack_chunks``): each return
of Appendix A rendered when it was received (``bot.services.pack_cache``) or for an earlier
pack is merged, not rendered again; what is rendered is kept, and what this pack did not use is
pruned.

Callers check roles first (``bot.services.packs``); this module only compiles.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.messenger import DeliveryFailed
from bot.services import pack_history as history
from bot.services.context import Context
from bot.services.errors import NotFound, TryAgain
from bot.services.pack_chunks import StoredChunks
from forms.loader import load_question_set_text
from forms.model import QuestionSet
from forms.pack import PackInput, ReturnInput, build_pack, render_html
from forms.pack.pdf import PdfStats, Workers, render_pdf_with_stats
from forms.records import NewPack, PackKind, Review
from storage.repositories.packs import DuplicatePackVersion

log = logging.getLogger(__name__)

SYSTEM = "system"
"""The actor of what the bot does by itself (the reminder sweep's drafts and chair packs)."""
_TRIES = 3
_ONE_AT_A_TIME = threading.Lock()
"""PDFs are compiled one at a time in this process, the others waiting their turn: each runs its
own worker processes (about 100 MB and a core each), and under load several compiles at once ran
a dozen of them beside the requests (``bench/README.md``)."""
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True)
class CompiledPack:
    """A pack as rendered, held only in memory until it is delivered or written out.
    ``pdf`` is None when only the HTML was asked for (``rrm pack --format html``)."""

    pack_id: int
    review: Review
    version: int
    kind: PackKind
    created_by: str
    recipients: tuple[str, ...]
    html: str = field(repr=False)
    pdf: bytes | None = field(repr=False)
    html_sha256: str
    pdf_sha256: str | None
    filename_stem: str
    pdf_stats: PdfStats | None = field(default=None, repr=False, compare=False)
    """How the PDF was made (chunks kept from before: ``cache_hits``)."""

    @property
    def html_bytes(self) -> bytes:
        """The HTML file's bytes (UTF-8): what ``html_sha256`` is the hash of."""
        return self.html.encode("utf-8")


@lru_cache(maxsize=32)
def _form(text: str) -> QuestionSet:
    return load_question_set_text(text, "the question set stored with the review")


def display_name(ctx: Context, user_id: str) -> str:
    """How a person is named on the cover: their Slack name when the messenger's user record
    carries one (``name``), otherwise their Slack user id."""
    try:
        user = ctx.messenger.user_info(user_id)
    except DeliveryFailed:
        return user_id
    name = user.name if user is not None else None
    return name if name and name.strip() else user_id


def filename_stem(review: Review, version: int, kind: PackKind) -> str:
    """``RR-2026-014-v2`` (``-draft`` added to the owner's draft): safe as a file name."""
    reference = _UNSAFE_IN_FILENAME.sub("-", review.reference).strip("-") or f"review-{review.id}"
    return f"{reference}-v{version}" + ("-draft" if kind is PackKind.DRAFT else "")


def load_review(ctx: Context, team_id: str, reference_or_id: str | int) -> Review:
    """The review by id or by reference, in ``team_id`` only; NotFound otherwise."""
    with ctx.uow as uow:
        if isinstance(reference_or_id, int):
            review = uow.reviews.get(reference_or_id)
        else:
            review = uow.reviews.get_by_reference(team_id, reference_or_id.strip().upper())
    if review is None or review.team_id != team_id:
        shown = reference_or_id if isinstance(reference_or_id, int) else reference_or_id.upper()
        raise NotFound(f"There is no review {shown}. `/rrm status` lists them.")
    return review


def _inputs(
    ctx: Context,
    review: Review,
    kind: PackKind,
    recipients: Sequence[str],
    retention_days: int | None,
) -> PackInput:
    with ctx.uow as uow:
        returns = uow.returns.list_for_review(review.id)
        answers = {r.id: uow.answers.get(r.id) for r in returns}
        audit = uow.audit.list_for_review(review.id)
        version = uow.packs.next_version(review.id)
    typed_by: dict[int, str | None] = {}
    for r in returns:
        coordinator = r.entered_by or history.entered_by(audit, r, ctx.is_coordinator)
        typed_by[r.id] = display_name(ctx, coordinator) if coordinator else None
    return PackInput(
        review=review,
        partnership=ctx.config.partnership.name,
        form=_form(review.form_content),
        returns=[
            ReturnInput(
                ret=r,
                answers=answers[r.id],
                reminders_sent=history.reminders_sent(audit, r.id),
                amended_at=history.amended_at(audit, r),
                entered_by=typed_by[r.id],
                received_on=r.received_on,
            )
            for r in returns
        ],
        version=version,
        generated_at=ctx.now(),
        today=ctx.today(),
        calendar=ctx.calendar,
        tz=ctx.zone,
        recipients=[display_name(ctx, user) for user in recipients],
        changed_since=history.changed_since_notes(audit, returns),
        case_summary=review.case_summary,
        attendees=review.attendees,
        chair_name=display_name(ctx, review.chair),
        draft=kind is PackKind.DRAFT,
        retention_days=retention_days,
    )


def next_html(ctx: Context, review: Review) -> str:
    """The HTML of the review's next pack as a draft for nobody: what a compile now would render
    but for the cover (the chunks of its returns are those the compile renders)."""
    return render_html(build_pack(_inputs(ctx, review, PackKind.DRAFT, (), None)))


def _render_pdf(
    ctx: Context, review: Review, html: str, workers: Workers | None
) -> tuple[bytes, PdfStats]:
    chunks = StoredChunks(ctx, review.id)
    pdf, stats = render_pdf_with_stats(html, cache=chunks, workers=workers)
    chunks.save(prune=True)
    log.info(
        "pack PDF of review %s: %d pages, %d of %d chunks kept from before, rendered in %.1f s",
        review.id,
        stats.pages,
        stats.cache_hits,
        stats.chunks - 1,
        sum(stats.seconds.values()),
    )
    return pdf, stats


def compile_pack(
    ctx: Context,
    *,
    team_id: str,
    actor: str,
    reference_or_id: str | int,
    kind: PackKind,
    recipients: Sequence[str],
    pdf: bool = True,
    retention_days: int | None = None,
) -> CompiledPack:
    """Compile the review's next pack version for ``recipients`` (Slack user ids, listed on
    the cover by name), render it, and record it with its sha256 — never its content — and
    audit ``pack.compiled``. Takes seconds (the PDF): never call it before answering Slack.

    Raises NotFound for a review not in ``team_id``; TryAgain if other processes kept taking
    the version first.
    """
    review = load_review(ctx, team_id, reference_or_id)
    recipients = tuple(dict.fromkeys(recipients))
    with (
        _ONE_AT_A_TIME if pdf else contextlib.nullcontext(),
        Workers() if pdf else contextlib.nullcontext() as workers,  # started while we build
    ):
        return _compile(ctx, review, kind, actor, recipients, retention_days, workers)


def _compile(
    ctx: Context,
    review: Review,
    kind: PackKind,
    actor: str,
    recipients: tuple[str, ...],
    retention_days: int | None,
    workers: Workers | None,
) -> CompiledPack:
    for _ in range(_TRIES):
        inp = _inputs(ctx, review, kind, recipients, retention_days)
        html = render_html(build_pack(inp))
        pdf_bytes, stats = _render_pdf(ctx, review, html, workers) if workers else (None, None)
        html_sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
        pdf_sha = hashlib.sha256(pdf_bytes).hexdigest() if pdf_bytes is not None else None
        now = ctx.now()
        new = NewPack(review.id, inp.version, kind, now, actor, recipients, html_sha, pdf_sha)
        try:
            with ctx.uow as uow:
                record = uow.packs.add(new)
                uow.audit.add(
                    review.team_id,
                    actor,
                    history.COMPILED,
                    now,
                    review_id=review.id,
                    details={
                        "version": record.version,
                        "kind": kind.value,
                        "recipients": list(recipients),
                        "html_sha256": html_sha,
                        "pdf_sha256": pdf_sha,
                    },
                )
                uow.commit()
        except DuplicatePackVersion:
            continue  # compiled at the same moment elsewhere: this one becomes the next version
        return CompiledPack(
            pack_id=record.id,
            review=review,
            version=record.version,
            kind=kind,
            created_by=actor,
            recipients=recipients,
            html=html,
            pdf=pdf_bytes,
            html_sha256=html_sha,
            pdf_sha256=pdf_sha,
            filename_stem=filename_stem(review, record.version, kind),
            pdf_stats=stats,
        )
    raise TryAgain("The pack was being compiled elsewhere at the same time; ask for it again.")
