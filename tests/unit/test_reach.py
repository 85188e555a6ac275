"""Contacts the bot cannot reach in Slack, and Enter on behalf: the services with a recording
messenger, a fixed clock and a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.messenger import DeliveryFailed
from bot.services import notify, reach, reviews
from bot.services import on_behalf as ob
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.errors import InvalidRequest, NotAllowed
from bot.services.reminder_facts import return_facts
from forms.records import AgencyReturn
from tests.unit.conftest import MakeContext, messenger

TEAM, COORD, OTHER_COORD, CHAIR = "T0TEAM", "U0COORD", "U0COORD2", "U0CHAIR"
POLICE, HEALTH = "U0POLICE1", "U0HEALTH1"
COORDS = "C0COORDS"  # the example partnership's coordinator channel


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), COORD, OTHER_COORD)


def open_review(ctx: Context, contacts: dict[str, str | None] | None = None) -> reviews.Opened:
    req = reviews.OpenRequest(
        reference="RR-2026-014", pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts=contacts or {"police": POLICE, "health": HEALTH},
    )  # fmt: skip
    return reviews.open_review(ctx, team_id=TEAM, actor=COORD, channel_id="C0CASES", req=req)


def the_return(ctx: Context, agency: str) -> AgencyReturn:
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, "RR-2026-014")
        assert review is not None
        return next(r for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)


def audit_actions(ctx: Context) -> list[tuple[str, str, dict[str, object]]]:
    with ctx.uow as uow:
        review = uow.reviews.get_by_reference(TEAM, "RR-2026-014")
        assert review is not None
        return [(e.actor, e.action, dict(e.details)) for e in uow.audit.list_for_review(review.id)]


# -- reasons in plain words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prepare", "code", "words"),
    [
        (lambda m: m.remove_user(POLICE), "user_not_found",
         f"Slack knows no user {POLICE} — they may be outside this workspace"),
        (lambda m: m.deactivate(POLICE), "user_disabled", "the Slack account is deactivated"),
        (lambda m: None, "other_workspace",
         "they are in another organisation's Slack and share no channel with this app"),
        (lambda m: m.add_user(POLICE, team_id="T0PARTNER"), "not_allowed_token_type",
         "they are an external (Slack Connect) user whose organisation does not let this app "
         "message them (Slack refused it)"),
        (lambda m: m.deactivate(POLICE), "channel_not_found", "the Slack account is deactivated"),
        (lambda m: None, "missing_scope", "Slack refused it"),
    ],
)  # fmt: skip
def test_a_refused_dm_is_explained_in_plain_words(
    ctx: Context, prepare: object, code: str, words: str
) -> None:
    review = open_review(ctx).review
    assert callable(prepare)
    prepare(messenger(ctx))
    why = reach.explain(ctx, review, POLICE, DeliveryFailed(POLICE, "Slack refused it", code=code))
    assert why.words == words


def test_an_email_nobody_in_slack_has_names_the_address() -> None:
    why = reach.not_found_by_email("safeguarding@health.example")
    assert why.words == (
        "no Slack user has safeguarding@health.example — they may be outside this workspace"
    )


# -- at invitation ----------------------------------------------------------------------------


def test_an_unreachable_contact_flags_the_return_and_tells_the_owner_at_once(
    ctx: Context,
) -> None:
    messenger(ctx).deactivate(HEALTH)
    opened = open_review(ctx)

    assert opened.undelivered == {"health": "the Slack account is deactivated"}
    health = the_return(ctx, "health")
    assert health.unreachable == "the Slack account is deactivated" and health.dm_ts is None
    assert the_return(ctx, "police").unreachable is None
    (note,) = [e for e in messenger(ctx).of_kind("dm", COORD)]
    assert note.text == (
        "RR-2026-014 (Child A): Northshire Health NHS Trust — the request could not be sent in "
        "Slack: the Slack account is deactivated"
    )
    buttons = [el for b in note.blocks or [] if b["type"] == "actions" for el in b["elements"]]
    assert [(b["action_id"], json.loads(b["value"])) for b in buttons] == [
        ("return_on_behalf", {"r": health.id})
    ]
    (posted,) = messenger(ctx).of_kind("post", COORDS)
    assert posted.text == note.text and not posted.blocks
    card = messenger(ctx).current(messenger(ctx).of_kind("post", "C0CASES")[0].ref)  # type: ignore[arg-type]
    assert "Not reachable in Slack — to be entered on behalf: Northshire Health NHS Trust" in str(
        card.blocks
    )
    assert (COORD, "return.unreachable", {"agency": "health", "contact": HEALTH,
                                          "why": "deactivated"}) in audit_actions(ctx)  # fmt: skip
    assert return_facts(health, {}, False, ctx.zone).contact is None  # no reminders for them


def test_a_failure_that_may_pass_is_reported_but_not_flagged(ctx: Context) -> None:
    review = open_review(ctx).review
    m = messenger(ctx)
    m.fail_next("dm")  # Slack failing (5xx after retries) when the card is sent again
    why = reach.invite_or_flag(ctx, review, the_return(ctx, "police"), actor=COORD)
    assert isinstance(why, DeliveryFailed) and why.transient
    assert the_return(ctx, "police").unreachable is None
    assert any("request not delivered" in text for text in m.dms_to(COORD))


def test_inviting_again_tries_again_but_tells_the_owner_once(ctx: Context) -> None:
    messenger(ctx).deactivate(HEALTH)
    review = open_review(ctx).review
    told = len(messenger(ctx).dms_to(COORD))
    assert notify.invite_contacts(ctx, review.id, actor=COORD) == {
        "health": "the Slack account is deactivated"
    }
    assert len(messenger(ctx).dms_to(COORD)) == told
    assert [a for a in audit_actions(ctx) if a[1] == reach.ACTION] == [
        (COORD, reach.ACTION, {"agency": "health", "contact": HEALTH, "why": "deactivated"})
    ]


def test_a_contact_reachable_again_clears_the_flag(ctx: Context) -> None:
    messenger(ctx).deactivate(HEALTH)
    review = open_review(ctx).review
    messenger(ctx).make_deliverable(HEALTH)
    assert reach.invite_or_flag(ctx, review, the_return(ctx, "health"), actor=COORD) is None
    health = the_return(ctx, "health")
    assert health.unreachable is None and health.dm_ts is not None


# -- Enter on behalf -----------------------------------------------------------------------------


def test_enter_on_behalf_checks_the_role_the_return_and_the_date(ctx: Context) -> None:
    messenger(ctx).remove_user(HEALTH)
    open_review(ctx)
    health, police = the_return(ctx, "health"), the_return(ctx, "police")

    def begin(actor: str, rid: int, received: date | None) -> rs.ReturnView:
        return ob.begin(ctx, team_id=TEAM, actor=actor, return_id=rid, received_on=received)

    with pytest.raises(NotAllowed, match="Only partnership coordinators"):
        begin(POLICE, health.id, date(2026, 11, 24))
    with pytest.raises(NotAllowed, match="contact can be reached in Slack"):
        begin(COORD, police.id, date(2026, 11, 24))
    with pytest.raises(NotAllowed, match="isn't yours"):
        ob.begin(ctx, team_id="T0OTHER", actor=COORD, return_id=health.id,
                 received_on=date(2026, 11, 24))  # fmt: skip
    for bad, problem in ((date(2026, 11, 26), "can't have arrived after today"),
                         (date(2026, 11, 19), "before the review's notification date"),
                         (None, "Choose the date")):  # fmt: skip
        with pytest.raises(InvalidRequest) as refused:
            begin(COORD, health.id, bad)
        assert problem in refused.value.fields["received"]
    assert the_return(ctx, "health").entered_by is None  # nothing changed

    view = begin(COORD, health.id, date(2026, 11, 24))
    assert view.page is not None and view.page.section_id == view.form.sections[0].id
    entered = the_return(ctx, "health")
    assert (entered.entered_by, entered.received_on) == (COORD, date(2026, 11, 24))
    begin(COORD, health.id, date(2026, 11, 24))  # pressed again: audited once
    assert [a for a in audit_actions(ctx) if a[1] == ob.ACTION] == [
        (COORD, ob.ACTION, {"agency": "health", "received_on": "2026-11-24", "on_behalf": True})
    ]


def test_a_coordinator_entering_on_behalf_sees_and_saves_only_that_return(ctx: Context) -> None:
    messenger(ctx).remove_user(HEALTH)
    open_review(ctx)
    health, police = the_return(ctx, "health"), the_return(ctx, "police")
    with pytest.raises(NotAllowed):  # not before Enter on behalf was pressed
        rs.load(ctx, team_id=TEAM, actor=COORD, return_id=health.id)
    ob.begin(ctx, team_id=TEAM, actor=COORD, return_id=health.id, received_on=date(2026, 11, 24))

    first = rs.load(ctx, team_id=TEAM, actor=OTHER_COORD, return_id=health.id)  # any coordinator
    assert first.page is not None
    section = first.page.section_id
    saved = rs.save_page(ctx, team_id=TEAM, actor=OTHER_COORD, return_id=health.id,
                         section_id=section, base_revision=0, raw={"0.2": "Named nurse"},
                         mode="draft")  # fmt: skip
    assert saved.view.answers["0.2"] == "Named nurse"
    assert (OTHER_COORD, "page.saved", {"section": section, "revision": 1, "on_behalf": True}) in (
        audit_actions(ctx)
    )
    with pytest.raises(NotAllowed, match="not by you"):
        rs.load(ctx, team_id=TEAM, actor=COORD, return_id=police.id)
    with pytest.raises(NotAllowed):  # the chair is no coordinator
        rs.load(ctx, team_id=TEAM, actor=CHAIR, return_id=health.id)
