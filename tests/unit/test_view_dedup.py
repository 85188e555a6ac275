"""A page save claims its delivery in its own transaction, and a copy of a view submission that
comes while the first is still at work waits for the first's answer (DESIGN §6;
bot.slack.middleware, bot.services.returns.save_page), on a real SQLite file."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from bot.services import returns as rs
from bot.services.context import Context
from bot.slack.middleware import awaited_response, remember_view_response, view_key
from tests.unit.conftest import MakeContext
from tests.unit.test_services import COORD, POLICE, TEAM, _open, _return_id

KEY = "view:V1:h1:U0POLICE1:abc"


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), COORD)


def _save(ctx: Context, rid: int, text: str, claim: str | None) -> rs.Saved:
    return rs.save_page(
        ctx,
        team_id=TEAM,
        actor=POLICE,
        return_id=rid,
        section_id="0",
        base_revision=0,
        raw={"0.2": text},
        mode="next",
        claim=claim,
    )


def _saves(ctx: Context, rid: int) -> int:
    with ctx.uow as uow:
        audit = uow.audit.list_for_review(uow.returns.get(rid).review_id)  # type: ignore[union-attr]
    return sum(1 for e in audit if e.action == "page.saved")


def test_a_page_claimed_with_its_save_is_saved_once_and_a_copy_saves_nothing(
    ctx: Context,
) -> None:
    _open(ctx)
    rid = _return_id(ctx, "police")

    saved = _save(ctx, rid, "Detective Sergeant", KEY)
    with pytest.raises(rs.DeliveredTwice) as twice:
        _save(ctx, rid, "Something else", KEY)  # a copy that lost the race: nothing saved

    assert twice.value.key == KEY
    assert saved.view.answers.get("0.2") == "Detective Sergeant"
    assert rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid).answers.get("0.2") == (
        "Detective Sergeant"
    )
    assert _saves(ctx, rid) == 1
    with ctx.uow as uow:
        assert uow.requests.claimed_at(KEY) is not None


def test_a_save_that_fails_leaves_its_delivery_unclaimed(ctx: Context) -> None:
    _open(ctx)
    rid = _return_id(ctx, "police")
    _save(ctx, rid, "First", None)

    with pytest.raises(rs.StaleSection):
        _save(ctx, rid, "Second, from a window opened before the first save", KEY)

    with ctx.uow as uow:
        assert uow.requests.claimed_at(KEY) is None  # sent again, it is worked out anew


def test_a_copy_waits_for_the_answer_the_first_delivery_is_still_working_out(
    ctx: Context,
) -> None:
    with ctx.uow as uow:
        assert uow.requests.claim(KEY)
        uow.commit()
    body = {"view": {"id": "V1", "hash": "h1", "state": {"values": {}}}, "user": {"id": "U1"}}
    key = view_key("view_submission", body)
    with ctx.uow as uow:
        assert uow.requests.claim(key)
        uow.commit()
    answer = {"response_action": "update", "view": {"type": "modal"}}
    later = threading.Timer(0.2, lambda: remember_view_response(ctx.uow, body, answer))
    started = time.monotonic()
    later.start()
    try:
        assert awaited_response(ctx.uow, key, patience=5.0) == answer
    finally:
        later.join()
    assert 0.15 < time.monotonic() - started < 4.0


def test_a_claim_never_answered_is_worked_out_again_once_it_is_no_longer_in_flight(
    ctx: Context,
) -> None:
    with ctx.uow as uow:
        assert uow.requests.claim(KEY)
        uow.commit()
    assert awaited_response(ctx.uow, "view:never-claimed", patience=5.0) is None
    assert awaited_response(ctx.uow, KEY, patience=0.0) is None  # died on the way: redo


def test_an_errors_answer_releases_its_claim(ctx: Context) -> None:
    body = {"view": {"id": "V2", "hash": "h2", "state": {"values": {}}}, "user": {"id": "U1"}}
    key = view_key("view_submission", body)
    with ctx.uow as uow:
        assert uow.requests.claim(key)
        uow.commit()

    remember_view_response(ctx.uow, body, {"response_action": "errors", "errors": {"b": "!"}})

    with ctx.uow as uow:
        assert uow.requests.claimed_at(key) is None
    assert awaited_response(ctx.uow, key, patience=5.0) is None  # at once: nothing in flight
