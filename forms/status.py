"""Derived states of a return (DESIGN §3): overdue, received. Pure rules over the records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from forms.records import RECEIVED_STATES, AgencyReturn, ReturnState

WAITING_STATES = frozenset({ReturnState.INVITED, ReturnState.IN_PROGRESS})


def is_overdue(ret: AgencyReturn, today: date) -> bool:
    """Past the end of its due date and not yet received; withdrawn returns never are."""
    return ret.state in WAITING_STATES and today > ret.due_date


def received_count(returns: Iterable[AgencyReturn]) -> tuple[int, int]:
    """(received, expected): submitted + nil + provisional out of every return not withdrawn."""
    counted = [r for r in returns if r.state is not ReturnState.WITHDRAWN]
    return sum(r.state in RECEIVED_STATES for r in counted), len(counted)
