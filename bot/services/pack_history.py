"""What the audit log says about a review's packs and returns: which pack went out last, what
changed since, how many reminders a return had, earlier Slack copies a recipient still has.

Pure functions over the review's audit entries (in the order they were written). Entry ids give
the order, never the clock: two things done in the same second still come in the right order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from forms.records import RECEIVED_STATES, AgencyReturn, AuditEntry

COMPILED = "pack.compiled"
DELIVERED = "pack.delivered"
UNDELIVERED = "pack.undelivered"
COPIES_DELETED = "pack.copies_deleted"
CHANGE_NOTED = "pack.change_noted"
RELEASED = "pack.released"
HELD = "pack.held"
SUMMARY_EDITED = "summary.edited"
PAGE_SAVED = "page.saved"
SUBMITTED = frozenset({"return.submitted", "return.resubmitted"})
REMINDED = frozenset({"reminder.sent", "return.reminded"})
"""The audit actions of a reminder actually sent to a return's contact."""


@dataclass(frozen=True)
class LastOut:
    """The newest pack delivered to anyone, and the id of the audit entry of its compilation:
    what was saved after that entry is not in it."""

    version: int
    compiled_entry: int


def _int(entry: AuditEntry, key: str) -> int | None:
    value = entry.details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def last_out(audit: Sequence[AuditEntry]) -> LastOut | None:
    """The last pack that went out (was delivered to someone), or None."""
    versions = [v for e in audit if e.action == DELIVERED and (v := _int(e, "version"))]
    if not versions:
        return None
    version = max(versions)
    compiled = [e.id for e in audit if e.action == COMPILED and _int(e, "version") == version]
    first_delivery = min(
        e.id for e in audit if e.action == DELIVERED and _int(e, "version") == version
    )
    return LastOut(version, compiled[0] if compiled else first_delivery)


def saves_after(
    audit: Sequence[AuditEntry], after_entry: int, return_id: int | None = None
) -> list[tuple[int, str]]:
    """(return id, section id) of every page saved after ``after_entry``, first save first,
    each once; only those of ``return_id`` when given."""
    found: dict[tuple[int, str], None] = {}
    for e in audit:
        section = e.details.get("section")
        if (
            e.id > after_entry
            and e.action == PAGE_SAVED
            and e.return_id is not None
            and isinstance(section, str)
            and return_id in (None, e.return_id)
        ):
            found.setdefault((e.return_id, section), None)
    return list(found)


def changed_since_notes(audit: Sequence[AuditEntry], returns: Sequence[AgencyReturn]) -> list[str]:
    """ "<agency>: section X changed since pack vN" for each section of a received return saved
    after the last pack went out (none when no pack went out yet)."""
    last = last_out(audit)
    if last is None:
        return []
    received = {r.id: r for r in returns if r.state in RECEIVED_STATES}
    return [
        f"{received[rid].agency_name}: section {section} changed since pack v{last.version}"
        for rid, section in saves_after(audit, last.compiled_entry)
        if rid in received
    ]


def already_noted(audit: Sequence[AuditEntry], return_id: int, version: int) -> bool:
    """Whether the owner was already told that this return changed since pack ``version``."""
    return any(
        e.action == CHANGE_NOTED and e.return_id == return_id and _int(e, "version") == version
        for e in audit
    )


def reminders_sent(audit: Sequence[AuditEntry], return_id: int) -> int:
    """How many reminders the return's contact was sent."""
    return sum(e.action in REMINDED and e.return_id == return_id for e in audit)


def amended_at(audit: Sequence[AuditEntry], ret: AgencyReturn) -> datetime | None:
    """When a received return was last changed after its latest submission, or None."""
    if ret.state not in RECEIVED_STATES:
        return None
    mine = [e for e in audit if e.return_id == ret.id]
    submitted = [e.id for e in mine if e.action in SUBMITTED]
    if not submitted:
        return None
    later = [e.at for e in mine if e.action == PAGE_SAVED and e.id > submitted[-1]]
    return later[-1] if later else None


def entered_by(
    audit: Sequence[AuditEntry], ret: AgencyReturn, is_coordinator: Callable[[str], bool]
) -> str | None:
    """The coordinator who saved pages of the return on the agency's behalf, or None."""
    return next(
        (
            e.actor
            for e in audit
            if e.return_id == ret.id
            and e.action == PAGE_SAVED
            and e.actor != ret.contact_user_id
            and is_coordinator(e.actor)
        ),
        None,
    )


def earlier_copies(
    audit: Sequence[AuditEntry], recipient: str, version: int
) -> dict[int, list[str]]:
    """Slack files of packs older than ``version`` delivered to ``recipient`` and not deleted
    since: version -> file ids."""
    deleted = {
        v
        for e in audit
        if e.action == COPIES_DELETED
        and e.details.get("recipient") == recipient
        and (v := _int(e, "version"))
    }
    copies: dict[int, list[str]] = {}
    for e in audit:
        v = _int(e, "version")
        files = e.details.get("files")
        if (
            e.action == DELIVERED
            and e.details.get("recipient") == recipient
            and v is not None
            and v < version
            and v not in deleted
            and isinstance(files, list)
        ):
            copies.setdefault(v, []).extend(str(f) for f in files)
    return copies
