"""``rrm purge``, ``rrm export REF --out DIR`` and ``rrm audit REF``: retention and records from
the command line (DESIGN §3, §5). The CLI acts as ``cli`` in the audit log.

``rrm purge`` asks Slack to delete the pack copies when ``SLACK_BOT_TOKEN`` is set; without it
the answers are purged all the same, the copies are kept on record and the command says so (and
exits 1, so that cron reports it). ``rrm export`` and ``rrm audit`` never talk to Slack.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import SystemClock
from bot.config_check import ConfigProblem, load_configuration
from bot.keys import KeyProblem, load_keys, verify_or_record
from bot.messenger import DeliveryFailed, Messenger, SlackMessenger
from bot.pack_cli import OfflineMessenger
from bot.services import export, retention
from bot.services.context import Context
from bot.services.errors import ServiceError
from bot.settings import Settings
from bot.slack.client import make_web_client
from storage.db import describe_error, make_engine, make_session_factory
from storage.errors import StorageError
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

ACTOR = "cli"


class CliProblem(Exception):
    """Something the person running the command must fix; the message says what."""


class NoSlack(OfflineMessenger):
    """The CLI's messenger without a bot token: nothing can be deleted in Slack."""

    def delete_file(self, file_id: str) -> None:
        """Refuse: Slack cannot be asked without a token."""
        raise DeliveryFailed(file_id, "SLACK_BOT_TOKEN is not set", code="offline")


def run(settings: Settings, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Run ``rrm purge``, ``rrm export`` or ``rrm audit``; returns the exit status."""
    command: Callable[[Context, Settings, argparse.Namespace, TextIO], int] = {
        "purge": _purge,
        "export": _export,
        "audit": _audit,
    }[args.command]
    try:
        with _context(settings, slack=args.command == "purge") as ctx:
            return command(ctx, settings, args, out)
    except (CliProblem, ConfigProblem, KeyProblem) as exc:
        print(f"rrm {args.command}: {exc}", file=err)
        return 1
    except ServiceError as exc:
        print(f"rrm {args.command}: {exc.message}", file=err)
        return 1
    except (SQLAlchemyError, StorageError) as exc:
        reason = describe_error(exc)
        print(f"rrm {args.command}: the database is not usable: {reason}", file=err)
        return 1
    except OSError as exc:
        print(f"rrm {args.command}: {exc.strerror or exc}: {exc.filename or ''}", file=err)
        return 1


def _purge(ctx: Context, settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    days = settings.rrm_retention_days
    unit = "day" if days == 1 else "days"
    print(f"Retention: answers are purged {days} {unit} after a review is closed.", file=out)
    report = retention.purge_due(ctx, retention_days=days, actor=ACTOR)
    for line in report.lines():
        print(line, file=out)
    return 1 if any(p.files_left for p in report.purged) else 0


def _export(ctx: Context, settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    team = _team_of(ctx, args.reference, args.team)
    done = export.export_review(
        ctx,
        team_id=team,
        reference=args.reference,
        out=Path(args.out),
        actor=ACTOR,
        retention_days=settings.rrm_retention_days,
    )
    for path in done.files:
        print(f"Wrote {path}", file=out)
    if done.pack_version is None:
        purged = f"{done.review.reference} was purged: only its record and audit log remain."
        print(purged, file=out)
    print(
        "OFFICIAL-SENSITIVE: move these files into the partnership's records system and delete "
        "them here.",
        file=out,
    )
    return 0


def _audit(ctx: Context, settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    team = _team_of(ctx, args.reference, args.team)
    for line in export.audit_log(ctx, team_id=team, reference=args.reference):
        print(line, file=out)
    return 0


def _team_of(ctx: Context, reference: str, wanted: str | None) -> str:
    with ctx.uow as uow:
        teams = [r.team_id for r in uow.retention.find(reference.strip().upper())]
    if wanted and wanted in teams:
        return wanted
    if not teams or wanted:
        where = f" in team {wanted}" if wanted else ""
        raise CliProblem(f"there is no review {reference.upper()}{where} in the database")
    if len(teams) > 1:
        listed = ", ".join(teams)
        raise CliProblem(f"{reference.upper()} exists in several teams: give --team ({listed})")
    return teams[0]


@contextmanager
def _context(settings: Settings, *, slack: bool) -> Iterator[Context]:
    """The service context of a CLI command on the configured database."""
    database = make_url(settings.database_url).database
    if not settings.is_postgres and database and not Path(database).exists():
        raise CliProblem(f"there is no database at {database} (DATABASE_URL)")
    config = load_configuration(settings)
    keys = load_keys(settings)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        verify_or_record(engine, keys)
        messenger: Messenger = NoSlack()
        if slack and settings.slack_bot_token is not None:
            messenger = SlackMessenger(make_web_client(settings))
        yield Context(
            uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
            messenger=messenger,
            clock=SystemClock(),
            config=config,
            coordinators=frozenset(settings.rrm_coordinators),
        )
        _checkpoint(engine)
    finally:
        engine.dispose()


def _checkpoint(engine: Engine) -> None:
    """SQLite: fold the WAL into the database file, so that purged pages do not linger in it."""
    if engine.dialect.name != "sqlite":
        return
    with suppress(SQLAlchemyError), engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
