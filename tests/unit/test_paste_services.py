"""Pasted rows saved (bot/services/paste.py) and shown (bot/slack/blocks/paste.py): one save
under the section's revision, twice is once, only the contact, within Slack's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services import paste as pasting
from bot.services import returns as rs
from bot.services import reviews, template
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, NotFound, StaleSection
from bot.slack.blocks import ReturnContext, check_view
from bot.slack.blocks.paste import BOXES, PASTE_ERROR_MAX, confirm_view, paste_errors, paste_view
from forms.parsing import JSONValue, RawRow
from forms.paste import MAX_ROWS, RowProblem, parse_paste
from forms.records import ReturnState
from tests.unit.conftest import MakeContext

TEAM, COORD, CHAIR, POLICE, HEALTH = "T0TEAM", "U0COORD", "U0CHAIR", "U0POLICE1", "U0HEALTH1"
CONTEXT = ReturnContext("RR-2026-014", "Child A", "Northshire Police")


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), COORD)


def _open(ctx: Context) -> int:
    req = reviews.OpenRequest(
        reference="RR-2026-014", pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts={"police": POLICE, "health": HEALTH},
    )  # fmt: skip
    reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=req)
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, "RR-2026-014")
        assert review is not None
        ret = next(r for r in uow.returns.list_for_review(review.id) if r.contact_user_id == POLICE)
    return ret.id


def _rows(view: rs.ReturnView, text: str, nonce: str = "abcd1234") -> list[RawRow]:
    question = pasting.pastable(view, "B", "B")
    result = parse_paste(question, [text])
    assert result.ok, result.problems
    return [{"row_id": f"{nonce}{r.number:04d}", "values": r.raw} for r in result.rows]


def _add(ctx: Context, rid: int, rows: list[RawRow], base: int, actor: str = POLICE) -> int:
    done = pasting.add_rows(ctx, team_id=TEAM, actor=actor, return_id=rid, section_id="B",
                            question_id="B", base_revision=base, rows=rows)  # fmt: skip
    return done.added


def test_rows_are_added_in_one_save_and_twice_is_once(ctx: Context) -> None:
    rid = _open(ctx)
    view = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    rows = _rows(view, "2025\tGP\n03/2025\tPolice\n14 Mar 2025\tSchool")

    assert _add(ctx, rid, rows, view.revision("B")) == 3
    assert _add(ctx, rid, rows, view.revision("B")) == 0  # a repeated confirmation: no change

    after = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    stored = after.answers["B"]
    assert isinstance(stored, list)
    assert [r["values"]["B1"] for r in stored if isinstance(r, dict) and isinstance(
        r["values"], dict)] == ["2025", "2025-03", "2025-03-14"]  # fmt: skip
    assert after.revision("B") == view.revision("B") + 1
    assert after.ret.state is ReturnState.IN_PROGRESS
    with ctx.uow as uow:
        audit = [e for e in uow.audit.list_for_review(after.review.id) if e.action == "page.saved"]
    assert [e.details for e in audit] == [
        {"section": "B", "revision": after.revision("B"), "row": "pasted", "rows": 3}
    ]


def test_rows_pasted_into_a_received_return_are_an_amendment(ctx: Context) -> None:
    rid = _open(ctx)
    with ctx.uow as uow:
        uow.returns.set_state(rid, ReturnState.SUBMITTED, ctx.now())
        uow.returns.set_submitted_at(rid, ctx.now(), ctx.now())
        uow.commit()
    view = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")

    assert _add(ctx, rid, _rows(view, "2025\tGP"), view.revision("B")) == 1

    after = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    assert after.ret.state is ReturnState.SUBMITTED and after.ret.amended_at == ctx.now()
    with ctx.uow as uow:
        actions = [e.action for e in uow.audit.list_for_review(after.review.id)]
    assert actions[-2:] == ["page.saved", "return.amended"]


def test_a_section_changed_since_is_refused_and_nothing_added(ctx: Context) -> None:
    rid = _open(ctx)
    view = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    _add(ctx, rid, _rows(view, "2025\tGP"), view.revision("B"))
    with pytest.raises(StaleSection, match="changed in another window"):
        _add(ctx, rid, _rows(view, "2024\tPolice", nonce="ffff0000"), view.revision("B"))
    after = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    assert isinstance(after.answers["B"], list) and len(after.answers["B"]) == 1


def test_only_the_contact_and_only_pastable_questions(ctx: Context) -> None:
    rid = _open(ctx)
    view = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    rows = _rows(view, "2025\tGP")
    with pytest.raises(NotAllowed, match="not by you"):
        _add(ctx, rid, rows, view.revision("B"), actor=HEALTH)
    with pytest.raises(InvalidRequest, match="can't be pasted into H1"):
        pasting.pastable(view, "H", "H1")
    with pytest.raises(InvalidRequest, match="can't be pasted into B"):
        pasting.pastable(view, "C", "B")  # B is not on page C
    bad: list[RawRow] = [{"row_id": "x1", "values": {"B1": "31/02/2025"}}]
    with pytest.raises(InvalidRequest) as info:
        _add(ctx, rid, bad, view.revision("B"))
    assert info.value.fields == {"x1": "31/02/2025 is not a real date: February 2025 has 28 days."}
    assert "B" not in rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid).answers


def test_the_template_goes_to_a_contact_or_a_coordinator_only(ctx: Context) -> None:
    _open(ctx)
    sent = template.send_template(ctx, team_id=TEAM, actor=POLICE, reference="rr-2026-014")
    assert sent.filenames == ("RR-2026-014-chronology-template.csv",
                              "RR-2026-014-moves-template.csv")  # fmt: skip
    template.send_template(ctx, team_id=TEAM, actor=COORD, reference="RR-2026-014")
    with pytest.raises(NotAllowed, match="Only coordinators and the agency contacts"):
        template.send_template(ctx, team_id=TEAM, actor=CHAIR, reference="RR-2026-014")
    with pytest.raises(NotFound, match="There is no review RR-2026-099"):
        template.send_template(ctx, team_id=TEAM, actor=POLICE, reference="RR-2026-099")


# -- the modals ------------------------------------------------------------------------------


def test_the_paste_and_confirmation_views_fit_slacks_limits(ctx: Context) -> None:
    rid = _open(ctx)
    view = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid, section_id="B")
    question = pasting.pastable(view, "B", "B")
    meta: dict[str, JSONValue] = {
        "r": rid,
        "s": "B",
        "v": 0,
        "q": "B",
        "pv": "V1",
        "c": "0" * 16,
        "n": "abcd1234",
    }
    modal = paste_view(question=question, context=CONTEXT, meta=meta, reference="RR-2026-014")
    check_view(modal)
    assert [b["block_id"] for b in modal["blocks"]][-BOXES:] == [f"paste|{n}" for n in range(4)]
    long = "\n".join(
        f"{d % 28 + 1:02d}/03/2025\tGP\t\tHome visit\t" + "x" * 150 for d in range(200)
    )
    result = parse_paste(question, [long])
    assert len(result.rows) == MAX_ROWS
    confirm = confirm_view(question=question, context=CONTEXT, meta=meta, rows=result.rows,
                           parts=[long[:3000]], notice="Changed in another window.")  # fmt: skip
    check_view(confirm)
    assert confirm["submit"]["text"] == "Add 200 events"


def test_errors_list_each_bad_row_under_its_box() -> None:
    problems = [RowProblem(3, "Row 3: Date: bad.", 0), RowProblem(9, "Row 9: Source: long.", 1),
                RowProblem(12, "Row 12: Date: bad.", 1)]  # fmt: skip
    assert paste_errors(problems) == {
        "paste|0": "Row 3: Date: bad.",
        "paste|1": "2 rows can't be added — Row 9: Source: long. · Row 12: Date: bad.",
    }
    many = [RowProblem(n, f"Row {n}: Date: {'x' * 80}.", 0) for n in range(1, 41)]
    text = paste_errors(many)["paste|0"]
    assert len(text) <= PASTE_ERROR_MAX and text.startswith("40 rows can't be added — Row 1:")
    assert text.endswith("more")
