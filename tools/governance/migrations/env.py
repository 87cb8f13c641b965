"""Alembic environment: always run programmatically by tools.governance.store.migrate.

The caller hands over an open connection (`config.attributes["connection"]`). On PostgreSQL a
transaction-scoped advisory lock makes concurrent openers wait instead of racing the DDL; on SQLite
the connection already starts with BEGIN IMMEDIATE, which serialises them the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from tools.governance.store import Base

MIGRATION_LOCK_KEY = 7_141_997_301  # arbitrary, constant: "quartermaster schema"

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic CLI
    raise RuntimeError("run migrations through tools.governance.store.migrate()")

# transactional_ddl: Alembic's SQLite default (False) runs each revision in its own transaction, releasing the
# BEGIN IMMEDIATE lock between revisions, so a second opener could read an older revision and create a table the
# first one had just created (seen once in CI). SQLite's DDL is transactional: one transaction for the whole upgrade.
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", transactional_ddl=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
    context.run_migrations()
