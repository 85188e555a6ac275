"""Flags for the chair: each kind is a pure check over the received returns' visible answers.

A flag is raised only when its condition holds, and names every agency and question behind it.
The kinds (stable ids), in the order the pack shows them:

- ``current_risk`` — E2 = Yes: a current risk to another child not yet acted on (with E2a).
- ``return_overdue`` / ``return_missing`` / ``return_provisional`` — see :mod:`.returns`.
- ``conflict_*`` — conflicting facts, see :mod:`.conflicts`.
- ``men_unassessed`` — some agency answered E3 = Yes and no agency saw and assessed him
  (E3b = "Seen and assessed"); the flag says whether any agency knew him (E3a).
- ``infant_injury_no_referral`` — a C5 injury row whose referral to children's social care is
  not Yes (No, or not recorded).
- ``record_transfer`` — F2 = None or Partial. ``registration_gap`` — F4 = Yes.
- ``move_handover`` — F3 status "Not known", F3.handover = No, or F6 = No.
- ``no_multi_agency_meeting`` — two or more agencies recorded concern events (B4 referral,
  incident/injury or was not brought) and no agency recorded a strategy discussion or a
  conference/meeting (B4) or a child-focused multi-agency process in G1 (strategy discussion,
  s47, CP conference, core group, CIN meeting, Early Help/TAF). MARAC and MAPPA are about adults
  and a front-door contact is not a meeting, so they do not count.
- ``not_seen_alone`` — at least one agency answered C1 with something other than "Not
  applicable", and none answered "Seen alone".
- ``was_not_brought`` — C8 = Yes, or a B row of type "Was not brought".
- ``mental_health_impact`` — D2 = Yes and D2c "Not considered" or "Not known".
- ``lcspr_view`` — J1 Yes or Unsure. ``national_importance`` — J2 Yes or Unsure.
- ``parallel_processes`` — J3 names a process. ``sharing_constraints`` — J4 answered.
- ``other_agencies`` — J5 answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from forms.pack import checks as c
from forms.pack.conflicts import conflicts
from forms.pack.model import Flag, Severity

Views = c.Views
Items = c.Items


@dataclass(frozen=True)
class Check:
    """A flag kind: its id, how serious, its title and summary, and the check itself."""

    kind: str
    severity: Severity
    title: str
    summary: str
    items: Callable[[Views], Items]


CHECKS: tuple[Check, ...] = (
    Check(
        "current_risk",
        "alert",
        "Current risk to another child reported",
        "An agency reports a current risk to another child not yet acted on (E2).",
        c.current_risk,
    ),
    Check(
        "men_unassessed",
        "concern",
        "A man in the household not known or not assessed",
        "A father, partner or other man was reported (E3) and no agency saw and assessed him.",
        c.men_unassessed,
    ),
    Check(
        "infant_injury_no_referral",
        "concern",
        "Injury to a non-mobile infant without referral",
        "Bruising, marks or injuries recorded before the incident (C5) with no referral to "
        "children's social care.",
        c.infant_injuries,
    ),
    Check(
        "record_transfer",
        "concern",
        "Moves with no or partial record transfer",
        "Information was not fully transferred when the family moved (F2).",
        c.record_transfer,
    ),
    Check(
        "registration_gap",
        "concern",
        "Gaps in GP or school registration",
        "Gaps or changes in GP or school registration (F4).",
        c.registration,
    ),
    Check(
        "move_handover",
        "concern",
        "Transfer at a move: status, handover or notification",
        "At a move the child's status was not known, no handover meeting was held, or a "
        "required notification was not made (F3, F6).",
        c.move_handover,
    ),
    Check(
        "no_multi_agency_meeting",
        "concern",
        "Concerns in several agencies, no multi-agency meeting",
        "Two or more agencies recorded concerns, but no agency recorded a strategy discussion "
        "or multi-agency meeting (B4, G1).",
        c.no_meeting,
    ),
    Check(
        "not_seen_alone",
        "concern",
        "The child was not seen alone by any agency",
        "No agency records seeing the child alone (C1).",
        c.not_seen_alone,
    ),
    Check(
        "was_not_brought",
        "concern",
        "Was not brought",
        "The child was not brought to appointments (C8, chronology).",
        c.was_not_brought,
    ),
    Check(
        "mental_health_impact",
        "concern",
        "Parental mental health: impact on parenting not considered",
        "A parent's mental health was known and its impact on parenting was not considered "
        "or is not known (D2c).",
        c.mental_health,
    ),
    Check(
        "lcspr_view",
        "info",
        "Agencies saying the LCSPR criteria are or may be met",
        "Agencies' view on a local child safeguarding practice review (J1).",
        c.lcspr,
    ),
    Check(
        "national_importance",
        "info",
        "Possible national importance",
        "Agencies saying the case may raise complex issues or issues of national importance (J2).",
        c.national,
    ),
    Check(
        "parallel_processes",
        "info",
        "Parallel processes",
        "Other reviews or processes the meeting should know of (J3).",
        c.processes,
    ),
    Check(
        "sharing_constraints",
        "info",
        "Constraints on sharing",
        "Constraints on sharing the chair should know (J4).",
        c.text_flag("J4"),
    ),
    Check(
        "other_agencies",
        "info",
        "Other agencies to contact",
        "Agencies or practitioners who may hold information and have not been asked (J5).",
        c.text_flag("J5"),
    ),
)


def content_flags(views: Views) -> tuple[list[Flag], list[str]]:
    """(flags raised from the answers, titles of the checks that found nothing).

    ``current_risk`` comes first; the conflicts follow it, then the other checks in order.
    """
    raised: list[Flag] = []
    clear: list[str] = []
    for check in CHECKS:
        items = check.items(views)
        if items:
            raised.append(Flag(kind=check.kind, severity=check.severity, title=check.title,
                               summary=check.summary, items=tuple(items)))  # fmt: skip
        else:
            clear.append(check.title)
    found = conflicts(views)
    if not found:
        clear.insert(1, "Conflicting facts across agencies")
    current = [f for f in raised if f.kind == "current_risk"]
    rest = [f for f in raised if f.kind != "current_risk"]
    return [*current, *found, *rest], clear
