"""INSERT ... ON CONFLICT DO NOTHING for the dialects Relais runs on."""

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel

from bot.storage.database import core


def insert_ignoring_conflicts(
    session: Session, model: type[SQLModel], values: dict[str, Any]
) -> bool:
    """Insert a row unless it collides with a unique key; tell whether it was inserted."""
    statement = _statement(session.get_bind().dialect.name, model.__table__)  # type: ignore[attr-defined]
    # The values are bound parameters of a statement built once: it runs with every message.
    inserted = core(session).execute(statement, values).first()
    return inserted is not None


@functools.cache
def _statement(dialect: str, table: sa.Table) -> Insert:
    """Build once a table's INSERT ... ON CONFLICT DO NOTHING RETURNING 1."""
    statement: Insert
    # Each dialect's module is imported on first use: an SQLite process never loads PostgreSQL's.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:
        msg = f"unsupported database dialect {dialect!r}"
        raise NotImplementedError(msg)
    # RETURNING tells reliably whether a row went in; rowcount after ON CONFLICT does not
    # on every driver.
    return statement.returning(sa.literal_column("1"))
