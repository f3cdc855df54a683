"""The durable inbox: provider updates written before they are acknowledged, then handled.

Workers of any number of processes claim items with a lease; one conversation's items are
handled one after the other, in the order they arrived; an item whose worker died is claimed
again once its lease has run out; one that keeps failing is set aside after a few attempts.
"""

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.domain import Channel, InboxStatus
from bot.storage.database import core
from bot.storage.models import InboxItem
from bot.storage.queue import claim_in_order, claim_written, count_open, release_claimed
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts

# Handling one update takes milliseconds; a worker silent this long has died.
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
UNFINISHED = (InboxStatus.PENDING, InboxStatus.CLAIMED)


def enqueue(
    session: Session,
    *,
    channel: Channel,
    message_id: str,
    conversation: str,
    body: dict[str, Any],
    now: datetime | None = None,
) -> bool:
    """Write an update down; False when it was already received (a provider's retry)."""
    return insert_ignoring_conflicts(
        session,
        InboxItem,
        {
            "channel": channel,
            "message_id": clip(InboxItem, "message_id", message_id),
            "conversation": clip(InboxItem, "conversation", conversation),
            "body": body,
            "status": InboxStatus.PENDING,
            "attempts": 0,
            "received_at": now or utcnow(),
        },
    )


def claim_received(
    session: Session,
    *,
    channel: Channel,
    message_id: str,
    conversation: str,
    worker: str,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> InboxItem | None:
    """Claim an update just written, in its transaction, if nothing earlier of its
    conversation is unfinished; return it claimed, or None to leave it to the queue.

    The worker of the process that received it then handles it without a claim of its own
    (see `queue.claim_written`).
    """
    return claim_written(
        session,
        InboxItem,
        key="message_id",
        value=clip(InboxItem, "message_id", message_id),
        group="conversation",
        group_value=clip(InboxItem, "conversation", conversation),
        channel=channel,
        worker=worker,
        until=(now or utcnow()) + lease,
        pending=InboxStatus.PENDING,
        claimed=InboxStatus.CLAIMED,
    )


def release(session: Session, *, item_ids: list[int], worker: str) -> None:
    """Give updates claimed but not begun back to the queue (their worker stops)."""
    release_claimed(
        session,
        InboxItem,
        row_ids=item_ids,
        worker=worker,
        pending=InboxStatus.PENDING,
        claimed=InboxStatus.CLAIMED,
    )


def backlog(session: Session, *, channel: Channel) -> int:
    """Return how many updates of a channel wait to be handled."""
    return count_open(session, InboxItem, channel=channel, open=UNFINISHED)


def claim_next(
    session: Session,
    *,
    channel: Channel,
    worker: str,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> InboxItem | None:
    """Take the oldest update whose conversation has nothing earlier unfinished; commit it."""
    now = now or utcnow()
    return claim_in_order(
        session,
        InboxItem,
        group="conversation",
        channel=channel,
        worker=worker,
        now=now,
        lease=lease,
        pending=InboxStatus.PENDING,
        claimed=InboxStatus.CLAIMED,
    )


@functools.cache
def _finish_statement() -> Any:
    """Built once: it runs after every update."""
    table: Any = InboxItem
    return (
        sa.update(table)
        .where(table.id == sa.bindparam("b_id"))
        .values(
            status=InboxStatus.DONE,
            done_at=sa.bindparam("b_done_at", type_=table.done_at.type),
            lease_until=None,
        )
    )


def finish(session: Session, *, item_id: int, now: datetime | None = None) -> None:
    """Mark an update handled (in the caller's transaction)."""
    core(session).execute(_finish_statement(), {"b_id": item_id, "b_done_at": now or utcnow()})


def give_back(session: Session, *, item: InboxItem, error: str) -> InboxStatus:
    """Return an update that failed to the queue, or set it aside after too many attempts."""
    status = InboxStatus.FAILED if item.attempts >= MAX_ATTEMPTS else InboxStatus.PENDING
    session.execute(
        sa.update(InboxItem)
        .where(col(InboxItem.id) == item.id)
        .values(status=status, lease_until=None, error=clip(InboxItem, "error", error))
    )
    return status


def forget_handled(session: Session, *, before: datetime) -> int:
    """Drop handled updates older than any provider retry; return how many were dropped."""
    result = session.execute(
        sa.delete(InboxItem).where(
            col(InboxItem.status).in_([InboxStatus.DONE, InboxStatus.FAILED]),
            col(InboxItem.received_at) < before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_conversation(session: Session, *, channel: Channel, conversation: str) -> int:
    """Drop every update of one conversation (the person asked for their data to go)."""
    result = session.execute(
        sa.delete(InboxItem).where(
            col(InboxItem.channel) == channel, col(InboxItem.conversation) == conversation
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
