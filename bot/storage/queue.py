"""Claiming work from a table used as a queue: in order per group, under a lease, once.

The statements are built once per queue table and reused with bound values: a claim runs on
every message, and building SQLAlchemy statements costs more than running them.
"""

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from bot.domain import Channel
from bot.storage.database import core

Row = TypeVar("Row", bound=SQLModel)
# How many candidates one claim looks at: others' claims may take the first ones meanwhile.
CANDIDATES = 8


def _waiting_behind(table: Any, earlier: Any, group: str, open_statuses: Any) -> Any:
    """Tell whether an earlier row of the same group (conversation, address) is still open."""
    return (
        select(earlier.id)
        .where(
            earlier.channel == table.channel,
            getattr(earlier, group) == getattr(table, group),
            earlier.id < table.id,
            earlier.status.in_(open_statuses),
        )
        .exists()
    )


@functools.cache
def _statements(model: type[SQLModel], group: str, with_due: bool) -> tuple[Any, Any]:
    table: Any = model
    earlier: Any = aliased(model)
    status_type = table.status.type
    pending = sa.bindparam("pending", type_=status_type)
    claimed = sa.bindparam("claimed", type_=status_type)
    now = sa.bindparam("now", type_=table.lease_until.type)
    waiting_behind = _waiting_behind(table, earlier, group, [pending, claimed])
    due = sa.or_(table.not_before.is_(None), table.not_before <= now) if with_due else sa.true()
    claimable = sa.or_(
        sa.and_(table.status == pending, due),
        sa.and_(table.status == claimed, table.lease_until <= now),
    )
    candidates = (
        select(table.id)
        .where(table.channel == sa.bindparam("channel", type_=table.channel.type))
        .where(claimable, ~waiting_behind)
        .order_by(table.id)
        .limit(CANDIDATES)
    )
    take = _claiming(
        sa.update(table).where(table.id == sa.bindparam("row_id"), claimable), table, claimed
    )
    return candidates, take


def _claiming(update: Any, table: Any, claimed: Any) -> Any:
    """Finish a claim's UPDATE: the row claimed by `worker` until `until`, given back whole."""
    return update.values(
        status=claimed,
        claimed_by=sa.bindparam("worker"),
        lease_until=sa.bindparam("until", type_=table.lease_until.type),
        attempts=table.attempts + 1,
    ).returning(table)


def _take(session: Session, model: type[Row], take: Any, values: dict[str, Any]) -> Row | None:
    """Run a claim's UPDATE ... RETURNING; return the row claimed, or None.

    The row is built from what RETURNING gave back, on the session's connection: loading it
    through the ORM cost as much again as the claim itself. The caller reads it only.
    """
    taken = core(session).execute(take, values).first()
    return None if taken is None else model(**taken._mapping)


def claim_in_order(
    session: Session,
    model: type[Row],
    *,
    group: str,
    channel: Channel,
    worker: str,
    now: datetime,
    lease: timedelta,
    pending: Any,
    claimed: Any,
    with_due: bool = False,
) -> Row | None:
    """Take the oldest row due whose group (a conversation, an address) has nothing earlier open.

    A row is open while pending or claimed; a claimed row whose lease ran out (its worker died)
    can be taken again; `with_due` also waits for a row's `not_before`. The transaction is
    committed, with what the caller wrote in it before (a worker finishing one row claims the
    next in the same commit), whether a row was taken or not.
    """
    candidates, take = _statements(model, group, with_due)
    values = {"channel": channel, "now": now, "pending": pending, "claimed": claimed}
    for row_id in core(session).execute(candidates, values).scalars().all():
        taken = _take(
            session,
            model,
            take,
            {**values, "row_id": row_id, "worker": worker, "until": now + lease},
        )
        if taken is not None:
            session.commit()
            return taken
    session.commit()
    return None


def claim_row(
    session: Session,
    model: type[Row],
    *,
    row_id: int,
    group: str,
    worker: str,
    now: datetime,
    lease: timedelta,
    pending: Any,
    claimed: Any,
    with_due: bool = False,
) -> Row | None:
    """Take one given row if `claim_in_order` could take it now; commit the claim.

    None when another worker holds it, it is done, not due, or its group has an earlier row
    open (that one goes first).
    """
    table: Any = model
    row = session.get(model, row_id)
    if row is None:
        session.rollback()
        return None
    earlier = session.execute(
        select(table.id)
        .where(
            table.channel == getattr(row, "channel"),  # noqa: B009
            getattr(table, group) == getattr(row, group),
            table.id < row_id,
            table.status.in_([pending, claimed]),
        )
        .limit(1)
    ).first()
    if earlier is not None:
        session.rollback()
        return None
    _candidates, take = _statements(model, group, with_due)
    values = {"now": now, "pending": pending, "claimed": claimed}
    session.expunge(row)
    taken = _take(
        session, model, take, {**values, "row_id": row_id, "worker": worker, "until": now + lease}
    )
    if taken is None:
        session.rollback()
        return None
    session.commit()
    return taken


def count_open(session: Session, model: type[SQLModel], *, channel: Channel, open: Any) -> int:
    """Return how many rows of a channel are still open (pending or claimed)."""
    table: Any = model
    return int(
        session.execute(
            select(sa.func.count())
            .select_from(table)
            .where(table.channel == channel, col(table.status).in_(open))
        ).scalar_one()
    )


@functools.cache
def _claim_written_statement(model: type[SQLModel], group: str, key: str) -> Any:
    table: Any = model
    earlier: Any = aliased(model)
    status_type = table.status.type
    pending = sa.bindparam("b_pending", type_=status_type)
    claimed = sa.bindparam("b_claimed", type_=status_type)
    return _claiming(
        sa.update(table).where(
            table.channel == sa.bindparam("b_channel", type_=table.channel.type),
            getattr(table, key) == sa.bindparam("b_key"),
            getattr(table, group) == sa.bindparam("b_group"),
            table.status == pending,
            ~_waiting_behind(table, earlier, group, [pending, claimed]),
        ),
        table,
        claimed,
    )


def claim_written(
    session: Session,
    model: type[Row],
    *,
    key: str,
    value: str,
    group: str,
    group_value: str,
    channel: Channel,
    worker: str,
    until: datetime,
    pending: Any,
    claimed: Any,
) -> Row | None:
    """Claim, in the transaction that wrote it, the pending row whose `key` is `value`, unless
    an earlier row of its group is open; None leaves it to `claim_in_order`.

    On PostgreSQL the group is locked for the transaction first: two processes writing one
    group's rows at once cannot both claim theirs (neither sees the other's uncommitted row).
    SQLite's transactions take the write lock at their start already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"{model.__name__}:{channel.value}:{group_value}"},
        )
    return _take(
        session,
        model,
        _claim_written_statement(model, group, key),
        {
            "b_channel": channel,
            "b_key": value,
            "b_group": group_value,
            "b_pending": pending,
            "b_claimed": claimed,
            "worker": worker,
            "until": until,
        },
    )


def release_claimed(
    session: Session,
    model: type[SQLModel],
    *,
    row_ids: Sequence[int],
    worker: str,
    pending: Any,
    claimed: Any,
) -> None:
    """Give rows a worker claimed and did not begin back to the queue, in the caller's
    transaction.

    A claim not begun was no attempt: the count that gives a row up after too many failures,
    and that tells a row handled twice, is taken back with it.
    """
    if not row_ids:
        return
    table: Any = model
    session.execute(
        sa.update(table)
        .where(table.id.in_(list(row_ids)), table.status == claimed, table.claimed_by == worker)
        .values(
            status=pending,
            lease_until=None,
            attempts=sa.case((table.attempts > 0, table.attempts - 1), else_=0),
        )
    )


@functools.cache
def _open_in_group_statement(model: type[SQLModel], group: str) -> Any:
    table: Any = model
    return (
        select(table.id)
        .where(
            table.channel == sa.bindparam("b_channel", type_=table.channel.type),
            getattr(table, group) == sa.bindparam("b_group"),
            table.status.in_(sa.bindparam("b_open", expanding=True, type_=table.status.type)),
        )
        .limit(1)
    )


def has_open(
    session: Session,
    model: type[SQLModel],
    *,
    group: str,
    group_value: str,
    channel: Channel,
    open: Any,
) -> bool:
    """Tell whether a group (a conversation, an address) has rows still open."""
    found = core(session).execute(
        _open_in_group_statement(model, group),
        {"b_channel": channel, "b_group": group_value, "b_open": list(open)},
    )
    return found.first() is not None
