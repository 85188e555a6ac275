"""The checks behind the chair's flags: one pure function per flag kind (see :mod:`.flags`).

Each takes the received returns (visible answers only) and returns the items that raise its
flag, naming agency and question; an empty list means the condition does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from forms.pack.answers import ReturnView, excerpt
from forms.pack.model import FlagItem

CONCERN_EVENTS = frozenset({"referral", "incident_injury", "was_not_brought"})
MEETING_EVENTS = frozenset({"strategy_discussion", "conference_meeting"})
MEETING_PROCESSES = frozenset(
    {"strategy_discussion", "s47_enquiry", "cp_conference", "core_group", "cin_meeting",
     "early_help_taf"}
)  # fmt: skip

Items = list[FlagItem]
Views = Sequence[ReturnView]


ITEM_LIMIT = 240
"""Flag items quote at most this many characters (the answer is in full in Appendix A);
the current-risk item is never cut."""


def item(view: ReturnView, qid: str, text: str, limit: int | None = ITEM_LIMIT) -> FlagItem:
    """One flag item for an agency's answer, quoted briefly (``limit`` None: in full)."""
    shown = excerpt(text, limit) if limit is not None else text
    return FlagItem(agency=view.agency, question=qid, text=shown)


def current_risk(views: Views) -> Items:
    """E2 = Yes, with what was done (E2a, never cut)."""
    items = []
    for v in views:
        if v.choice("E2") == "yes":
            when = v.label("E2a.date")
            text = v.text("E2a") or "E2a (what was done) not given"
            text = f"{text} (dated {when})" if when else text
            items.append(item(v, "E2a", text, limit=None))
    return items


def men_unassessed(views: Views) -> Items:
    """E3 = Yes somewhere, and no agency saw and assessed him (E3b); says who knew him."""
    reported = [v for v in views if v.choice("E3") == "yes"]
    if not reported or any(v.choice("E3b") == "seen_assessed" for v in reported):
        return []
    known = [v.agency for v in reported if v.choice("E3a") == "yes"]
    lead = "Not known to any agency."
    if known:
        lead = f"Known to {', '.join(known)}; assessed by none."
    items = [FlagItem(agency=None, question="E3a", text=lead)]
    for v in reported:
        text = f"Known to us: {v.label('E3a') or 'not answered'}; {v.label('E3b') or 'E3b blank'}"
        items.append(item(v, "E3b", text))
    return items


def infant_injuries(views: Views) -> Items:
    """C5 injury rows whose referral to children's social care is not Yes."""
    items = []
    for v in views:
        for row in v.rows("C5.injuries"):
            if row.get("csc_referral") == "yes":
                continue
            referral = "No" if row.get("csc_referral") == "no" else "not recorded"
            what = str(row.get("description") or "injury")
            when = v.row_label("C5.injuries", "date", row.get("date")) or "date not given"
            items.append(item(v, "C5", f"{when}: {what} — referral to CSC: {referral}"))
    return items


def record_transfer(views: Views) -> Items:
    """F2 = None or Partial."""
    return [
        item(v, "F2", f"{v.label('F2')}" + (f": {d}" if (d := v.text("F2.detail")) else ""))
        for v in views
        if v.choice("F2") in ("none", "partial")
    ]


def registration(views: Views) -> Items:
    """F4 = Yes."""
    return [
        item(v, "F4", v.text("F4.detail") or "Gaps or changes in GP or school registration")
        for v in views
        if v.choice("F4") == "yes"
    ]


def move_handover(views: Views) -> Items:
    """F3 "Not known", F3.handover = No, or F6 = No."""
    items = []
    for v in views:
        if v.choice("F3") == "not_known":
            items.append(item(v, "F3", "The child's status at the time of the move is not known"))
        if v.choice("F3.handover") == "no":
            items.append(item(v, "F3.handover", "No handover / transfer-in meeting was held"))
        if v.choice("F6") == "no":
            detail = v.text("F6.detail")
            text = "Required notifications were not made or received"
            items.append(item(v, "F6", f"{text}: {detail}" if detail else text))
    return items


def no_meeting(views: Views) -> Items:
    """Concern events (B4) in two or more agencies and no meeting (B4, G1) in any."""
    concerns = {
        v.agency: [str(r.get("B4")) for r in v.rows("B") if r.get("B4") in CONCERN_EVENTS]
        for v in views
    }
    concerned = [v for v in views if concerns[v.agency]]
    met = any(
        any(r.get("B4") in MEETING_EVENTS for r in v.rows("B"))
        or MEETING_PROCESSES & set(v.chosen("G1"))
        for v in views
    )
    if len(concerned) < 2 or met:
        return []
    return [
        item(v, "B4", "; ".join(v.row_label("B", "B4", e) for e in concerns[v.agency]))
        for v in concerned
    ]


def not_seen_alone(views: Views) -> Items:
    """Nobody answered C1 "Seen alone" (unless every answer is "Not applicable")."""
    answered = [v for v in views if v.choice("C1")]
    if any(v.choice("C1") == "seen_alone" for v in answered):
        return []
    if all(v.choice("C1") == "not_applicable" for v in answered):
        return []
    return [item(v, "C1", v.label("C1")) for v in answered]


def was_not_brought(views: Views) -> Items:
    """C8 = Yes, or chronology rows of type "Was not brought"."""
    items = []
    for v in views:
        if v.choice("C8") == "yes":
            times = v.value("C8.number")
            text = f"Not brought {times} times" if times else "Not brought to appointments"
            if detail := v.text("C8.detail"):
                text += f"; response: {detail}"
            items.append(item(v, "C8", text))
        wnb = [r for r in v.rows("B") if r.get("B4") == "was_not_brought"]
        if wnb:
            dates = ", ".join(v.row_label("B", "B1", r.get("B1")) or "undated" for r in wnb)
            text = f"{len(wnb)} chronology entries 'was not brought': {dates}"
            items.append(item(v, "B4", text))
    return items


def mental_health(views: Views) -> Items:
    """D2 = Yes with D2c "Not considered" or "Not known"."""
    return [
        item(v, "D2c", v.label("D2c") + (f": {d}" if (d := v.text("D2c.detail")) else ""))
        for v in views
        if v.choice("D2") == "yes" and v.choice("D2c") in ("not_considered", "not_known")
    ]


def lcspr(views: Views) -> Items:
    """J1 Yes or Unsure, with the criteria ticked (J1a)."""
    items = []
    for v in views:
        if v.choice("J1") in ("yes", "unsure"):
            criteria = "; ".join(v.labels("J1a")) or "no criteria ticked"
            items.append(item(v, "J1", f"{v.label('J1')} — criteria: {criteria}"))
    return items


def national(views: Views) -> Items:
    """J2 Yes or Unsure."""
    return [
        item(v, "J2", v.label("J2") + (f": {d}" if (d := v.text("J2.detail")) else ""))
        for v in views
        if v.choice("J2") in ("yes", "unsure")
    ]


def processes(views: Views) -> Items:
    """J3 names a process other than "None"."""
    return [
        item(v, "J3", "; ".join(labels))
        for v in views
        if (labels := [v.label_of("J3", x) for x in v.chosen("J3") if x != "none"])
    ]


def text_flag(qid: str) -> Callable[[Views], Items]:
    """A check that raises its flag for every agency that answered free-text ``qid``."""

    def items(views: Views) -> Items:
        return [item(v, qid, text) for v in views if (text := v.text(qid))]

    return items
