"""``rrm export REF --out DIR`` and ``rrm audit REF`` (DESIGN §3, §5): what goes to the
partnership's records system before the answers are purged, and the audit log as text.

The export folder gets the final meeting pack (HTML and PDF, compiled and recorded like any
other pack), each return as JSON (its answers in question order, with the question text and the
answer as words), the review's minimal record, and the audit log (JSON and text). The folder is
readable by its owner only: it holds OFFICIAL-SENSITIVE personal data. A purged review exports
what is left: its record and its audit log.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.services.context import Context
from bot.services.lifecycle import find_review
from bot.services.pack_build import compile_pack
from bot.services.returns import form_of
from bot.slack.blocks.text import display_value
from forms import engine
from forms.model import QuestionSet
from forms.records import AgencyReturn, Answers, AuditEntry, PackKind, Review

EXPORTED = "review.exported"


@dataclass(frozen=True)
class Exported:
    """What was written, and the pack version compiled for it (None for a purged review)."""

    review: Review
    folder: Path
    files: tuple[Path, ...]
    pack_version: int | None


def export_review(
    ctx: Context,
    *,
    team_id: str,
    reference: str,
    out: Path,
    actor: str,
    retention_days: int | None = None,
) -> Exported:
    """Write the review's final pack, its returns, its record and its audit log into ``out``
    (created, mode 0700; each file 0600). The export is audited ``review.exported``."""
    review = find_review(ctx, team_id, reference)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[Path] = []
    version: int | None = None
    with ctx.uow as uow:
        returns = uow.returns.list_for_review(review.id)
    if review.purged_at is None:
        compiled = compile_pack(
            ctx,
            team_id=team_id,
            actor=actor,
            reference_or_id=review.id,
            kind=PackKind.REQUESTED,
            recipients=(),
            retention_days=retention_days,
        )
        version = compiled.version
        written.append(_write(out / f"{compiled.filename_stem}.html", compiled.html_bytes))
        if compiled.pdf is not None:
            written.append(_write(out / f"{compiled.filename_stem}.pdf", compiled.pdf))
        form = form_of(review)
        for ret in returns:
            with ctx.uow as uow:
                answers = uow.answers.get(ret.id)
            document = return_document(review, ret, form, answers)
            written.append(_write_json(out / "returns" / f"{ret.agency_key}.json", document))
    written.append(_write_json(out / "review.json", review_record(review, returns)))
    with ctx.uow as uow:
        uow.audit.add(
            review.team_id,
            actor,
            EXPORTED,
            ctx.now(),
            review_id=review.id,
            details={"pack_version": version, "returns": len(returns) if version else 0},
        )
        uow.commit()
        entries = uow.audit.list_for_review(review.id)
    written.append(_write_json(out / "audit-log.json", [audit_json(e) for e in entries]))
    text = "\n".join(audit_lines(entries, returns)) + "\n"
    written.append(_write(out / "audit-log.txt", text.encode("utf-8")))
    return Exported(review, out, tuple(written), version)


def audit_log(ctx: Context, *, team_id: str, reference: str) -> list[str]:
    """``rrm audit REF``: the review's audit log, one line per entry, oldest first."""
    review = find_review(ctx, team_id, reference)
    with ctx.uow as uow:
        entries = uow.audit.list_for_review(review.id)
        returns = uow.returns.list_for_review(review.id)
    return audit_lines(entries, returns)


def audit_lines(entries: Sequence[AuditEntry], returns: Sequence[AgencyReturn]) -> list[str]:
    """Each entry as ``<UTC time>  <who>  <what>  [<agency>]  key=value …``."""
    agencies = {r.id: r.agency_key for r in returns}
    lines = []
    for e in entries:
        where = f"  [{agencies.get(e.return_id, e.return_id)}]" if e.return_id else ""
        details = " ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in sorted(e.details.items())
        )
        stamp = e.at.strftime("%Y-%m-%d %H:%M:%SZ")
        lines.append(f"{stamp}  {e.actor}  {e.action}{where}  {details}".rstrip())
    return lines


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as JSON."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "return_id": entry.return_id,
        "details": entry.details,
    }


def review_record(review: Review, returns: Sequence[AgencyReturn]) -> dict[str, Any]:
    """The review's minimal record: what a purge keeps (plus the pseudonym until then)."""

    def day(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "reference": review.reference,
        "pseudonym": review.pseudonym or None,
        "status": review.status.value,
        "outcome": review.outcome.value if review.outcome else None,
        "notification_date": day(review.notification_date),
        "incident_date": day(review.incident_date),
        "meeting_at": day(review.meeting_at),
        "panel_sent_date": day(review.panel_sent_date),
        "opened_at": day(review.created_at),
        "closed_at": day(review.closed_at),
        "purged_at": day(review.purged_at),
        "hold_reason": review.hold_reason,
        "returns": [
            {
                "agency": r.agency_key,
                "agency_name": r.agency_name,
                "state": r.state.value,
                "due_date": day(r.due_date),
                "submitted_at": day(r.submitted_at),
            }
            for r in returns
        ],
    }


def return_document(
    review: Review, ret: AgencyReturn, form: QuestionSet, answers: Answers
) -> dict[str, Any]:
    """One return for the records system: every stored answer in question order, with the
    question's text, the answer as words and whether the question is shown for these answers
    (an answer to a question hidden by a later choice is kept, marked ``shown: false``)."""
    shown = engine.visible_answers(form, answers)
    listed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for section in form.sections:
        for question in section.questions:
            for answer_id in (question.id, f"{question.id}.other"):
                if answer_id not in answers:
                    continue
                seen.add(answer_id)
                value = answers[answer_id]
                words = value if answer_id != question.id else display_value(question, value)
                listed.append(
                    {
                        "section": section.id,
                        "question": answer_id,
                        "text": question.text,
                        "value": value,
                        "as_words": words,
                        "shown": answer_id in shown,
                    }
                )
    listed += [
        {"section": None, "question": k, "text": None, "value": v, "as_words": v, "shown": False}
        for k, v in answers.items()
        if k not in seen
    ]
    return {
        "reference": review.reference,
        "agency": ret.agency_key,
        "agency_name": ret.agency_name,
        "state": ret.state.value,
        "contact": ret.contact_user_id,
        "due_date": ret.due_date.isoformat(),
        "submitted_at": ret.submitted_at.isoformat() if ret.submitted_at else None,
        "answers": listed,
    }


def _write_json(path: Path, document: Any) -> Path:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return _write(path, text.encode("utf-8"))


def _write(path: Path, content: bytes) -> Path:
    """Write a file readable by its owner only (its folder created 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was there already keeps no wider mode
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return path
