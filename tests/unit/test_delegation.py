"""Not me — pass it on, and edit after submit, through the service layer with a recording
messenger, a fixed clock and a real SQLite file (issue 8 points 2 and 3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.messenger import MessageRef
from bot.services import delegation, lifecycle, reviews
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed
from forms.records import AgencyReturn, ReturnState, Review
from tests.fakes import DM, POST, UPDATE
from tests.unit.conftest import MakeContext, messenger

TEAM, COORD, CHAIR = "T0TEAM", "U0COORD", "U0CHAIR"
POLICE, PAT, HEALTH, ROBOT = "U0POLICE1", "U0POLICE2", "U0HEALTH1", "U0ROBOT01"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REASON = "Moved team; Pat <!channel> covers it"


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(NOW, COORD)


def open_review(ctx: Context) -> Review:
    req = reviews.OpenRequest(
        reference="RR-2026-014", pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts={"police": POLICE, "health": HEALTH},
    )  # fmt: skip
    return reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=req).review


def police(ctx: Context, review: Review) -> AgencyReturn:
    with ctx.uow as uow:
        return next(r for r in uow.returns.list_for_review(review.id) if r.agency_key == "police")


def actions(ctx: Context, review: Review) -> list[str]:
    with ctx.uow as uow:
        return [e.action for e in uow.audit.list_for_review(review.id)]


def pass_on(ctx: Context, rid: int, actor: str = POLICE, to: str | None = PAT,
            reason: str | None = REASON) -> delegation.Delegated:  # fmt: skip
    return delegation.delegate(
        ctx, team_id=TEAM, actor=actor, return_id=rid, to_user=to, reason=reason
    )


def save(ctx: Context, actor: str, rid: int, section: str, raw: dict[str, Any]) -> rs.Saved:
    who = {"team_id": TEAM, "actor": actor, "return_id": rid}
    base = rs.load(ctx, **who).revision(section)  # type: ignore[arg-type]
    return rs.save_page(ctx, section_id=section, base_revision=base, raw=raw, mode="draft", **who)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("to", "reason", "field", "problem"),
    [
        (PAT, "  ", "reason", "Say in a few words why they should answer it."),
        (PAT, "x" * 301, "reason", "Keep the reason to 300 characters (it has 301)."),
        (None, REASON, "to", "Pick the colleague who should answer it."),
        (POLICE, REASON, "to", "That's you: pick the colleague who should answer it instead."),
        ("U0NOBODY9", REASON, "to", "Slack doesn't know that person"),
        (ROBOT, REASON, "to", "That person is a bot, not a person: pick a colleague."),
        ("U0GONE001", REASON, "to", "That person's account is deactivated"),
        ("U0OTHER01", REASON, "to", "That person is in another organisation's workspace"),
        (HEALTH, REASON, "to", "That person already answers Northshire Health NHS Trust's"),
    ],
)
def test_a_colleague_or_reason_that_cannot_be_used_changes_nothing(
    ctx: Context, to: str | None, reason: str, field: str, problem: str
) -> None:
    m = messenger(ctx)
    m.remove_user("U0NOBODY9")
    m.add_user(ROBOT, is_bot=True)
    m.add_user("U0GONE001", deleted=True)
    m.add_user("U0OTHER01", team_id="T0OTHER")
    review = open_review(ctx)
    ret = police(ctx, review)
    before = len(m.events)

    with pytest.raises(InvalidRequest) as refused:
        pass_on(ctx, ret.id, to=to, reason=reason)

    assert refused.value.fields[field].startswith(problem), refused.value.fields
    assert police(ctx, review).contact_user_id == POLICE
    assert "return.delegated" not in actions(ctx, review) and len(m.events) == before


def test_only_the_current_contact_may_pass_it_on(ctx: Context) -> None:
    review = open_review(ctx)
    with pytest.raises(NotAllowed, match="not by you"):
        pass_on(ctx, police(ctx, review).id, actor=HEALTH)


def test_passing_on_moves_the_return_and_tells_everyone_concerned(ctx: Context) -> None:
    m = messenger(ctx)
    review = open_review(ctx)
    ret = police(ctx, review)
    save(ctx, POLICE, ret.id, "0", {"0.2": "Detective sergeant"})

    done = pass_on(ctx, ret.id, reason=REASON + "\x00")

    assert done.ret.contact_user_id == PAT and done.ret.state is ReturnState.IN_PROGRESS
    with ctx.uow as uow:
        (record,) = uow.returns.delegations(ret.id)
        entry = next(
            e for e in uow.audit.list_for_review(review.id) if e.action == "return.delegated"
        )
    assert (record.from_user, record.to_user, record.reason) == (POLICE, PAT, REASON)
    assert entry.details == {"from": POLICE, "to": PAT, "delegation": record.id}
    card = m.of_kind(DM, PAT)[-1]
    assert "Passed on to you by <@U0POLICE1>" in json.dumps(card.blocks)
    assert "Continue" in json.dumps(card.blocks)
    old = next(e for e in m.of_kind(UPDATE) if e.ref == MessageRef(str(ret.dm_channel), str(ret.dm_ts))
               and "You passed" in e.text)  # fmt: skip
    assert old.text.endswith("You passed this request to <@U0POLICE2> on Monday 23 November 2026")
    assert "actions" not in json.dumps(old.blocks)
    note = m.of_kind(DM, COORD)[-1]
    assert note.text == (
        "RR-2026-014 (Child A): Northshire Police — <@U0POLICE1> passed the request to <@U0POLICE2>"
    )
    assert "Reason given: Moved team; Pat &lt;!channel&gt; covers it" in json.dumps(note.blocks)
    assert all("Moved" not in json.dumps([e.text, e.blocks]) for e in m.of_kind(POST))
    view = rs.start(ctx, team_id=TEAM, actor=PAT, return_id=ret.id)  # the answers stayed
    assert view.answers["0.2"] == "Detective sergeant"


ACTS: dict[str, Callable[[Context, int, str], object]] = {
    "start": lambda ctx, rid, who: rs.start(ctx, team_id=TEAM, actor=who, return_id=rid),
    "nil": lambda ctx, rid, who: rs.start_nil(ctx, team_id=TEAM, actor=who, return_id=rid),
    "edit": lambda ctx, rid, who: rs.reopen(ctx, team_id=TEAM, actor=who, return_id=rid),
    "submit": lambda ctx, rid, who: rs.submit(ctx, team_id=TEAM, actor=who, return_id=rid),
    "next": lambda ctx, rid, who: save(ctx, who, rid, "0", {"0.2": "Sergeant"}),
    "ask": lambda ctx, rid, who: rs.ask_coordinator(ctx, team_id=TEAM, actor=who, return_id=rid),
    "pass on": lambda ctx, rid, who: pass_on(ctx, rid, actor=who, to="U0POLICE3"),
}


@pytest.mark.parametrize("act", sorted(ACTS))
def test_a_former_contact_is_told_who_has_it_now(ctx: Context, act: str) -> None:
    review = open_review(ctx)
    rid = police(ctx, review).id
    pass_on(ctx, rid)
    ctx.clock.set(NOW + timedelta(days=1))  # type: ignore[attr-defined]
    pass_on(ctx, rid, actor=PAT, to="U0POLICE3", reason="Named officer")
    events = len(messenger(ctx).events)

    with pytest.raises(rs.PassedOn) as first:
        ACTS[act](ctx, rid, POLICE)
    with pytest.raises(rs.PassedOn) as second:
        ACTS[act](ctx, rid, PAT)
    with pytest.raises(NotAllowed) as stranger:
        ACTS[act](ctx, rid, "U0NOBODY1")

    assert first.value.message == (
        "This request was passed to <@U0POLICE2> on Monday 23 November 2026 — ask them or the "
        "coordinator. It is now with <@U0POLICE3>."
    )
    assert second.value.message == (
        "This request was passed to <@U0POLICE3> on Tuesday 24 November 2026 — ask them or the "
        "coordinator."
    )
    assert not isinstance(stranger.value, rs.PassedOn)
    assert len(messenger(ctx).events) == events


def test_an_edit_after_submission_stays_received_and_is_an_amendment(ctx: Context) -> None:
    review = open_review(ctx)
    rid = police(ctx, review).id
    save(ctx, POLICE, rid, "A", {"A1": "no_involvement", "A1a": "Checked the index"})
    save(ctx, POLICE, rid, "K", {"K1": "yes", "K1.role": "Lead", "K1.date": "2026-11-23",
                                 "K2": "yes"})  # fmt: skip
    assert police(ctx, review).amended_at is None  # saves before submitting are not amendments
    submitted = rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    later = NOW + timedelta(hours=3)
    ctx.clock.set(later)  # type: ignore[attr-defined]

    rs.reopen(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    save(ctx, POLICE, rid, "A", {"A1": "no_involvement", "A1a": "Checked the index twice"})
    save(ctx, POLICE, rid, "A", {"A1": "no_involvement", "A1a": "Checked the index twice"})
    again = rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)

    assert again.state is ReturnState.NIL and again.submitted_at == submitted.submitted_at
    assert again.amended_at == later
    with ctx.uow as uow:
        amended = [e for e in uow.audit.list_for_review(review.id) if e.action == "return.amended"]
    assert [e.details for e in amended] == [{"section": "A"}]  # the unchanged save is not one
    card = [e for e in messenger(ctx).of_kind(UPDATE) if e.target != "C0CASES"][-1]
    assert "Amended 23 Nov 2026 13:00" in json.dumps(card.blocks)


def test_after_the_lock_an_edit_is_refused_naming_the_owner(ctx: Context) -> None:
    review = open_review(ctx)
    rid = police(ctx, review).id
    lifecycle.lock(ctx, team_id=TEAM, actor=COORD, reference="RR-2026-014")
    for act in ("edit", "next", "pass on"):
        with pytest.raises(rs.ClosedForEdits) as refused:
            ACTS[act](ctx, rid, POLICE)
        assert refused.value.message == (
            "Review RR-2026-014 is locked: returns can't be changed any more. Ask <@U0COORD>, "
            "the review's coordinator, if something must be added or corrected."
        )
