"""Edit after submit (DESIGN §3): a received return (submitted, nil or provisional) can be
changed by its contact until the review is locked or closed. It stays received — counted in
"n of m", no reminders restart — and each page saved with a change is an amendment: the
return's ``amended_at`` is set and the audit gets ``return.amended`` with the section id only.
"""

from __future__ import annotations

from datetime import datetime

from forms.records import RECEIVED_STATES, AgencyReturn
from storage.ports import UnitOfWork

AMENDED = "return.amended"


def is_amendment(ret: AgencyReturn) -> bool:
    """Whether a change to ``ret`` now changes a return already received."""
    return ret.state in RECEIVED_STATES


def record(
    uow: UnitOfWork,
    *,
    team_id: str,
    actor: str,
    ret: AgencyReturn,
    section_id: str,
    at: datetime,
) -> AgencyReturn:
    """Inside the unit of work that saved the page: note the amendment (ids only)."""
    amended = uow.returns.set_amended(ret.id, at, at)
    uow.audit.add(
        team_id,
        actor,
        AMENDED,
        at,
        review_id=ret.review_id,
        return_id=ret.id,
        details={"section": section_id},
    )
    return amended
