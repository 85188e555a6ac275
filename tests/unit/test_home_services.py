"""The App Home services with a recording messenger and a real SQLite file: what each person's
Home holds, republishing after a change (once per person however many changes, and never
breaking the request when Slack refuses), and no answer text ever."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services import home, reviews
from bot.services import returns as rs
from bot.services.context import Context
from tests.fakes import HOME
from tests.unit.conftest import MakeContext
from tests.unit.conftest import messenger as _m

TEAM, COORD, COORD2, CHAIR = "T0TEAM", "U0COORD", "U0COORD2", "U0CHAIR"
POLICE, HEALTH, NOBODY = "U0POLICE1", "U0HEALTH1", "U0NOBODY"
LONDON = ZoneInfo("Europe/London")
SECRET_ANSWER = "Detective sergeant Quill, badge 4471"


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 25, 12, 0, tzinfo=LONDON), COORD, COORD2)


def _open(ctx: Context, reference: str = "RR-2026-014", owner: str = COORD) -> int:
    opened = reviews.open_review(
        ctx, team_id=TEAM, actor=owner, channel_id="C0CASES",
        req=reviews.OpenRequest(
            reference=reference, pseudonym="Child A", notification_date=date(2026, 11, 20),
            meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=LONDON), due_date=date(2026, 12, 2),
            chair=CHAIR, contacts={"police": POLICE, "health": HEALTH},
        ),
    )  # fmt: skip
    return opened.review.id


def _home(ctx: Context, user: str) -> str:
    return json.dumps(_m(ctx).homes[user], ensure_ascii=False)


def _opened(ctx: Context, *users: str) -> None:
    """Each person opened the Home tab (Slack's ``app_home_opened``: their Home published)."""
    for user in users or (COORD, COORD2, CHAIR, POLICE, HEALTH):
        assert home.publish(ctx, team_id=TEAM, user_id=user)


def test_opening_a_review_publishes_the_home_of_everyone_concerned(ctx: Context) -> None:
    _opened(ctx)
    _m(ctx).events.clear()

    _open(ctx)

    assert set(_m(ctx).homes) == {COORD, COORD2, CHAIR, POLICE, HEALTH}
    assert "Northshire Police" in _home(ctx, POLICE) and "Start" in _home(ctx, POLICE)
    assert "RR-2026-014 · Child A* — yours" in _home(ctx, COORD)
    assert f"owner <@{COORD}>" in _home(ctx, COORD2)
    assert "Reviews you chair" in _home(ctx, CHAIR)


def test_whose_reviews_come_first_and_who_sees_which(ctx: Context) -> None:
    _open(ctx, "RR-2026-001", owner=COORD)
    _open(ctx, "RR-2026-002", owner=COORD2)

    mine = home.load(ctx, team_id=TEAM, user_id=COORD)
    theirs = home.load(ctx, team_id=TEAM, user_id=COORD2)
    chair = home.load(ctx, team_id=TEAM, user_id=CHAIR)
    police = home.load(ctx, team_id=TEAM, user_id=POLICE)
    nobody = home.load(ctx, team_id=TEAM, user_id=NOBODY)
    other_team = home.load(ctx, team_id="T0OTHER", user_id=COORD)

    assert [r.review.reference for r in mine.reviews] == ["RR-2026-001", "RR-2026-002"]
    assert [r.review.reference for r in theirs.reviews] == ["RR-2026-002", "RR-2026-001"]
    assert chair.chaired and not chair.coordinator and len(chair.reviews) == 2
    assert [q.review.reference for q in police.requests] == ["RR-2026-001", "RR-2026-002"]
    assert police.reviews == () and not police.chaired
    assert not nobody.has_role and other_team.reviews == ()


def test_only_a_home_this_process_has_published_is_published_again(ctx: Context) -> None:
    _opened(ctx, COORD, POLICE)
    _m(ctx).events.clear()

    _open(ctx)

    assert sorted(e.target for e in _m(ctx).of_kind(HOME)) == [COORD, POLICE]


def test_a_submitted_return_republishes_and_no_answer_is_ever_shown(ctx: Context) -> None:
    _opened(ctx)
    review_id = _open(ctx)
    with ctx.uow as uow:
        police_return = next(
            r.id for r in uow.returns.list_for_review(review_id) if r.contact_user_id == POLICE
        )
    who = {"team_id": TEAM, "actor": POLICE, "return_id": police_return}
    base = rs.load(ctx, **who).revision("0")
    rs.save_page(ctx, section_id="0", base_revision=base, raw={"0.2": SECRET_ANSWER}, mode="draft",
                 **who)  # fmt: skip
    before = len(_m(ctx).of_kind(HOME))
    rs.start_nil(ctx, **who)
    saved = rs.load(ctx, **who)
    for section, raw in (("A", {"A1": "no_involvement", "A1a": SECRET_ANSWER}),
                         ("K", {"K1": "yes", "K1.role": "Lead", "K1.date": "2026-11-25",
                                "K2": "yes"})):  # fmt: skip
        rs.save_page(ctx, section_id=section, base_revision=saved.revision(section), raw=raw,
                     mode="next", **who)  # fmt: skip
    rs.submit(ctx, **who)

    assert len(_m(ctx).of_kind(HOME)) > before
    assert "Returns received: *1 of 2*" in _home(ctx, COORD)
    assert "Nil return ✓" in _home(ctx, POLICE) and "return_edit" in _home(ctx, POLICE)
    assert all(SECRET_ANSWER not in json.dumps(e.blocks) for e in _m(ctx).of_kind(HOME))


def test_a_burst_of_changes_publishes_each_home_once_after_the_last(ctx: Context) -> None:
    queued: list[Callable[[], object]] = []
    later = replace(ctx, later=queued.append)
    _opened(ctx)
    review_id = _open(ctx)
    _m(ctx).events.clear()

    for _ in range(5):
        home.republish_review(later, review_id)
    for work in queued:
        work()

    published = [e.target for e in _m(ctx).of_kind(HOME)]
    assert sorted(published) == sorted({COORD, COORD2, CHAIR, POLICE, HEALTH})
    home.republish_review(later, review_id)  # a change after those ran is published again
    assert len(queued) == 10


def test_a_home_slack_refuses_is_logged_and_the_request_goes_on(ctx: Context) -> None:
    _m(ctx).remove_user(HEALTH)
    _m(ctx).fail_next(HOME, "Slack kept failing (500) after 5 tries")

    review_id = _open(ctx)  # the first publish fails, HEALTH is unknown: opening still works

    assert review_id and HEALTH not in _m(ctx).homes
    assert home.publish(ctx, team_id=TEAM, user_id=HEALTH) is False
    assert home.publish(ctx, team_id=TEAM, user_id=POLICE) is True


def test_pages_hold_the_reviews_in_order(ctx: Context) -> None:
    quiet = replace(ctx, later=lambda work: None)  # no publishing while they are opened
    for n in range(home.REVIEWS_PER_PAGE + 3):
        _open(quiet, f"RR-2026-{n:03d}")

    first = home.load(ctx, team_id=TEAM, user_id=COORD)
    last = home.load(ctx, team_id=TEAM, user_id=COORD, page=5)

    assert (first.page, first.pages, len(first.reviews)) == (0, 2, home.REVIEWS_PER_PAGE)
    assert (last.page, len(last.reviews)) == (1, 3)
    assert first.reviews[0].review.reference == f"RR-2026-{home.REVIEWS_PER_PAGE + 2:03d}"
    assert last.reviews[-1].review.reference == "RR-2026-000"


def test_a_notice_is_not_wiped_by_the_republish_that_follows(ctx: Context) -> None:
    _opened(ctx)
    review_id = _open(ctx)
    home.publish(ctx, team_id=TEAM, user_id=COORD, notice="Locked *RR-2026-014*")
    _m(ctx).events.clear()

    home.republish_review(ctx, review_id)

    assert COORD not in [e.target for e in _m(ctx).of_kind(HOME)]
    assert "Locked *RR-2026-014*" in _home(ctx, COORD)
    assert CHAIR in [e.target for e in _m(ctx).of_kind(HOME)]
    home.publish(ctx, team_id=TEAM, user_id=COORD)  # opening the tab: afresh, with no notice
    assert "Locked" not in _home(ctx, COORD)
