"""INSERT ... ON CONFLICT DO NOTHING for the dialects Relais runs on."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel


def insert_ignoring_conflicts(
    session: Session, model: type[SQLModel], values: dict[str, Any]
) -> bool:
    """Insert a row unless it collides with a unique key; tell whether it was inserted."""
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        msg = f"unsupported database dialect {dialect!r}"
        raise NotImplementedError(msg)
    result = session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
