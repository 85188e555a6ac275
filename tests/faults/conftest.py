"""Fault-injection fixtures (DESIGN §8): the bot as a separate process that a test can kill -9
at a named point (``RRM_KILL_AT``, ``bot.faults``) and start again on the same database, and a
throw-away PostgreSQL cluster of the test's own (initdb in a temp folder, its own port) that a
test may stop and start — never the shared server.

Waits here are bounded waits for processes and ports, nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from bot.fakeslack import FakeSlack
from tests.e2e.conftest import (
    CASES,
    CHAIR,
    COORD,
    SECRET,
    RunningBot,
    people_of_partnership,
    settings_for,
)
from tests.integration.conftest import DATABASES, throwaway_pg_database

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("runner.py")
SERVING = re.compile(r"serving Slack on (http://\S+)/slack/events")
PG_BIN = Path(os.environ.get("RRM_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
_OUR_ENV = re.compile(r"^(SLACK_|RRM_|DATABASE_URL$)")


def wait_until(predicate: object, timeout: float, what: str) -> None:
    """Poll ``predicate()`` every 20 ms until it is truthy; TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g}s for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    """The bot in its own process: ``argv`` after the Python interpreter, ``env`` its settings.
    Its stderr goes to ``log``; ``start()`` returns once it serves, with its URL."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    starts: int = 0
    _log_from: int = field(default=0, repr=False)

    def start(
        self, *, kill_at: str | None = None, extra: Sequence[str] = (), timeout: float = 30
    ) -> str:
        assert self.process is None or self.process.poll() is not None, "already running"
        env = {k: v for k, v in os.environ.items() if not _OUR_ENV.match(k)}
        env.update(self.env)
        env["PYTHONPATH"] = str(ROOT)
        if kill_at:
            env["RRM_KILL_AT"] = kill_at
        self._log_from = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.argv, *extra],
                env=env,
                cwd=self.cwd,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        self.starts += 1
        found: list[str] = []

        def serving() -> bool:
            match = SERVING.search(self.new_log())
            if match:
                found.append(match.group(1))
                return True
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the bot exited ({self.process.returncode}):\n{self.new_log()}")
            return False

        wait_until(serving, timeout, "the bot to serve")
        self.url = found[0]
        return self.url

    def new_log(self) -> str:
        """What the current (or last) process wrote."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as f:
            f.seek(self._log_from)
            return f.read().decode("utf-8", "replace")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_dead(self, timeout: float = 5) -> int:
        """Wait for the process to end; its return code (-9 after SIGKILL)."""
        assert self.process is not None
        return self.process.wait(timeout)

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The workspace of the end-to-end tests: the example partnership's contacts, the
    coordinator, the chair and the reviews channel."""
    with FakeSlack() as slack:
        slack.add_user(COORD, "casey", "Casey Coordinator")
        slack.add_user(CHAIR, "chris", "Chris Chair")
        people_of_partnership(slack)
        slack.add_channel(CASES, "rapid-reviews", members=[COORD, CHAIR])
        yield slack


def bot_env(fake: FakeSlack, database_url: str, **more: str) -> dict[str, str]:
    """The settings of a bot process talking to ``fake``."""
    return {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "RRM_COORDINATORS": COORD,
        **more,
    }


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Every bot process a test starts is stopped at its end, whatever happened."""
    started: list[BotProcess] = []
    yield started
    for bot in started:
        bot.stop()


# -- a PostgreSQL cluster of the test's own -------------------------------------------------


@dataclass
class Cluster:
    """A throw-away PostgreSQL cluster (initdb in a temp folder, its own port, trust auth for
    user postgres). As root the server programs run as the ``postgres`` user."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.folder
        )

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=40"
        )
        done = self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip
        if done.returncode != 0:
            log = (self.folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "-t", "30", "stop")

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A new database in this cluster (its URL), dropped afterwards."""
        name = f"rrm_{secrets.token_hex(4)}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
            yield self.url.rsplit("/", 1)[0] + f"/{name}"
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


def _cluster_unavailable(reason: str) -> None:
    if os.environ.get("RRM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"RRM_REQUIRE_POSTGRES=1 but a throw-away cluster can't be made: {reason}")
    pytest.skip(f"no throw-away PostgreSQL cluster: {reason}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A running throw-away cluster for the module's tests (each makes its own database in it
    with ``cluster.database()``); stopped and deleted afterwards."""
    if not (PG_BIN / "initdb").exists():
        _cluster_unavailable(f"{PG_BIN}/initdb not found (set RRM_TEST_PG_BIN)")
    folder = Path(tempfile.mkdtemp(prefix="rrm-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    made = Cluster(folder, free_port())
    try:
        try:
            made.init()
            made.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            _cluster_unavailable(str(exc))
        yield made
    finally:
        made.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- the bot in this process, on each database ------------------------------------------------


@pytest.fixture(params=DATABASES)
def bot_on_each_database(
    request: pytest.FixtureRequest, fake: FakeSlack, tmp_path: Path, clean_env: Path
) -> Iterator[RunningBot]:
    """The bot served on a thread, on SQLite, then on a throw-away PostgreSQL database of the
    shared server (skipped without one, unless RRM_REQUIRE_POSTGRES=1)."""
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
