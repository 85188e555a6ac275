"""Golden tests of build_pack on the fixed fixture review (tests/unit/fixtures/pack/review.py).

Each flag and each conflict is checked both ways: it fires on the fixture (or after one answer is
changed) exactly when its condition holds, and not after the one answer that makes it false.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from forms.engine import stored_answer_errors
from forms.pack import Pack, build_pack
from forms.pack.model import StatusRow
from forms.pack.people import age_band
from forms.parsing import JSONValue
from forms.records import ReturnState
from tests.unit.fixtures.pack import review as fx

Answers = dict[str, dict[str, JSONValue]]


def _build(change: Callable[[Answers], None] | None = None, **kwargs: object) -> Pack:
    answers = fx.answers()
    if change is not None:
        change(answers)
    return build_pack(fx.pack_input(answers, **kwargs))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pack() -> Pack:
    return _build()


def _status(pack: Pack, agency: str) -> StatusRow:
    return next(r for r in pack.status.rows if r.agency == agency)


def test_the_fixture_answers_fit_the_question_set() -> None:
    for key, answers in fx.answers().items():
        assert stored_answer_errors(fx.form(), answers) == {}, key


def test_every_section_of_the_pack_is_there(pack: Pack) -> None:
    assert [c.anchor for c in pack.contents] == [
        "cover", "flags", "status", "family", "summary", "chronology", "moves", "themes",
        "learning", "actions", "views", "decision", "appendix-a", "appendix-b",
    ]  # fmt: skip
    assert pack.flags and pack.status.rows and pack.family.people and pack.chronology.rows
    assert pack.moves and pack.themes.matrix and pack.learning and pack.actions
    assert pack.views.rows and pack.decision.reg11 and pack.appendix
    assert {g.term for g in pack.reference.glossary} >= {
        "SIN", "LCSPR", "MASH", "s47", "ICPC", "WNB", "CP", "CIN", "CLA / LAC", "MARAC",
        "MAPPA", "TAF", "CDOP", "ICB", "IOPC", "NAI", "SUDI",
    }  # fmt: skip
    refs = " ".join(item.ref for item in pack.reference.legal)
    for ref in ("s16C", "s16E", "s16F", "SI 2018/789, regulation 11", "2023, chapter 5"):
        assert ref in refs
    assert [c.ref for c in pack.decision.reg11] == [f"reg 11({x})" for x in "abcd"]


def test_the_cover(pack: Pack) -> None:
    c = pack.cover
    assert c.marking == "OFFICIAL-SENSITIVE"
    assert (c.pseudonym, c.reference) == ("Child A", "RR-2026-014")
    assert c.partnership == "Northshire Safeguarding Children Partnership"
    assert c.incident_date == "Saturday 14 November 2026"
    assert c.notification_date == "Wednesday 18 November 2026"
    # 15 working days after Wednesday 18 November 2026, seen on Tuesday 1 December.
    assert c.rr_due_date == "Wednesday 9 December 2026"
    assert c.rr_days_remaining == "6 working days left"
    assert c.meeting == "Wednesday 9 December 2026, 10:00 GMT"
    assert c.chair == "Dr R. Chair"
    assert c.version == "Version 2" and not c.draft
    assert c.generated == "Tuesday 1 December 2026, 09:00 GMT"
    assert c.distribution == ("Dr R. Chair (independent chair)", "Jo Coordinator (business unit)")
    assert c.changed_since == ("Northshire Police: section B changed since pack v1",)
    assert "365 days after the review is closed" in c.handling
    assert "3 submitted, 1 nil, 1 provisional" in c.contents_note
    assert [a.status for a in c.agencies] == [
        "Submitted", "Submitted", "Submitted", "Nil return", "Provisional", "Overdue",
        "Not started",
    ]  # fmt: skip
    assert _build(draft=True).cover.draft


def test_the_status_table_shows_every_state(pack: Pack) -> None:
    assert (pack.status.received, pack.status.expected) == (5, 7)
    police = _status(pack, "Northshire Police")
    assert (police.status, police.submitted, police.reminders) == ("Submitted", "24 Nov 2026", 2)
    assert police.approved_by == "Detective Inspector, Public Protection, 24 Nov 2026"
    assert "Amended after submission on 27 Nov 2026 10:00" in police.notes
    assert _status(pack, "Northshire Medical Practice").approved_by == "Awaiting sign-off"
    school = _status(pack, "Northshire Primary School")
    assert school.status == "Nil return"
    assert "entered on the agency's behalf by Jo Coordinator (business unit)" in school.notes
    housing = _status(pack, "Northshire Homes")
    assert (housing.status, housing.detail) == (
        "Provisional",
        "Not yet able to confirm; expects to by 3 Dec 2026",
    )
    csc = _status(pack, "Northshire Children's Social Care")
    assert (csc.status, csc.submitted, csc.reminders) == ("Overdue", "", 4)
    assert csc.detail.endswith("sections saved, not submitted") and " of " in csc.detail
    assert csc.notes == ("2 working days overdue",)
    maternity = _status(pack, "Northshire Maternity Service")
    assert (maternity.status, maternity.due) == ("Not started", "4 Dec 2026")
    withdrawn = _build(states={"maternity": ReturnState.WITHDRAWN})
    assert _status(withdrawn, "Northshire Maternity Service").status == "Withdrawn"
    assert (withdrawn.status.received, withdrawn.status.expected) == (5, 6)


def test_the_chronology_merges_agencies_by_date(pack: Pack) -> None:
    rows = [(r.date, r.approx, r.agency.split()[-1], r.key) for r in pack.chronology.rows]
    assert rows == [
        ("Mar 2026", True, "Police", False),
        ("12 Jun 2026", False, "Practice", False),
        ("12 Jun 2026 23:40", False, "Police", True),
        ("Jul 2026", True, "Practice", False),
        ("20 Jul 2026", False, "Visiting", True),  # equal dates keep the returns' order
        ("20 Jul 2026", False, "Practice", False),
        ("Aug 2026", True, "Visiting", False),
        ("15 Sep 2026", False, "Visiting", True),
        ("14 Nov 2026 19:05", False, "Police", False),
    ]
    first = pack.chronology.rows[2]
    assert (first.source, first.event_type, first.shared_with) == (
        "Response officer",
        "Referral made / received",
        "Children's social care",
    )
    assert first.persons == "Mother; Mother's partner / step-parent"
    assert [g.agency for g in pack.chronology.gaps] == [
        "Northshire Police",
        "Northshire Health Visiting",
    ]


def test_equal_dates_follow_the_order_of_the_returns() -> None:
    inp = fx.pack_input()
    reordered = build_pack(dataclasses.replace(inp, returns=list(inp.returns)[::-1]))
    same_day = [r.agency for r in reordered.chronology.rows if r.date == "20 Jul 2026"]
    assert same_day == ["Northshire Medical Practice", "Northshire Health Visiting"]


def test_an_undated_row_comes_last() -> None:
    def undate(a: Answers) -> None:
        rows = a["police"]["B"]
        assert isinstance(rows, list) and isinstance(rows[0], dict)
        values = rows[0]["values"]
        assert isinstance(values, dict)
        del values["B1"]

    rows = _build(undate).chronology.rows
    assert (rows[-1].date, rows[-1].sort_date, rows[-1].agency) == (
        "Date not given",
        None,
        "Northshire Police",
    )


def test_moves_are_sorted_with_each_agencys_transfer_answers(pack: Pack) -> None:
    moves = [(m.area, m.from_date, m.agency, m.transfer) for m in pack.moves]
    assert moves == [
        (
            "Westmoor",
            "Aug 2025 (approx.)",
            "Northshire Medical Practice",
            "Full (received Oct 2026 (approx.))",
        ),
        ("Southshire", "Sep 2025 (approx.)", "Northshire Police", "Partial"),
        ("Southshire", "Oct 2025 (approx.)", "Northshire Health Visiting", "None"),
    ]
    assert pack.moves[2].handover == "No"


def test_family_and_network_merges_people_across_agencies(pack: Pack) -> None:
    people = {p.who: p for p in pack.family.people}
    assert people["Child A"].known_to == (
        "Northshire Health Visiting",
        "Northshire Medical Practice",
    )
    assert people["Child A"].age_band == "Under 1"
    assert people["Mother"].known_to == (
        "Northshire Police",
        "Northshire Health Visiting",
        "Northshire Medical Practice",
    )
    sibling = people["Sibling 1"]  # "sibling 1" from the GP merges with it
    assert sibling.known_to == (
        "Northshire Police",
        "Northshire Health Visiting",
        "Northshire Medical Practice",
    )
    assert sibling.age_band == "5–10" and sibling.relationship == "Half-brother"
    assert people["Sibling 2"].age_band == "1–4"
    man = people["Father, partner or other man (E3)"]
    assert man.known_to == ("Northshire Police",)
    assert "Northshire Health Visiting: Not known to us" in man.notes
    assert [e.agency for e in pack.family.other_carers] == ["Northshire Health Visiting"]


@pytest.mark.parametrize(
    ("typed", "band"),
    [("unborn", "Unborn"), ("6 weeks", "Under 1"), ("14 months", "1–4"), ("4", "1–4"),
     ("6 years", "5–10"), ("12", "11–15"), ("17 yrs", "16–17"), ("34", "Adult"),
     ("toddler", "toddler")],
)  # fmt: skip
def test_age_bands(typed: str, band: str) -> None:
    assert age_band(typed) == band


def test_case_summary_is_the_coordinators_text_else_each_agencys_a4(pack: Pack) -> None:
    assert pack.summary.incident and "fractured femur" in pack.summary.incident
    assert pack.summary.coordinator_text is None
    assert [s.agency for s in pack.summary.agency_summaries] == [
        "Northshire Police",
        "Northshire Health Visiting",
        "Northshire Medical Practice",
    ]
    edited = _build(case_summary="Child A, 4 months, was admitted with a fracture.")
    assert edited.summary.coordinator_text == "Child A, 4 months, was admitted with a fracture."
    assert edited.summary.agency_summaries == ()


def test_themes_learning_actions_and_views(pack: Pack) -> None:
    matrix = {c.label: c.count for c in pack.themes.matrix}
    assert matrix["Information sharing"] == 2 and matrix["Parental mental health"] == 2
    assert pack.themes.matrix[0].count == 2 and "Neglect" not in matrix
    assert [s.title for s in pack.themes.syntheses] == [
        "Parental health and parenting", "Siblings and other carers",
        "The child's lived experience",
    ]  # fmt: skip
    parents = pack.themes.syntheses[0]
    assert any("Not considered: Northshire Health Visiting" in p for p in parents.points)
    assert [entry.agency for entry in pack.learning] == [
        "Northshire Police",
        "Northshire Health Visiting",
    ]
    assert [(a.agency.split()[-1], a.status) for a in pack.actions] == [
        ("Police", "Taken"),
        ("Police", "Planned"),
        ("Visiting", "In progress"),
    ]
    views = {v.agency: v for v in pack.views.rows}
    assert views["Northshire Police"].criteria == (
        "Concerns about two or more agencies working together",
        "More than one LA / police / ICB area",
    )
    assert views["Northshire Police"].national.startswith("Unsure: Possible learning")
    assert pack.views.tally == (
        "Yes: Northshire Police; Unsure: Northshire Health Visiting; "
        "No: Northshire Medical Practice"
    )
    assert pack.views.processes[0].known == ("Criminal investigation / prosecution",)


# --- flags -------------------------------------------------------------------------------------

ON_THE_FIXTURE = {
    "return_overdue", "return_missing", "return_provisional", "conflict_moves_area",
    "conflict_other_children", "men_unassessed", "infant_injury_no_referral",
    "record_transfer", "registration_gap", "move_handover", "no_multi_agency_meeting",
    "not_seen_alone", "was_not_brought", "mental_health_impact", "lcspr_view",
    "national_importance", "parallel_processes", "sharing_constraints", "other_agencies",
}  # fmt: skip


def test_the_flags_raised_on_the_fixture(pack: Pack) -> None:
    assert pack.flag_kinds == ON_THE_FIXTURE
    assert "current_risk" not in pack.flag_kinds
    assert "Current risk to another child reported" in pack.flags_clear


def _set(agency: str, **values: JSONValue) -> Callable[[Answers], None]:
    def change(a: Answers) -> None:
        for key, value in values.items():
            qid = key.replace("__", ".")
            if value is None:
                a[agency].pop(qid, None)
            else:
                a[agency][qid] = value

    return change


def _rows(
    agency: str, qid: str, change: Callable[[dict[str, JSONValue]], None]
) -> Callable[[Answers], None]:
    def apply(a: Answers) -> None:
        rows = a[agency][qid]
        assert isinstance(rows, list)
        for row in rows:
            assert isinstance(row, dict) and isinstance(row["values"], dict)
            change(row["values"])

    return apply


def _wnb_to_referral(values: dict[str, JSONValue]) -> None:
    if values.get("B4") == "was_not_brought":
        values["B4"] = "referral"


def _first_row_only(agency: str, qid: str) -> Callable[[Answers], None]:
    def apply(a: Answers) -> None:
        rows = a[agency][qid]
        assert isinstance(rows, list)
        a[agency][qid] = rows[:1]

    return apply


def _both(*changes: Callable[[Answers], None]) -> Callable[[Answers], None]:
    def apply(a: Answers) -> None:
        for change in changes:
            change(a)

    return apply


# (kind, agency and question expected on the flag, the one change that makes it false)
OFF_SWITCHES: list[tuple[str, tuple[str | None, str | None], Callable[[Answers], None]]] = [
    ("conflict_moves_area", ("Northshire Medical Practice", "F1a"),
     _rows("gp", "F1a", lambda v: v.update(area="southshire "))),
    ("conflict_other_children", ("Northshire Health Visiting", "E1"),
     _first_row_only("hv", "E1.children")),
    ("men_unassessed", ("Northshire Police", "E3b"), _set("police", E3b="seen_assessed")),
    ("infant_injury_no_referral", ("Northshire Health Visiting", "C5"),
     _rows("hv", "C5.injuries", lambda v: v.update(csc_referral="yes"))),
    ("record_transfer", ("Northshire Health Visiting", "F2"),
     _both(_set("hv", F2="full"), _set("police", F2="full"))),
    ("registration_gap", ("Northshire Health Visiting", "F4"), _set("hv", F4="no")),
    ("move_handover", ("Northshire Health Visiting", "F3.handover"), _set("hv", F3__handover="yes")),
    ("no_multi_agency_meeting", ("Northshire Police", "B4"),
     _set("gp", G1=["strategy_discussion"], G1__strategy_discussion__date="2026-06-14")),
    ("not_seen_alone", ("Northshire Police", "C1"), _set("gp", C1="seen_alone")),
    ("was_not_brought", ("Northshire Health Visiting", "C8"),
     _both(_set("hv", C8="no"), _rows("hv", "B", _wnb_to_referral))),
    ("mental_health_impact", ("Northshire Health Visiting", "D2c"),
     _set("hv", D2c="assessed_recorded")),
    ("lcspr_view", ("Northshire Police", "J1"), _both(_set("police", J1="no"), _set("hv", J1="no"))),
    ("national_importance", ("Northshire Police", "J2"), _set("police", J2="no")),
    ("parallel_processes", ("Northshire Police", "J3"), _set("police", J3=["none"])),
    ("sharing_constraints", ("Northshire Police", "J4"), _set("police", J4=None)),
    ("other_agencies", ("Northshire Health Visiting", "J5"), _set("hv", J5=None)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "source", "off"), OFF_SWITCHES, ids=[k for k, _, _ in OFF_SWITCHES]
)
def test_a_flag_names_its_source_and_goes_when_its_condition_does(
    pack: Pack,
    kind: str,
    source: tuple[str | None, str | None],
    off: Callable[[Answers], None],
) -> None:
    flag = pack.flag(kind)
    assert flag is not None
    assert source in {(item.agency, item.question) for item in flag.items}
    changed = _build(off)
    assert kind not in changed.flag_kinds
    assert changed.flag_kinds == ON_THE_FIXTURE - {kind}


def test_current_risk_fires_with_the_action_taken() -> None:
    pack = _build(_set("hv", E2="yes", E2a="Referred Sibling 2 to the front door.",
                       E2a__date="2026-11-30"))  # fmt: skip
    flag = pack.flag("current_risk")
    assert flag is not None and pack.flags[0] is flag and flag.severity == "alert"
    assert [(i.agency, i.question, i.text) for i in flag.items] == [
        ("Northshire Health Visiting", "E2a",
         "Referred Sibling 2 to the front door. (dated 30 Nov 2026)"),
    ]  # fmt: skip
    # E2 answered Yes in an in-progress return (CSC) never reaches the pack.
    assert "IN-PROGRESS" not in flag.model_dump_json()


def test_the_returns_flags() -> None:
    on_time = _build(today=fx.RETURNS_DUE)
    assert "return_overdue" not in on_time.flag_kinds
    missing = on_time.flag("return_missing")
    assert missing is not None
    assert [i.agency for i in missing.items] == [
        "Northshire Children's Social Care",
        "Northshire Maternity Service",
    ]
    late = _build(today=fx.TODAY.replace(day=7))
    overdue = late.flag("return_overdue")
    assert overdue is not None and "return_missing" not in late.flag_kinds
    assert len(overdue.items) == 2
    all_in = _build(states={"housing": ReturnState.SUBMITTED, "csc": ReturnState.WITHDRAWN,
                            "maternity": ReturnState.WITHDRAWN})  # fmt: skip
    assert not {"return_overdue", "return_missing", "return_provisional"} & all_in.flag_kinds


def test_child_not_seen_alone_is_not_raised_when_every_answer_is_not_applicable() -> None:
    every_na = _build(_both(*(_set(k, C1="not_applicable") for k in ("police", "hv", "gp"))))
    assert "not_seen_alone" not in every_na.flag_kinds


def test_no_meeting_needs_concerns_in_two_agencies() -> None:
    one = _build(_rows("hv", "B", lambda v: v.update(B4="contact_appointment")))
    assert "no_multi_agency_meeting" not in one.flag_kinds
    met = _build(_rows("gp", "B", lambda v: v.update(B4="strategy_discussion")))
    assert "no_multi_agency_meeting" not in met.flag_kinds
    marac = _build(_set("gp", G1=["marac"]))
    assert "no_multi_agency_meeting" in marac.flag_kinds


def test_men_never_known_to_any_agency() -> None:
    pack = _build(_set("police", E3a="no"))
    flag = pack.flag("men_unassessed")
    assert flag is not None and flag.items[0].text == "Not known to any agency."


# --- conflicting facts -------------------------------------------------------------------------


def test_conflict_under_one_fires_exactly_on_yes_against_no(pack: Pack) -> None:
    assert "conflict_under_one" not in pack.flag_kinds
    changed = _build(_set("gp", C4="no"))
    flag = changed.flag("conflict_under_one")
    assert flag is not None
    assert [(i.agency, i.text) for i in flag.items] == [
        ("Northshire Police", "Yes"), ("Northshire Health Visiting", "Yes"),
        ("Northshire Medical Practice", "No"),
    ]  # fmt: skip
    assert "conflict_under_one" not in _build(_set("gp", C4=None)).flag_kinds


def test_conflict_man_in_household_fires_exactly_on_yes_against_no(pack: Pack) -> None:
    assert "conflict_man_in_household" not in pack.flag_kinds  # GP said "unknown"
    flag = _build(_set("gp", E3="no")).flag("conflict_man_in_household")
    assert flag is not None
    assert {i.agency for i in flag.items} == {
        "Northshire Police",
        "Northshire Health Visiting",
        "Northshire Medical Practice",
    }
    assert "conflict_man_in_household" not in _build(_set("gp", E3="yes")).flag_kinds


def test_conflict_moves_area(pack: Pack) -> None:
    flag = pack.flag("conflict_moves_area")
    assert flag is not None
    assert [(i.agency, i.question, i.text) for i in flag.items] == [
        ("Northshire Police", "F1a", "Southshire (Sep 2025 to Feb 2026) is not in the moves "
         "of Northshire Medical Practice (records Westmoor)"),
        ("Northshire Health Visiting", "F1a", "Southshire (Oct 2025 to Jan 2026) is not in the "
         "moves of Northshire Medical Practice (records Westmoor)"),
        ("Northshire Medical Practice", "F1a", "Westmoor (Aug 2025 to Dec 2025) is not in the "
         "moves of Northshire Police (records Southshire); Northshire Health Visiting (records "
         "Southshire)"),
    ]  # fmt: skip
    # The same area, spelt differently: no conflict.
    same = _build(_rows("gp", "F1a", lambda v: v.update(area=" SOUTHSHIRE")))
    assert "conflict_moves_area" not in same.flag_kinds
    # Dates that do not overlap: no conflict.
    earlier = _build(_rows("gp", "F1a", lambda v: v.update({"from": "2024-01", "to": "2024-06"})))
    assert "conflict_moves_area" not in earlier.flag_kinds
    # An agency that did not answer F1 = Yes is not compared.
    no_moves = _build(_set("gp", F1="unknown"))
    assert "conflict_moves_area" not in no_moves.flag_kinds


def test_conflict_other_children_counts_e1_rows(pack: Pack) -> None:
    flag = pack.flag("conflict_other_children")
    assert flag is not None
    assert [i.text for i in flag.items] == [
        "1 child: Sibling 1",
        "2 children: Sibling 1, Sibling 2",
        "1 child: sibling 1",
    ]
    hidden = _build(_set("hv", E1="unknown"))  # the rows are hidden by branching
    assert "conflict_other_children" not in hidden.flag_kinds


# --- appendix A --------------------------------------------------------------------------------


def test_the_appendix_holds_received_returns_only(pack: Pack) -> None:
    assert [(r.agency, r.status) for r in pack.appendix] == [
        ("Northshire Police", "Submitted"),
        ("Northshire Health Visiting", "Submitted"),
        ("Northshire Medical Practice", "Submitted (awaiting sign-off)"),
        ("Northshire Primary School", "Nil return"),
        ("Northshire Homes", "Provisional"),
    ]
    assert "IN-PROGRESS-SECRET" not in pack.model_dump_json()


def test_the_appendix_leaves_out_answers_hidden_by_branching(pack: Pack) -> None:
    stored = fx.answers()["gp"]
    assert "C7" in stored and "D1b" in stored  # stored, but hidden by C4 = yes and D1 = no
    gp = pack.appendix[2]
    shown = {q.id for s in gp.sections for q in s.questions}
    assert not {"C7", "C7.detail", "D1b"} & shown
    assert "HIDDEN" not in pack.model_dump_json()


def test_the_appendix_is_in_question_order_with_labels_and_row_blocks(pack: Pack) -> None:
    police = pack.appendix[0]
    ids = [q.id for s in police.sections for q in s.questions]
    order = [q.id for q in fx.form().questions]
    assert ids == sorted(ids, key=order.index)
    answers = {q.id: q for s in police.sections for q in s.questions}
    assert answers["A1"].value == "Yes – family members only"
    assert answers["0.3"].value == "Police systems; Other: Police National Database"
    b = answers["B"]
    assert b.value == "3 events" and len(b.rows) == 3 and "B5 What happened" in b.legend
    assert b.rows[1].summary.startswith("B1: 12 Jun 2026 23:40 · B2: Response officer")
    assert b.rows[1].long[0].label == "B5" and b.rows[1].long[0].value.startswith("Mother reported")
    school = pack.appendix[3]
    assert [s.id for s in school.sections] == ["0", "A", "K"]
    assert [q.id for q in school.sections[1].questions] == ["A1", "A1a"]
    housing = pack.appendix[4]
    assert [q.id for q in housing.sections[1].questions] == ["A1", "A1b", "A1b.date"]


def test_user_text_stays_raw_in_the_view_model() -> None:
    nasty = "<script>alert(1)</script> <!channel> {{7*7}}"
    pack = _build(_set("police", A4=nasty))
    assert pack.summary.agency_summaries[0].text == nasty


def test_a_review_with_no_returns_builds() -> None:
    empty = _build(only=())
    assert empty.status.rows == () and empty.appendix == () and empty.chronology.rows == ()
    assert empty.flags == () and empty.cover.agencies == ()
    nothing_in = _build(states={k: ReturnState.INVITED for k, *_ in fx.AGENCIES})
    assert nothing_in.appendix == () and nothing_in.status.received == 0
    assert {"return_overdue", "return_missing"} <= nothing_in.flag_kinds


def test_forms_pack_imports_nothing_forbidden() -> None:
    forbidden = {"slack_bolt", "slack_sdk", "sqlalchemy", "apscheduler", "bot", "storage"}
    for path in (Path(__file__).parents[2] / "forms" / "pack").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            assert not {n.split(".")[0] for n in names} & forbidden, path.name


def test_flags_quote_long_answers_briefly_but_never_cut_a_current_risk() -> None:
    long_text = "Word " * 200
    pack = _build(_both(_set("police", J4=long_text), _set("hv", E2="yes", E2a=long_text)))
    constraints = pack.flag("sharing_constraints")
    risk = pack.flag("current_risk")
    assert constraints is not None and risk is not None
    assert constraints.items[0].text.endswith("… [continues in Appendix A]")
    assert len(constraints.items[0].text) < 300
    assert risk.items[0].text == long_text


def test_injuries_hidden_by_branching_raise_no_flag() -> None:
    pack = _build(_set("hv", C4="no"))  # C5 and its rows are hidden once C4 is No
    assert "infant_injury_no_referral" not in pack.flag_kinds
    assert "conflict_under_one" in pack.flag_kinds


def test_theme_extracts_quote_a_few_agencies_per_question_and_count_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from forms.pack import analysis

    monkeypatch.setattr(analysis, "PER_QUESTION", 1)
    parents = _build().themes.syntheses[0]
    assert [(e.agency, e.question) for e in parents.extracts if e.question == "D2b"] == [
        ("Northshire Health Visiting", "D2b")
    ]
    assert "D2b (Mental health: nature and services): 1 more agency answered — see Appendix A" in (
        parents.more
    )
