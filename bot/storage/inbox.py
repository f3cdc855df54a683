"""The durable inbox: provider updates written before they are acknowledged, then handled.

Workers of any number of processes claim items with a lease; one conversation's items are
handled one after the other, in the order they arrived; an item whose worker died is claimed
again once its lease has run out; one that keeps failing is set aside after a few attempts.
"""

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.domain import Channel, InboxStatus
from bot.storage.models import InboxItem
from bot.storage.queue import claim_in_order, count_open
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


@functools.cache
def _claim_received_statement() -> Any:
    """Build once the claim of a row just written (see `claim_received`)."""
    table: Any = InboxItem
    earlier: Any = aliased(InboxItem)
    waiting_behind = (
        sa.select(earlier.id)
        .where(
            earlier.channel == table.channel,
            earlier.conversation == table.conversation,
            earlier.id < table.id,
            earlier.status.in_(UNFINISHED),
        )
        .exists()
    )
    return (
        sa.update(table)
        .where(
            table.channel == sa.bindparam("b_channel", type_=table.channel.type),
            table.message_id == sa.bindparam("b_message_id"),
            table.conversation == sa.bindparam("b_conversation"),
            table.status == InboxStatus.PENDING,
            ~waiting_behind,
        )
        .values(
            status=InboxStatus.CLAIMED,
            claimed_by=sa.bindparam("worker"),
            lease_until=sa.bindparam("until", type_=table.lease_until.type),
            attempts=table.attempts + 1,
        )
        .returning(table)
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

    The worker of the process that received it then handles it without a claim of its own.
    On PostgreSQL the conversation is locked for the transaction first, so that two
    processes receiving one conversation's updates at once cannot both claim theirs.
    """
    now = now or utcnow()
    conversation = clip(InboxItem, "conversation", conversation)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"inbox:{channel.value}:{conversation}"},
        )
    claimed: InboxItem | None = session.execute(
        _claim_received_statement(),
        {
            "b_channel": channel,
            "b_message_id": clip(InboxItem, "message_id", message_id),
            "b_conversation": conversation,
            "worker": worker,
            "until": now + lease,
        },
    ).scalar_one_or_none()
    return claimed


def release(session: Session, *, item_ids: list[int], worker: str) -> None:
    """Give updates claimed but not begun back to the queue (their worker stops)."""
    if not item_ids:
        return
    session.execute(
        sa.update(InboxItem)
        .where(
            col(InboxItem.id).in_(item_ids),
            col(InboxItem.status) == InboxStatus.CLAIMED,
            col(InboxItem.claimed_by) == worker,
        )
        .values(status=InboxStatus.PENDING, lease_until=None)
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


def finish(session: Session, *, item_id: int, now: datetime | None = None) -> None:
    """Mark an update handled (in the caller's transaction)."""
    session.execute(
        sa.update(InboxItem)
        .where(col(InboxItem.id) == item_id)
        .values(status=InboxStatus.DONE, done_at=now or utcnow(), lease_until=None)
    )


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
