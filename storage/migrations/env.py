"""Alembic environment: runs on the connection that ``storage.migrate`` hands over.

Use ``storage.migrate.upgrade()`` (or ``rrm db upgrade``); it takes the migration lock first.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.orm import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(_connection, Connection):
    raise RuntimeError("run migrations through storage.migrate.upgrade(), not the alembic CLI")
_run(_connection)
