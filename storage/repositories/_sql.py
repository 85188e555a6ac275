"""Small SQL helpers shared by the repositories (dialect-specific upserts, row counts)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, entity: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT with ``on_conflict_do_*`` for the session's database (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


def rowcount(result: Result[Any]) -> int:
    """Rows matched by the UPDATE or DELETE that produced ``result`` (not reliable for INSERT)."""
    return cast("CursorResult[Any]", result).rowcount
