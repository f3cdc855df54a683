"""Claiming work from a table used as a queue: in order per group, under a lease, once."""

from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from bot.domain import Channel

Row = TypeVar("Row", bound=SQLModel)


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
    due: Any = None,
) -> Row | None:
    """Take the oldest row due whose group (a conversation, an address) has nothing earlier open.

    A row is open while pending or claimed; a claimed row whose lease ran out (its worker died)
    can be taken again. The claim is committed before the row is returned.
    """
    table: Any = model
    earlier: Any = aliased(model)
    open_statuses = [pending, claimed]
    waiting_behind = (
        select(earlier.id)
        .where(
            earlier.channel == table.channel,
            getattr(earlier, group) == getattr(table, group),
            earlier.id < table.id,
            col(earlier.status).in_(open_statuses),
        )
        .exists()
    )
    claimable = sa.or_(
        sa.and_(table.status == pending, sa.true() if due is None else due),
        sa.and_(table.status == claimed, table.lease_until <= now),
    )
    candidates = (
        select(table.id)
        .where(table.channel == channel, claimable, ~waiting_behind)
        .order_by(table.id)
        .limit(8)
    )
    for row_id in session.exec(candidates).all():
        taken = session.execute(
            sa.update(table)
            .where(table.id == row_id, claimable)
            .values(
                status=claimed,
                claimed_by=worker,
                lease_until=now + lease,
                attempts=table.attempts + 1,
            )
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return session.get(model, row_id)
    session.rollback()
    return None


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
