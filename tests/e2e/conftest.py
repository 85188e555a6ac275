"""End-to-end fixtures: a FakeSlack workspace peopled from the example partnership, and the real
bot (``build_runtime``) served over HTTP on a thread, with people who act through signed
requests (``bot.person(user_id)``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.clock import FixedClock
from bot.fakeslack import FakeSlack, SlackPerson
from bot.runtime import Runtime, build_runtime
from bot.server import HttpServer
from bot.settings import Settings
from forms.partnership import EmailContact, default_partnership_path, load_partnership
from forms.records import AgencyReturn
from tests.integration.conftest import DATABASES, throwaway_pg_database

SECRET = "test-secret"
COORD, CHAIR, STRANGER, OUTSIDER = "U0COORD", "U0CHAIR", "U0STRANGE", "U0OUTSIDE"
OTHER_TEAM = "T0OTHER"
CASES, NOBOT, COORDS = "C0CASES", "C0NOBOT", "C0COORDS"
POLICE, HEALTH, CSC = "U0POLICE1", "U0HEALTH1", "U0CSC0001"
"""The contacts of the agencies the tests open reviews with (health's is found by email)."""


def _email_user_id(n: int) -> str:
    return HEALTH if n == 0 else f"U0EMAIL{n:02d}"


def people_of_partnership(fake: FakeSlack) -> None:
    """A Slack user for every contact and escalation contact of the example partnership:
    user ids as written, and a user with each contact email address."""
    partnership = load_partnership(default_partnership_path())
    emails = 0
    for agency in partnership.agencies:
        for contact in (*agency.contacts, agency.escalation_contact):
            if isinstance(contact, EmailContact):
                user_id = _email_user_id(emails)
                emails += 1
                fake.add_user(user_id, real_name=f"{agency.name} inbox", email=contact.email)
            elif contact and contact not in fake.world.users:
                fake.add_user(contact, real_name=f"{agency.name} contact")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user(COORD, "casey", "Casey Coordinator")
        slack.add_user(CHAIR, "chris", "Chris Chair")
        people_of_partnership(slack)
        slack.add_user(STRANGER, "sam", "Sam Stranger", is_stranger=True)
        slack.add_user(OUTSIDER, "olly", "Olly Othertown", team_id=OTHER_TEAM)
        slack.add_channel(CASES, "rapid-reviews", members=[COORD, CHAIR])
        slack.add_channel(NOBOT, "general", members=[COORD], bot_is_member=False)
        slack.add_channel(COORDS, "rrm-coordinators", members=[COORD], is_private=True)
        yield slack


@dataclass
class RunningBot:
    """The bot as deployed: settings, runtime, HTTP server. ``restart()`` stops it and builds
    a new runtime on the same database file."""

    fake: FakeSlack
    settings: Settings
    runtime: Runtime = field(init=False)
    server: HttpServer = field(init=False)

    def __post_init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self.runtime = build_runtime(self.settings, team_id=self.fake.team_id, retry_backoff=0.01)
        self.server = self.runtime.http_server("127.0.0.1", 0).start()

    @property
    def url(self) -> str:
        return self.server.url

    def person(self, user_id: str, *, team_id: str | None = None) -> SlackPerson:
        return SlackPerson(self.fake, user_id, app_url=self.url, signing_secret=SECRET,
                           team_id=team_id)  # fmt: skip

    def stop(self) -> None:
        # WORKAROUND: bot/server.py HttpServer.stop sets the stop flag, then pulls the
        # trigger of a loop that may have just closed it (EBADF). Stopped all the same.
        with contextlib.suppress(OSError):
            self.server.stop()
        self.runtime.close()

    def restart(self) -> None:
        """A new process in all but name: new runtime, new port, the same database file.
        People made before keep pointing at the old port: make them again."""
        self.stop()
        self._start()


@dataclass
class ClockedBot(RunningBot):
    """The bot as deployed, its clock fixed (``bot.clock.set`` moves it); kept on restart."""

    clock: FixedClock

    def _start(self) -> None:
        self.runtime = build_runtime(
            self.settings, clock=self.clock, team_id=self.fake.team_id, retry_backoff=0.01
        )
        self.server = self.runtime.http_server("127.0.0.1", 0).start()


StartBot = Callable[..., ClockedBot]
"""``start(at, **settings)``: a :class:`ClockedBot` on a fresh SQLite file, its clock at
``at``; keyword arguments replace those settings (``rrm_coordinators=...``)."""


def agency_return(bot: RunningBot, agency: str, reference: str = "RR-2026-014") -> AgencyReturn:
    """The stored return of ``agency`` (its key: ``police``) in the review ``reference``."""
    with bot.runtime.ctx.uow as uow:
        review = uow.reviews.get_by_reference(bot.fake.team_id, reference)
        assert review is not None
        return next(r for r in uow.returns.list_for_review(review.id) if r.agency_key == agency)


def settings_for(fake: FakeSlack, database_url: str, **more: Any) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=fake.bot_token,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake.api_url,
        database_url=database_url,
        rrm_coordinators=(COORD,),
        **more,
    )


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, clean_env: Path) -> Iterator[RunningBot]:
    """The bot on a fresh SQLite file."""
    running = RunningBot(fake, settings_for(fake, f"sqlite:///{tmp_path}/rrm.db"))
    yield running
    running.stop()


@pytest.fixture
def clocked_bot(fake: FakeSlack, tmp_path: Path, clean_env: Path) -> Iterator[StartBot]:
    """Starts the bot on a fixed clock, for a test file's own ``bot`` fixture (which adds its
    people to ``fake`` first); stopped after the test."""
    started: list[ClockedBot] = []

    def start(at: datetime, **update: Any) -> ClockedBot:
        settings = settings_for(fake, f"sqlite:///{tmp_path}/rrm.db")
        if update:
            settings = settings.model_copy(update=update)
        started.append(ClockedBot(fake, settings, FixedClock(at)))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture(params=DATABASES)
def bot_on_each_database(
    request: pytest.FixtureRequest, fake: FakeSlack, tmp_path: Path, clean_env: Path
) -> Iterator[RunningBot]:
    """The bot on SQLite, then on a throw-away PostgreSQL database (skipped without one,
    unless RRM_REQUIRE_POSTGRES=1)."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            settings = settings_for(fake, f"sqlite:///{tmp_path}/rrm.db")
        else:
            url = stack.enter_context(throwaway_pg_database())
            settings = settings_for(
                fake,
                url.render_as_string(hide_password=False),
                rrm_encryption_key=Fernet.generate_key().decode(),
            )
        running = RunningBot(fake, settings)
        yield running
        running.stop()
