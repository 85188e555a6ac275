"""`rrm serve`: run the bot until interrupted."""

from __future__ import annotations

import logging
import signal
from functools import partial
from types import FrameType
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.config_check import ConfigProblem
from bot.runtime import StartupError, build_runtime
from bot.scheduler import DailyPurge, sweep_job
from bot.settings import Settings
from bot.throttle import TokenBucket
from storage.db import describe_error
from storage.errors import StorageError

log = logging.getLogger(__name__)


def serve(settings: Settings, *, host: str, port: int, err: TextIO, scheduler: bool = True) -> int:
    """Build the bot and serve Slack: Socket Mode if SLACK_APP_TOKEN is set, else HTTP.
    Unless ``scheduler`` is False (``--no-scheduler``), a reminder sweep runs every minute."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        runtime = build_runtime(settings)
    except (StartupError, ConfigProblem) as exc:
        print(f"rrm: cannot start: {exc}", file=err)
        return 2
    except (SQLAlchemyError, StorageError) as exc:
        reason = describe_error(exc)
        print(f"rrm: cannot start: the database is not usable: {reason}", file=err)
        return 1
    try:
        if scheduler:
            job = partial(
                sweep_job,
                runtime.ctx,
                TokenBucket(),
                runtime.stopping,
                DailyPurge(settings.rrm_retention_days),
            )
            runtime.start_scheduler(job)
            log.info("reminder sweeps every minute (this process)")
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("serving Slack in Socket Mode")
            SocketModeHandler(runtime.app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
            return 0
        server = runtime.http_server(host, port)

        def stop(signum: int, frame: FrameType | None) -> None:
            server.stop()

        signal.signal(signal.SIGTERM, stop)
        log.info("serving Slack on %s/slack/events (health: %s/healthz)", server.url, server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop()
        return 0
    finally:
        runtime.close()
