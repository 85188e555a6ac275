"""Database maintenance commands of the CLI (`rrm db upgrade`, `rrm rotate-key`)."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.keys import KeyProblem, load_keys, rotate, verify_or_record
from bot.settings import Settings
from storage.db import describe_error, make_engine, make_session_factory
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
        reason = describe_error(exc)
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


def rotate_key(settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """Re-encrypt every answer and free-text field under the first configured key."""
    try:
        keys = load_keys(settings)
    except KeyProblem as exc:
        print(f"rrm: {exc}", file=err)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        verify_or_record(engine, keys)
        count = rotate(make_session_factory(engine), keys)
    except KeyProblem as exc:
        print(f"rrm: cannot rotate: {exc}", file=err)
        return 1
    except (SQLAlchemyError, StorageError) as exc:
        reason = describe_error(exc)
        print(f"rrm: cannot rotate: the database is not usable: {reason}", file=err)
        return 1
    finally:
        engine.dispose()
    print(f"Re-encrypted {count} values under the first key of {keys.source}.", file=out)
    if keys.keyring.size > 1:
        print(f"Keep only that key in {keys.source} and restart every bot process.", file=out)
    if settings.is_postgres:
        print(
            "PostgreSQL keeps the old row versions until vacuumed: if the old key leaked, run "
            "VACUUM FULL answers, reviews (and mind old backups).",
            file=out,
        )
    return 0
