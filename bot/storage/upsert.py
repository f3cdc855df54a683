"""INSERT ... ON CONFLICT DO NOTHING for the dialects Relais runs on."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel


def insert_ignoring_conflicts(
    session: Session, model: type[SQLModel], values: dict[str, Any]
) -> bool:
    """Insert a row unless it collides with a unique key; tell whether it was inserted."""
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    statement: Insert
    # Each dialect's module is imported on first use: an SQLite process never loads PostgreSQL's.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        msg = f"unsupported database dialect {dialect!r}"
        raise NotImplementedError(msg)
    # RETURNING tells reliably whether a row went in; rowcount after ON CONFLICT does not
    # on every driver.
    inserted = session.execute(statement.returning(sa.literal_column("1"))).first()
    return inserted is not None
