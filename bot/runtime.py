"""Everything the running bot is made of, built in one place from the settings (`rrm serve`,
the demo and the end-to-end tests all go through `build_runtime`)."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, text

from bot.clock import Clock, SystemClock
from bot.config_check import Configuration, load_configuration
from bot.faults import after_response
from bot.keys import KeyProblem, load_keys, verify_or_record
from bot.messenger import SlackMessenger
from bot.scheduler import make_scheduler, stop_scheduler
from bot.server import HttpServer, make_wsgi_app
from bot.services import pack_cache
from bot.services.context import Context
from bot.settings import Settings
from bot.slack.app import BackgroundRunner, background_runner, build_app
from bot.slack.client import make_web_client
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

DRAIN_S = 10.0
"""How long stopping waits for background work (DMs, Home updates) still queued or running."""

SWITCH_INTERVAL_S = 0.001
"""How long a thread may keep Python's GIL while others wait for it (CPython's default is
5 ms). A save's transaction gives the GIL up at each SQL statement and waits to get it back
while the other requests' threads compute; at 5 ms a turn, a dozen statements could hold the
database's write turn for 50 ms or more (bench/README.md, "Load")."""


class StartupError(Exception):
    """The bot cannot start; the message names the setting and the fix."""


@dataclass
class Runtime:
    """The built bot: close it to release the database and the worker threads."""

    settings: Settings
    config: Configuration
    engine: Engine
    client: WebClient
    ctx: Context
    app: App
    executor: ThreadPoolExecutor
    scheduler: BackgroundScheduler | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def health(self) -> dict[str, Any]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return {"ok": False, "database": "unreachable"}
        return {"ok": True, "database": "ok"}

    def http_server(self, host: str, port: int) -> HttpServer:
        return HttpServer(after_response(make_wsgi_app(self.app, self.health)), host, port)

    def start_scheduler(self, job: Callable[[], None]) -> None:
        """Trigger ``job`` (one reminder sweep) now and every minute, in this process."""
        self.scheduler = make_scheduler(job, self.ctx.clock)
        self.scheduler.start()

    def close(self) -> None:
        """Stop in order (after the HTTP server): the sweep, then the listeners Bolt still
        runs after acking (they may hand work to ``later``), then that background work (and
        the work it hands on), then the database."""
        self.stopping.set()  # a running sweep hands back what it has not sent
        pack_cache.stop(self.ctx)  # no more warm-ups; a running one stops after its chunk
        if self.scheduler is not None:
            stop_scheduler(self.scheduler)
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        if isinstance(self.ctx.later, BackgroundRunner) and not self.ctx.later.drain(DRAIN_S):
            log.warning("background work still running after %gs: stopping anyway", DRAIN_S)
        self.executor.shutdown(wait=True)
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    team_id: str | None = None,
    retry_backoff: float = 0.5,
) -> Runtime:
    """Build the bot from the settings: configuration, database (migrated), Slack client, the
    service context and the Bolt app."""
    if settings.slack_bot_token is None:
        raise StartupError("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-...)")
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise StartupError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs the app's signing secret "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    config = load_configuration(settings)
    try:
        keys = load_keys(settings)
    except KeyProblem as exc:
        raise StartupError(str(exc)) from None
    for warning in keys.warnings:
        log.warning("%s", warning)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    try:
        verify_or_record(engine, keys)
    except KeyProblem as exc:
        engine.dispose()
        raise StartupError(str(exc)) from None
    client = make_web_client(settings, backoff=retry_backoff)
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rrm-later")
    ctx = Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=SlackMessenger(client, team_id=team_id),
        clock=clock or SystemClock(),
        config=config,
        coordinators=frozenset(settings.rrm_coordinators),
        later=background_runner(executor),
    )
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = build_app(ctx, client=client, signing_secret=secret, team_id=team_id)
    return Runtime(settings, config, engine, client, ctx, app, executor)
