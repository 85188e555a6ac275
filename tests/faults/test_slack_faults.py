"""Slack answering 429 (with Retry-After) and 500 for a while (DESIGN §6): the bot retries with
backoff, and nothing is lost or doubled — each request card, status card, card update and
reminder reaches Slack exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.fakeslack import RESPONSE_URL, FakeSlack, Message, SlackPerson, flatten_blocks
from bot.runtime import Runtime, build_runtime
from bot.services import reminders, reviews
from bot.throttle import unthrottled
from tests.e2e.conftest import CASES, CHAIR, COORD, CSC, HEALTH, POLICE, RunningBot, settings_for

pytestmark = pytest.mark.timeout(60)

OPEN = ('open RR-2026-014 child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
        "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=police,health,csc")  # fmt: skip
CONTACTS = (POLICE, HEALTH, CSC)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, clean_env: Path) -> Iterator[RunningBot]:
    running = RunningBot(fake, settings_for(fake, f"sqlite:///{tmp_path}/rrm.db"))
    yield running
    running.stop()


def flaky(fake: FakeSlack, *methods: str) -> None:
    """The next four calls to each method fail: a 429 (Retry-After: 0, which the client waits
    up to a second on), then three 500s — as many as the client retries a call."""
    for method in methods:
        fake.fail_next(method, status=429, retry_after=0, times=1)
        fake.fail_next(method, status=500, times=3)


def said(message: Message) -> str:
    return "\n".join(flatten_blocks(message.blocks))


def opened(bot: RunningBot, fake: FakeSlack) -> SlackPerson:
    coord = bot.person(COORD)
    sent = coord.command(OPEN, CASES)
    assert sent.status == 200
    assert "Opened rapid review *RR-2026-014*" in coord.await_ephemeral(sent, 10).text
    for user in CONTACTS:
        coord.wait_for(lambda u=user: fake.dm_messages(u), 10, f"the request to {user}")
    return coord


def test_opening_while_slack_fails_sends_every_card_once(bot: RunningBot, fake: FakeSlack) -> None:
    flaky(fake, "users.info", "conversations.open", "chat.postMessage")

    opened(bot, fake)

    assert fake.faults_served == 3 * 4
    assert len(fake.messages(CASES)) == 1  # the status card
    assert [len(fake.dm_messages(u)) for u in CONTACTS] == [1, 1, 1]
    assert len(fake.calls_to("chat.postMessage")) == 1 + len(CONTACTS)


def test_a_page_saved_while_slack_fails_updates_each_card_once(
    bot: RunningBot, fake: FakeSlack
) -> None:
    opened(bot, fake)
    police = bot.person(POLICE)
    police.open_from(police.last_dm(), "return_start")
    flaky(fake, "chat.update")  # the request card (Start -> Continue) and the status card

    police.fill({"0.2": "Detective sergeant"})
    assert police.submit().ok

    police.wait_for(lambda: "[Continue]" in said(police.last_dm()), 10, "Continue")
    police.wait_for(lambda: len(fake.calls_to("chat.update")) == 2, 10, "two card updates")
    assert fake.faults_served == 4
    assert [len(m.versions) for m in fake.dm_messages(POLICE)] == [2]
    assert [len(m.versions) for m in fake.messages(CASES)] == [2]
    with bot.runtime.ctx.uow as uow:
        ret = next(r for r in uow.returns.list_for_review(1) if r.contact_user_id == POLICE)
        assert uow.answers.revisions(ret.id)["0"] == 1


@pytest.mark.parametrize("status", [429, 500])
def test_a_reply_whose_response_url_fails_is_retried(
    bot: RunningBot, fake: FakeSlack, status: int
) -> None:
    """The ephemeral reply goes to the command's response_url: Slack failing there for a
    while (a 429 with Retry-After, or 500s) must not leave the coordinator without an answer,
    nor with two (``bot.slack.client.RetryingRespond``; Bolt's own respond() sends once)."""
    coord = bot.person(COORD)
    fake.fail_next(RESPONSE_URL, status=status, times=1 if status == 429 else 3, retry_after=0)

    sent = coord.command("status", CASES)

    assert sent.status == 200
    assert coord.await_ephemeral(sent, 10).text == "There are no open reviews."
    assert len(fake.ephemeral_messages(COORD)) == 1
    assert fake.faults_served == (1 if status == 429 else 3)


@pytest.fixture
def at_nine(fake: FakeSlack, tmp_path: Path, clean_env: Path) -> Iterator[Runtime]:
    """The bot's runtime on a clock we move: 08:30 on the due day of the review it opens."""
    settings = settings_for(fake, f"sqlite:///{tmp_path}/rrm.db")
    runtime = build_runtime(settings, clock=FixedClock(datetime(2026, 12, 2, 8, 30, tzinfo=LONDON)),
                            team_id=fake.team_id, retry_backoff=0.01)  # fmt: skip
    req = reviews.OpenRequest(
        reference="RR-2026-014", pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, tzinfo=LONDON), due_date=date(2026, 12, 2),
        chair=CHAIR, contacts={"police": None, "csc": None},
    )  # fmt: skip
    reviews.open_review(runtime.ctx, team_id=fake.team_id, actor=COORD, channel_id=CASES, req=req)
    yield runtime
    runtime.close()


def test_a_reminder_slack_keeps_failing_goes_once_at_a_later_sweep(
    at_nine: Runtime, fake: FakeSlack
) -> None:
    ctx, clock = at_nine.ctx, at_nine.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=LONDON))  # the due-day reminders are due
    fake.fail_next("chat.postMessage", status=500, times=5)  # more than the client's 4 retries

    first = reminders.sweep(ctx, throttle=unthrottled())
    clock.advance(timedelta(minutes=5))
    second = reminders.sweep(ctx, throttle=unthrottled())
    third = reminders.sweep(ctx, throttle=unthrottled())

    assert sorted(o.result for o in first.outcomes) == ["retry", "sent"]
    assert [o.result for o in second.outcomes] == ["sent"]
    assert third.outcomes == []
    for user in (POLICE, CSC):
        reminded = [m for m in fake.dm_messages(user) if "agency return, due" in m.text]
        assert len(reminded) == 1, user
