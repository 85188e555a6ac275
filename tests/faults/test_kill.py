"""kill -9 of the bot process at named, seeded points while 20 returns are answered (DESIGN §6,
§8): the bot is restarted on the same database, people carry on as they would in Slack (press
Next again on the modal still open, click again where nothing happened), and afterwards every
page is stored exactly once — no duplicate, section revisions equal to the page saves audited,
the page that was being saved when the process died not lost.

The bot runs as ``rrm serve`` (``python -m bot.cli serve``), or for the sweep point as
``tests/faults/runner.py`` (the same build on a fixed clock, sweeping on SIGUSR1).
"""

from __future__ import annotations

import random
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from http.client import HTTPException
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.fakeslack import FakeSlack, Sent, SlackPerson, flatten_blocks
from bot.faults import AFTER_COMMIT, AFTER_RESPONSE, BEFORE_COMMIT, MID_SWEEP
from bot.keys import load_keys
from bot.settings import Settings
from forms.records import ReturnState
from storage.db import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
from tests.e2e.conftest import CASES, COORD, CSC, POLICE, SECRET
from tests.faults.conftest import RUNNER, BotProcess, bot_env, wait_until

pytestmark = pytest.mark.timeout(180)  # a bound against a hang; about 15 s each on a quiet machine

SEED = 20261126
AGENCIES = {"police": POLICE, "gp": "U0GPNAMED1", "hv": "U0HVLEAD1", "csc": CSC,
            "probation": "U0PROBAT1"}  # fmt: skip
REFS = [f"RR-2026-1{n:02d}" for n in range(1, 5)]  # 4 reviews x 5 agencies = 20 returns
OPEN = ('open {ref} child="Child A" notified=2026-11-20 meeting=2026-12-09T10:00 '
        "due=2026-12-02 chair=<@U0CHAIR|chair> agencies=" + ",".join(AGENCIES))  # fmt: skip
OPENED = datetime.fromisoformat("2026-12-02T08:30:00+00:00")  # the due day, in London
SWEPT = datetime.fromisoformat("2026-12-02T10:00:00+00:00")  # the due-day reminders are due
SAVES_PER_RETURN = 2  # the nil page and the sign-off page, each with Next
RESPONSES_PER_RETURN = 5  # No involvement, Next, K1 = Yes, Next, Submit
ROLE, SIGNED = "Named safeguarding lead", "2026-11-26"
LOST = (OSError, HTTPException)  # the connection died with the process


def nth(point: str, low: int, high: int) -> int:
    """The seeded pass of ``point`` that kills (the same every run)."""
    return random.Random(f"{SEED}:{point}").randint(low, high)


def shown(person: SlackPerson) -> str:
    try:
        view = person.current_view()
    except LookupError:
        return ""
    buttons = [f"[{view.view[k]['text']}]" for k in ("submit", "close") if k in view.view]
    return "\n".join([view.title, *buttons, *flatten_blocks(view.blocks)])


class Session:
    """People acting on the bot process, carrying on across one kill -9 and restart."""

    def __init__(self, bot: BotProcess, fake: FakeSlack, point: str, restart: list[str]) -> None:
        self.bot, self.fake, self.point, self.restart = bot, fake, point, restart
        self.people: dict[str, SlackPerson] = {}
        self.kills = 0

    def person(self, user: str) -> SlackPerson:
        if user not in self.people:
            self.people[user] = SlackPerson(self.fake, user, app_url=self.bot.url,
                                            signing_secret=SECRET)  # fmt: skip
        return self.people[user]

    def recover(self) -> None:
        """The bot died: it must have been our kill -9 at our point. Start it again."""
        assert self.bot.wait_dead(10) == -signal.SIGKILL, self.bot.new_log()
        assert f"rrm: killed at {self.point}" in self.bot.new_log()
        self.kills += 1
        assert self.kills == 1, "killed twice"
        self.bot.start(extra=self.restart)
        for person in self.people.values():
            person.app_url = self.bot.url

    def until_shown(self, act: Callable[[], Sent | None], person: SlackPerson, text: str) -> None:
        """Do ``act`` (a click) until its effect, ``text`` in the modal, shows; again after a
        restart when the bot died before the effect."""
        for _ in range(3):
            try:
                sent = act()
            except LOST:
                self.recover()
                continue
            assert sent is None or sent.status == 200, (sent.status, sent.body)
            wait_until(lambda: text in shown(person) or not self.bot.alive, 10, text)
            if text in shown(person):
                return
            self.recover()
        raise AssertionError(f"{text!r} never showed for {person.user_id}")

    def submit(self, person: SlackPerson, expect: str) -> None:
        """Press Next (or Submit); if the bot died on it, press it again on the same modal."""
        for _ in range(3):
            try:
                sent = person.submit()
            except LOST:
                self.recover()
                continue
            assert sent.status == 200 and sent.ok, (sent.status, sent.body, sent.errors)
            page = shown(person)
            assert expect in page, f"{expect!r} not shown after Next; the modal:\n{page}"
            return
        raise AssertionError(f"Next never went through for {person.user_id}")

    def open_reviews(self) -> None:
        coord = self.person(COORD)
        for ref in REFS:
            sent = coord.command(OPEN.format(ref=ref), CASES)
            assert "Opened rapid review" in coord.await_ephemeral(sent, 10).text
        for user in AGENCIES.values():
            wait_until(lambda u=user: len(self.fake.dm_messages(u)) == len(REFS), 10, "requests")

    def answer_nil(self, user: str, ref: str) -> None:
        """A short return: No involvement, what was searched, sign-off, Submit."""
        person = self.person(user)
        if shown(person):
            person.close()  # the thank-you of the previous return
        card = next(m for m in person.dm_messages() if ref in m.text)
        self.until_shown(lambda: person.click(card, "return_nil"), person, "(x) No involvement")
        person.fill({"A1a": f"{ref}: records searched for {user}."})
        self.submit(person, "Sign-off and data handling")
        self.until_shown(lambda: person.choose("K1", "yes", await_update=False), person,
                         "Approver's role")  # fmt: skip
        person.fill({"K1.role": ROLE, "K1.date": SIGNED, "K2": "yes"})
        self.submit(person, "Submit return")
        self.submit(person, "Thank you")


def returns_in_order() -> list[tuple[str, str]]:
    return [(user, ref) for ref in REFS for user in AGENCIES.values()]


def storage(database_url: str) -> tuple[Engine, SqlUnitOfWork]:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    keys = load_keys(settings)
    engine = make_engine(database_url)
    return engine, SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher())


def assert_every_page_once(database_url: str) -> None:
    engine, uow = storage(database_url)
    try:
        with uow:
            for ref in REFS:
                review = uow.reviews.get_by_reference("T0TEAM", ref)
                assert review is not None
                audit = uow.audit.list_for_review(review.id)
                returns = uow.returns.list_for_review(review.id)
                assert [r.state for r in returns] == [ReturnState.NIL] * len(AGENCIES)
                for ret in returns:
                    user = AGENCIES[ret.agency_key]
                    assert uow.answers.get(ret.id) == {
                        "A1": "no_involvement", "A1a": f"{ref}: records searched for {user}.",
                        "K1": "yes", "K1.role": ROLE, "K1.date": SIGNED, "K2": "yes",
                    }  # fmt: skip
                    revisions = {s: n for s, n in uow.answers.revisions(ret.id).items() if n}
                    # A: "No involvement" then Next; K: Next — each counted once however often
                    # it arrived, and each revision is one audited save.
                    assert revisions == {"A": 2, "K": 1}, (ref, ret.agency_key, revisions)
                    saves = [a.details["section"] for a in audit
                             if a.return_id == ret.id and a.action == "page.saved"]  # fmt: skip
                    assert sorted(saves) == ["A", "A", "K"], (ref, ret.agency_key, saves)
                    submitted = [a for a in audit
                                 if a.return_id == ret.id and a.action == "return.submitted"]  # fmt: skip
                    assert len(submitted) == 1, (ref, ret.agency_key, submitted)
    finally:
        engine.dispose()


def assert_each_request_sent_once(fake: FakeSlack) -> None:
    for user in AGENCIES.values():
        first = [str(m.versions[0].get("text", "")) for m in fake.dm_messages(user)]
        cards = [text for text in first if "please send" in text]
        assert sorted(ref for text in cards for ref in REFS if ref in text) == REFS, user


@pytest.mark.parametrize(
    ("point", "kill_at"),
    [
        (BEFORE_COMMIT, nth(BEFORE_COMMIT, 1, SAVES_PER_RETURN * 20)),
        (AFTER_COMMIT, nth(AFTER_COMMIT, 1, SAVES_PER_RETURN * 20)),
        # past the 4 /rrm open answers, among the answers of the returns
        (AFTER_RESPONSE, nth(AFTER_RESPONSE, len(REFS) + 5, RESPONSES_PER_RETURN * 20)),
    ],
)
def test_kill_9_while_answering_then_restart_keeps_every_page_once(
    point: str, kill_at: int, fake: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    url = f"sqlite:///{tmp_path}/rrm.db"
    bot = BotProcess(["-m", "bot.cli", "serve", "--port", "0", "--no-scheduler"],
                     bot_env(fake, url), tmp_path, tmp_path / "bot.log")  # fmt: skip
    processes.append(bot)
    bot.start(kill_at=f"{point}:{kill_at}")
    session = Session(bot, fake, point, [])

    session.open_reviews()
    for user, ref in returns_in_order():
        session.answer_nil(user, ref)

    assert session.kills == 1, f"the bot was never killed at {point}:{kill_at}"
    assert_every_page_once(url)
    assert_each_request_sent_once(fake)


def test_kill_9_mid_sweep_sends_each_reminder_once(
    fake: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    """The due-day reminders of the outstanding returns go out in a sweep started while the
    returns are answered; the bot dies after the N-th is sent and recorded. Restarted after the
    claims' lease, it sends the rest: each reminder once, none left claimed."""
    url = f"sqlite:///{tmp_path}/rrm.db"
    bot = BotProcess([str(RUNNER), "--at", OPENED.isoformat(), "--then", SWEPT.isoformat()],
                     bot_env(fake, url), tmp_path, tmp_path / "bot.log")  # fmt: skip
    processes.append(bot)
    kill_at = nth(MID_SWEEP, 1, 4)
    bot.start(kill_at=f"{MID_SWEEP}:{kill_at}")
    later = (SWEPT + timedelta(minutes=15)).isoformat()  # the claims' 10-minute lease is over
    session = Session(bot, fake, MID_SWEEP, ["--at", later, "--sweep"])

    session.open_reviews()
    for n, (user, ref) in enumerate(returns_in_order()):
        if n == 8:
            bot.signal(signal.SIGUSR1)  # a sweep, while the other 12 are answered
        session.answer_nil(user, ref)
    if session.kills == 0:  # the sweep may still be on its way to the N-th reminder
        session.recover()

    assert_every_page_once(url)
    assert_each_request_sent_once(fake)
    reminders = [m for user in AGENCIES.values() for m in fake.dm_messages(user)
                 if "agency return, due" in m.text]  # fmt: skip
    engine, uow = storage(url)
    try:
        with uow:
            rows = [
                r
                for ref in REFS
                for r in uow.reminders.list_for_review(
                    uow.reviews.get_by_reference("T0TEAM", ref).id
                )
            ]  # type: ignore[union-attr]
    finally:
        engine.dispose()
    sent = [r for r in rows if r.state.value == "sent"]
    assert not [r for r in rows if r.state.value == "claimed"]
    assert len(sent) >= kill_at
    assert len(reminders) == len(sent)  # none twice, none recorded as sent but not delivered
    assert len({(r.return_id, r.kind) for r in sent}) == len(sent)
