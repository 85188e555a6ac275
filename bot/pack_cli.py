"""``rrm pack REF [--format html|pdf] [--out PATH] [--team T…]``: compile a meeting pack from the
database named by the settings and write it to files. The CLI acts as the system (actor
``cli``): the pack is recorded and audited like any other, and nothing is sent to Slack."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import SystemClock
from bot.config_check import ConfigProblem, load_configuration
from bot.keys import KeyProblem, load_keys, verify_or_record
from bot.messenger import Blocks, DeliveryFailed, MessageRef, SlackUser, Upload
from bot.services import packs
from bot.services.context import Context
from bot.services.errors import NotFound, ServiceError
from bot.settings import Settings
from forms.records import PackKind
from storage.db import describe_error, make_engine, make_session_factory
from storage.errors import StorageError
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

ACTOR = "cli"
FORMATS = ("pdf", "html")


class OfflineMessenger:
    """The ``Messenger`` of the command line: Slack is not reachable from here, so names stay
    user ids and nothing is ever sent."""

    def _refuse(self, target: str) -> DeliveryFailed:
        return DeliveryFailed(target, "rrm pack does not talk to Slack", code="offline")

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        raise self._refuse(channel)

    def update(self, ref: MessageRef, text: str, blocks: Blocks | None = None) -> None:
        raise self._refuse(ref.channel)

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> MessageRef:
        raise self._refuse(user_id)

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> None:
        raise self._refuse(user_id)

    def upload_to_dm(self, user_id: str, files: Sequence[Upload], comment: str) -> list[str]:
        raise self._refuse(user_id)

    def delete_file(self, file_id: str) -> None:
        raise self._refuse(file_id)

    def lookup_email(self, email: str) -> str | None:
        return None

    def user_info(self, user_id: str) -> SlackUser | None:
        return None

    def bot_in_channel(self, channel: str) -> bool:
        return False

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        raise self._refuse(user_id)


def _targets(out: Path | None, stem: str, formats: Sequence[str]) -> dict[str, Path]:
    """Where each format goes: into ``out`` when it is a folder, to ``out`` itself for one
    format, else ``out`` with each format's suffix."""
    if out is None or out.is_dir():
        folder = out or Path(".")
        return {f: folder / f"{stem}.{f}" for f in formats}
    if len(formats) == 1:
        return {formats[0]: out}
    return {f: out.with_suffix(f".{f}") for f in formats}


def _write(path: Path, content: bytes) -> None:
    """Write an OFFICIAL-SENSITIVE file readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _team(ctx: Context, wanted: str | None) -> str:
    with ctx.uow as uow:
        teams = uow.packs.teams()
    if wanted:
        if wanted not in teams:
            raise LookupError(f"no partnership for team {wanted} in the database")
        return wanted
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise LookupError("the database holds no review yet")
    raise LookupError(f"the database holds several partnerships: give --team ({', '.join(teams)})")


def run_pack(settings: Settings, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Compile the pack of ``args.reference`` and write it; print what was written."""
    database = make_url(settings.database_url).database
    if not settings.is_postgres and database and not Path(database).exists():
        print(f"rrm pack: there is no database at {database} (DATABASE_URL)", file=err)
        return 1
    try:
        config = load_configuration(settings)
        keys = load_keys(settings)
    except (ConfigProblem, KeyProblem) as exc:
        print(f"rrm pack: {exc}", file=err)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        verify_or_record(engine, keys)
        ctx = Context(
            uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
            messenger=OfflineMessenger(),
            clock=SystemClock(),
            config=config,
            coordinators=frozenset(settings.rrm_coordinators),
        )
        formats = (args.format,) if args.format else FORMATS
        compiled = packs.compile_pack(
            ctx,
            team_id=_team(ctx, args.team),
            actor=ACTOR,
            reference_or_id=args.reference,
            kind=PackKind.REQUESTED,
            recipients=(),
            pdf="pdf" in formats,
            retention_days=settings.rrm_retention_days,
        )
    except (LookupError, KeyProblem) as exc:
        print(f"rrm pack: {exc}", file=err)
        return 1
    except NotFound:
        print(f"rrm pack: there is no review {args.reference.upper()} in the database", file=err)
        return 1
    except ServiceError as exc:
        print(f"rrm pack: {exc.message}", file=err)
        return 1
    except (SQLAlchemyError, StorageError) as exc:
        reason = describe_error(exc)
        print(f"rrm pack: the database is not usable: {reason}", file=err)
        return 1
    finally:
        engine.dispose()
    contents = {"html": compiled.html_bytes, "pdf": compiled.pdf or b""}
    where = Path(args.out) if args.out else None
    for fmt, path in _targets(where, compiled.filename_stem, formats).items():
        try:
            _write(path, contents[fmt])
        except OSError as exc:
            print(f"rrm pack: cannot write {path}: {exc.strerror or exc}", file=err)
            return 1
        print(f"Wrote {path} ({fmt.upper()}, {len(contents[fmt]):,} bytes)", file=out)
    print(
        f"Meeting pack v{compiled.version} of {compiled.review.reference}. OFFICIAL-SENSITIVE: "
        "keep these files in the partnership's secure records system only.",
        file=out,
    )
    return 0
