"""Database maintenance commands of the CLI (`rrm db upgrade`)."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from storage.db import make_engine
from storage.errors import StorageError
from storage.migrate import current_revision, head_revision, upgrade


def db_upgrade(settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """Bring the database named by DATABASE_URL up to the latest migration."""
    try:
        engine = make_engine(settings.database_url)
    except ValueError as exc:
        print(f"rrm: DATABASE_URL: {exc}", file=err)
        return 2
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except (SQLAlchemyError, StorageError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(
            f"rrm: could not upgrade the database at {engine.url.render_as_string()}: {reason}",
            file=err,
        )
        return 1
    finally:
        engine.dispose()
    if before == after:
        print(f"Database already up to date (revision {after}).", file=out)
    else:
        print(
            f"Database upgraded from {before or 'empty'} to {after} (head {head_revision()}).",
            file=out,
        )
    return 0
