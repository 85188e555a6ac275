"""The service layer with a recording messenger, a fixed clock and a real SQLite file.

The contact's journey is asserted as data: each step is (what the person does, what they and
the others were sent)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services import returns as rs
from bot.services import reviews
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed, NotInChannel, StaleSection
from forms.records import ReturnState
from tests.fakes import HOME
from tests.unit.conftest import MakeContext
from tests.unit.conftest import messenger as _messenger

TEAM, COORD, CHAIR = "T0TEAM", "U0COORD", "U0CHAIR"
POLICE, HEALTH = "U0POLICE1", "U0HEALTH1"


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), COORD)


def _request(**over: object) -> reviews.OpenRequest:
    base: dict[str, object] = dict(
        reference="RR-2026-014",
        pseudonym="Child A",
        notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
        due_date=date(2026, 12, 2),
        chair=CHAIR,
        contacts={"police": POLICE, "health": HEALTH},
    )
    base.update(over)
    return reviews.OpenRequest(**base)  # type: ignore[arg-type]


def _open(ctx: Context) -> reviews.Opened:
    return reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=_request())


def test_open_posts_card_and_dms_every_contact(ctx: Context) -> None:
    opened = _open(ctx)
    m = _messenger(ctx)
    sent = [e for e in m.events if e.kind != HOME]  # the App Homes: tests/unit/test_home_*
    kinds = [(e.kind, e.target) for e in sent]
    assert kinds == [("post", "C0CASES"), ("dm", POLICE), ("dm", HEALTH)]
    card = sent[0]
    assert "RR-2026-014" in card.text and "0 of 2" in card.text
    assert "Northshire Police" in sent[1].text
    assert opened.undelivered == {}
    assert opened.review.period_from == date(2025, 11, 20)


def test_only_coordinators_open(ctx: Context) -> None:
    with pytest.raises(NotAllowed):
        reviews.open_review(ctx, team_id=TEAM, actor=POLICE, channel_id="C0CASES", req=_request())
    assert _messenger(ctx).events == []


def test_not_in_channel_creates_nothing(ctx: Context) -> None:
    _messenger(ctx).block_channel("C0CASES")
    with pytest.raises(NotInChannel, match="Invite me first"):
        _open(ctx)
    with ctx.uow as uow:
        assert uow.reviews.get_by_reference(TEAM, "RR-2026-014") is None


def test_bad_input_names_the_field(ctx: Context) -> None:
    with pytest.raises(InvalidRequest) as info:
        reviews.open_review(
            ctx,
            team_id=TEAM,
            actor=COORD,
            channel_id="C0CASES",
            req=_request(contacts={"polic": None}, due_date=date(2026, 11, 1)),
        )
    assert set(info.value.fields) == {"agencies", "due"}
    _open(ctx)
    with pytest.raises(InvalidRequest, match="already in use"):
        _open(ctx)


def test_undeliverable_contact_is_reported_to_owner(ctx: Context) -> None:
    _messenger(ctx).make_undeliverable(HEALTH, "the account is deactivated")
    opened = _open(ctx)
    assert opened.undelivered == {"health": "the account is deactivated"}
    notes = [e for e in _messenger(ctx).events if e.kind == "dm" and e.target == COORD]
    assert any("could not be sent in Slack: the account is deactivated" in e.text for e in notes)


def test_default_dates_skip_weekends_and_holidays(ctx: Context) -> None:
    due, meeting = reviews.default_dates(ctx, date(2026, 12, 18))
    assert due == date(2026, 12, 31)  # 25, 28 Dec are bank holidays
    assert meeting.date() == date(2027, 1, 8)
    assert meeting.strftime("%H:%M") == "10:00"


def _return_id(ctx: Context, agency: str) -> int:
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, "RR-2026-014")
        assert review
        return next(r.id for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)


def test_contact_journey_with_current_risk(ctx: Context) -> None:
    _open(ctx)
    rid = _return_id(ctx, "police")
    m = _messenger(ctx)
    m.events.clear()
    view = rs.start(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    assert view.page is not None and view.page.section_id == "0"
    with pytest.raises(NotAllowed):
        rs.start(ctx, team_id=TEAM, actor=HEALTH, return_id=rid)

    def save(section: str, raw: dict[str, object], mode: rs.Mode = "next") -> rs.Saved:
        current = rs.load(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
        return rs.save_page(
            ctx,
            team_id=TEAM,
            actor=POLICE,
            return_id=rid,
            section_id=section,
            base_revision=current.revision(section),
            raw=raw,  # type: ignore[arg-type]
            mode=mode,
        )

    steps: list[tuple[str, dict[str, object], str | None]] = [
        ("0", {"0.2": "Detective Sergeant"}, "A"),
        (
            "A",
            {"A1": "yes_child", "A4": "Known since 2025 for <b>domestic</b> abuse call-outs"},
            "B",
        ),
    ]
    for section, raw, expected_next in steps:
        saved = save(section, raw)
        assert saved.errors == {}
        assert (saved.next_page.section_id if saved.next_page else None) == expected_next
    missing = save("A", {"A1": None})
    assert "A1" in missing.errors
    # E2 = yes on a page closed before Next: saved as a draft, the alert goes at once.
    saved = save("E", {"E2": "yes"}, mode="draft")
    assert saved.risk_reported
    alerts = [e for e in m.events if "current risk" in e.text]
    assert sorted(e.target for e in alerts) == [CHAIR, COORD]
    assert all("domestic" not in e.text for e in m.events)
    again = save("E", {"E2": "yes", "E2a": "Referred sibling to the front door"})
    assert not again.risk_reported
    assert len([e for e in m.events if "current risk" in e.text]) == 2
    # A stale revision of the same section is refused and nothing changes.
    with pytest.raises(StaleSection):
        rs.save_page(
            ctx,
            team_id=TEAM,
            actor=POLICE,
            return_id=rid,
            section_id="E",
            base_revision=0,
            raw={"E2": "no"},
            mode="next",
        )
    with pytest.raises(InvalidRequest):
        rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    save("J", {"J1": "no", "J1b": "Single-agency learning only"})
    save(
        "K", {"K1": "yes", "K1.role": "DI, safeguarding lead", "K1.date": "2026-11-23", "K2": "yes"}
    )
    ret = rs.submit(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    assert ret.state is ReturnState.SUBMITTED
    updates = [e for e in m.events if e.kind == "update"]
    assert any("1 of 2" in e.text for e in updates)
    assert any("submitted" in e.text for e in updates)


def test_nil_return(ctx: Context) -> None:
    _open(ctx)
    rid = _return_id(ctx, "health")
    view = rs.start_nil(ctx, team_id=TEAM, actor=HEALTH, return_id=rid)
    assert view.page is not None and view.page.section_id == "A"
    assert [q.id for q in view.page.questions] == ["A1", "A1a"]
    rev = view.revision("A")
    saved = rs.save_page(
        ctx,
        team_id=TEAM,
        actor=HEALTH,
        return_id=rid,
        section_id="A",
        base_revision=rev,
        raw={"A1": "no_involvement", "A1a": "Name + DOB in EPR"},
        mode="next",
    )
    assert saved.next_page is not None and saved.next_page.section_id == "K"
    rs.save_page(
        ctx,
        team_id=TEAM,
        actor=HEALTH,
        return_id=rid,
        section_id="K",
        base_revision=0,
        raw={"K1": "yes", "K1.role": "Named nurse", "K1.date": "23/11/2026", "K2": "yes"},
        mode="next",
    )
    assert rs.submit(ctx, team_id=TEAM, actor=HEALTH, return_id=rid).state is ReturnState.NIL
