"""Whole journeys of an agency contact, asserted as data: each step is what the person does and
what they then see (the next page, errors, the state of their return) and what everyone was
sent. Runs the real services over a real SQLite file with a recording messenger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.services import returns as rs
from bot.services import reviews
from bot.services.context import Context
from tests.fakes import RecordingMessenger
from tests.unit.conftest import MakeContext

TEAM, COORD, CHAIR, CONTACT = "T0TEAM", "U0COORD", "U0CHAIR", "U0POLICE1"


@dataclass(frozen=True)
class Step:
    """`do` is start | nil | next | draft | submit; `then` what must hold afterwards."""

    do: str
    section: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    page: str | None = "-"  # the section shown next ("review" for the review page)
    errors: tuple[str, ...] = ()  # question ids with an error
    state: str | None = None  # the stored state of the return afterwards
    sent_to: tuple[str, ...] = ()  # who got a DM during this step (besides card updates)


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 9, 30, tzinfo=UTC), COORD)


def run_dialog(ctx: Context, steps: list[Step]) -> None:
    reviews.open_review(
        ctx,
        team_id=TEAM,
        actor=COORD,
        channel_id="C0CASES",
        req=reviews.OpenRequest(
            reference="RR-2026-020",
            pseudonym="Baby B",
            notification_date=date(2026, 11, 20),
            meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
            due_date=date(2026, 12, 2),
            chair=CHAIR,
            contacts={"police": CONTACT},
            under_1=True,
        ),
    )
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, "RR-2026-020")
        assert review
        rid = uow.returns.list_for_review(review.id)[0].id
    messenger = ctx.messenger
    assert isinstance(messenger, RecordingMessenger)
    who = {"team_id": TEAM, "actor": CONTACT, "return_id": rid}
    for n, step in enumerate(steps, 1):
        before = len(messenger.events)
        shown: str | None
        errors: dict[str, str] = {}
        if step.do in ("start", "nil"):
            view = (rs.start if step.do == "start" else rs.start_nil)(ctx, **who)
            shown = view.page.section_id if view.page else "review"
        elif step.do in ("next", "draft"):
            assert step.section
            base = rs.load(ctx, **who).revision(step.section)
            saved = rs.save_page(
                ctx,
                section_id=step.section,
                base_revision=base,
                raw=step.raw,
                mode="next" if step.do == "next" else "draft",
                **who,
            )
            errors = saved.errors
            shown = saved.next_page.section_id if saved.next_page else "review"
            if errors:
                shown = step.section
        elif step.do == "submit":
            rs.submit(ctx, **who)
            shown = "-"
        else:
            raise AssertionError(step.do)
        where = f"step {n} ({step.do} {step.section or ''})"
        if step.page != "-":
            assert shown == step.page, where
        assert tuple(sorted(errors)) == tuple(sorted(step.errors)), (where, errors)
        if step.state:
            with ctx.uow as uow:
                ret = uow.returns.get(rid)
                assert ret and ret.state.value == step.state, where
        dms = sorted({e.target for e in messenger.events[before:] if e.kind == "dm"})
        assert tuple(dms) == tuple(sorted(step.sent_to)), (where, dms)


FULL_RETURN = [
    Step("start", page="0", state="invited"),
    Step(
        "next",
        "0",
        {"0.2": "DS, public protection", "0.4": "21/11/2026"},
        page="A",
        state="in_progress",
    ),
    Step("next", "A", {"A1": "yes_family", "A2": ["mother", "father"], "A3": "no"}, page="B"),
    Step("next", "B", {"B9": "No contact between March and August 2026"}, page="C"),
    Step(
        "next", "C", {"C1": "not_applicable", "C4": "yes", "C6": "maybe"}, page="C", errors=("C6",)
    ),
    Step("next", "C", {"C1": "not_applicable", "C4": "yes", "C6": "unknown", "C8": "no"}, page="D"),
    Step("next", "D", {"D2": "yes", "D2c": "not_considered"}, page="E"),
    Step("draft", "E", {"E2": "yes"}, page="F", sent_to=(COORD, CHAIR)),
    Step("next", "E", {"E2": "yes"}, page="E", errors=("E2a",)),
    Step("next", "E", {"E2": "yes", "E2a": "Referred the older sibling", "E3": "yes"}, page="F"),
    Step("next", "F", {"F1": "no"}, page="G"),
    Step(
        "next", "J", {"J1": "unsure", "J1b": "Parental mental health across two agencies"}, page="K"
    ),
    Step("next", "K", {"K1": "no", "K2": "no"}, page="K", errors=("K2",)),
    Step(
        "next",
        "K",
        {"K1": "yes", "K1.role": "DI", "K1.date": "2026-11-23", "K2": "yes"},
        page="review",
    ),
    Step("submit", state="submitted"),
    Step("start", page="0"),
]

NIL_RETURN = [
    Step("nil", page="A", state="in_progress"),
    Step("next", "A", {"A1": None}, page="A", errors=("A1",)),
    Step("next", "A", {"A1": "no_involvement", "A1a": "Name and DOB on Niche"}, page="K"),
    Step(
        "next",
        "K",
        {"K1": "yes", "K1.role": "DS", "K1.date": "2026-11-23", "K2": "yes"},
        page="review",
    ),
    Step("submit", state="nil"),
]

PROVISIONAL = [
    Step("start", page="0"),
    Step(
        "next",
        "A",
        {"A1": "not_yet_able", "A1b": "Health visiting records archived", "A1b.date": "31/11/2026"},
        page="A",
        errors=("A1b.date",),
    ),
    Step(
        "next",
        "A",
        {"A1": "not_yet_able", "A1b": "Health visiting records archived", "A1b.date": "01/12/2026"},
        page="K",
    ),
    Step(
        "next",
        "K",
        {"K1": "yes", "K1.role": "DS", "K1.date": "2026-11-23", "K2": "yes"},
        page="review",
    ),
    Step("submit", state="provisional"),
]


@pytest.mark.parametrize(
    "steps", [FULL_RETURN, NIL_RETURN, PROVISIONAL], ids=["full", "nil", "provisional"]
)
def test_dialog(ctx: Context, steps: list[Step]) -> None:
    run_dialog(ctx, steps)
