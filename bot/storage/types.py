"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always read them back aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to a UTC column"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum: type[Enum], **kwargs: Any) -> sa.Enum:
    """Store an enum by value in a plain VARCHAR so new members need no migration."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        **kwargs,
    )


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def column_width(model: type[SQLModel], field: str) -> int:
    """Return the declared length of a string column (its `max_length`), read off the model."""
    length = getattr(model.__table__.c[field].type, "length", None)  # type: ignore[attr-defined]
    if not isinstance(length, int):
        msg = f"{model.__name__}.{field} has no length"
        raise TypeError(msg)
    return length


def clip(model: type[SQLModel], field: str, text: str) -> str:
    """Cut a text to the width of the column it is stored in."""
    return text[: column_width(model, field)]
