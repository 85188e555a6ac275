"""The app factory: a Bolt `App` with our middleware and listeners, built from a Context.
Nothing here runs at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.logsafety import quiet_body_loggers
from bot.services.context import Context
from bot.slack import middleware
from bot.slack.ack_first import ClaimingApp
from bot.slack.client import retrying_respond
from bot.slack.listeners import actions, commands, events, lifecycle, open_review, packs, views
from bot.slack.listeners import away as away_listeners
from bot.slack.listeners import delegation as delegation_listeners
from bot.slack.listeners import home as home_listeners
from bot.slack.listeners import on_behalf as on_behalf_listeners
from bot.slack.listeners import paste as paste_listeners

log = logging.getLogger(__name__)

LISTENER_THREADS = 32
"""Bolt's listener threads. Each listener runs on one until it returns, and a command's or an
action's ack() comes only when its listener starts: with Bolt's default of 5, the work of a few
slow listeners (a modal opened, a page saved) kept the next requests' acks waiting, most of
their p99 under load (``bench/README.md``). Waiting threads are cheap; the work they do is
bounded by the database's pool and write turn."""


class BackgroundRunner:
    """A `Later` that runs work on `executor`, logging (not losing) a failure. ``drain()``
    waits until no work is queued or running, work handed on by work included: the bot's
    shutdown drains before it shuts the executor down. Work handed in after that is refused
    with a warning (the bot is stopping), not raised into the listener that handed it in."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor
        self._pending = 0
        self._idle = threading.Condition()

    def __call__(self, fn: Callable[[], object]) -> None:
        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("background work failed")
            finally:
                self._done()

        with self._idle:
            self._pending += 1
        try:
            self._executor.submit(run)
        except RuntimeError:  # "cannot schedule new futures after shutdown"
            self._done()
            log.warning("background work not started: the bot is stopping")

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for all work to finish; False if some still runs."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


def background_runner(executor: ThreadPoolExecutor) -> BackgroundRunner:
    """A `Later` that runs work on `executor` (see `BackgroundRunner`)."""
    return BackgroundRunner(executor)


def build_app(
    ctx: Context, *, client: WebClient, signing_secret: str, team_id: str | None = None
) -> App:
    """The Bolt app. `client` is built with `make_web_client` (SLACK_API_URL, retries)."""
    # Bolt and the Slack SDK log request and response bodies (answers) below WARNING.
    quiet_body_loggers()
    app = ClaimingApp(
        uow=ctx.uow,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="rrm-listener"),
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    known_team: dict[str, str | None] = {"id": team_id}

    def workspace_team() -> str | None:
        if known_team["id"] is None:
            try:
                known_team["id"] = str(client.auth_test()["team_id"])
            except Exception:
                log.warning("could not learn the workspace's team id (auth.test failed)")
        return known_team["id"]

    middleware.install(app, ctx.uow, workspace_team)
    app.middleware(retrying_respond(client))  # respond() retries as the client does
    commands.register(app, ctx)
    open_review.register(app, ctx)
    actions.register(app, ctx)
    delegation_listeners.register(app, ctx)
    paste_listeners.register(app, ctx)
    views.register(app, ctx)
    on_behalf_listeners.register(app, ctx)
    packs.register(app, ctx)
    lifecycle.register(app, ctx)
    events.register(app, ctx)
    home_listeners.register(app, ctx)
    away_listeners.register(app, ctx)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        log.error("unhandled %s in a Slack listener", type(error).__name__, exc_info=error)
        return None

    return app
