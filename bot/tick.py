"""``rrm tick [--at ISO-TIME]``: one reminder, escalation and pack-delivery sweep, for cron
deployments and tests. It needs the bot token (it sends to Slack) but no signing secret."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, FixedClock, SystemClock
from bot.config_check import ConfigProblem, load_configuration
from bot.keys import KeyProblem, load_keys, verify_or_record
from bot.messenger import SlackMessenger
from bot.scheduler import parse_at, print_report
from bot.services import reminders
from bot.services.context import Context
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.throttle import TokenBucket
from forms.calendar import zone
from storage.db import describe_error, make_engine, make_session_factory
from storage.errors import StorageError
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork


def run_tick(settings: Settings, at: str | None, *, out: TextIO, err: TextIO) -> int:
    """Run one sweep now, or at ``at`` (a fixed clock), and print what it did."""
    if settings.slack_bot_token is None:
        print("rrm tick: SLACK_BOT_TOKEN is not set: give the bot token (xoxb-...)", file=err)
        return 2
    try:
        config = load_configuration(settings)
        keys = load_keys(settings)
    except (ConfigProblem, KeyProblem) as exc:
        print(f"rrm tick: {exc}", file=err)
        return 2
    clock: Clock = SystemClock()
    if at is not None:
        try:
            clock = FixedClock(parse_at(at, zone(config.partnership.timezone)))
        except ValueError as exc:
            print(f"rrm tick: {exc}", file=err)
            return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        verify_or_record(engine, keys)
        ctx = Context(
            uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
            messenger=SlackMessenger(make_web_client(settings)),
            clock=clock,
            config=config,
            coordinators=frozenset(settings.rrm_coordinators),
        )
        report = reminders.sweep(ctx, throttle=TokenBucket())
    except KeyProblem as exc:
        print(f"rrm tick: {exc}", file=err)
        return 2
    except (SQLAlchemyError, StorageError) as exc:
        reason = describe_error(exc)
        print(f"rrm tick: the database is not usable: {reason}", file=err)
        return 1
    finally:
        engine.dispose()
    print_report(report, out)
    return 0


__all__ = ["run_tick"]
