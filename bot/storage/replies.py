"""The reply outbox: replies committed with their turn, delivered by the channel afterwards.

Replies to one address go out in order: a reply waiting for a retry holds back the later
ones. A sender that died mid-send leaves its replies claimed until the lease runs out; then
they are sent again (a rare duplicate rather than a lost answer).
"""

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import Channel, ReplyStatus
from bot.storage.database import core
from bot.storage.models import ReplyItem
from bot.storage.queue import claim_in_order, claim_row, count_open, has_open, release_claimed
from bot.storage.types import clip, utcnow

# Keys of a reply's context: a message staff started (a notice, not an answer to the last
# message), and the approved WhatsApp template to send instead once the 24-hour window closed.
NOTICE = "notice"
TEMPLATE = "template"
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
UNFINISHED = (ReplyStatus.PENDING, ReplyStatus.CLAIMED)


def add_replies(
    session: Session,
    *,
    channel: Channel,
    address: str,
    contact_id: int | None,
    message_id: str | None,
    replies: Sequence[tuple[str, list[list[str]]]],
    context: dict[str, Any] | None = None,
    status: ReplyStatus = ReplyStatus.PENDING,
    claim_for: str | None = None,
) -> list[ReplyItem]:
    """Queue a turn's replies (text and [label, payload] choices), in the caller's transaction.

    `claim_for` names a sender of this process ready to send them at once: when nothing
    earlier waits for the address, they are written already claimed by it, and it needs no
    claim of its own (see `ReplySender.hand`). Otherwise they wait their turn, unclaimed.
    """
    now = utcnow()
    claimed = (
        claim_for is not None
        and status is ReplyStatus.PENDING
        and not _waiting(session, channel=channel, address=address)
    )
    items = [
        ReplyItem(
            channel=channel,
            address=address,
            contact_id=contact_id,
            message_id=clip(ReplyItem, "message_id", message_id) if message_id else None,
            position=position,
            text=text,
            choices=choices,
            context=context or {},
            status=ReplyStatus.CLAIMED if claimed else status,
            claimed_by=claim_for if claimed else None,
            lease_until=now + LEASE if claimed else None,
            attempts=1 if claimed else 0,
            created_at=now,
            sent_at=now if status is ReplyStatus.SENT else None,
        )
        for position, (text, choices) in enumerate(replies)
    ]
    session.add_all(items)
    session.flush()
    return items


def _waiting(session: Session, *, channel: Channel, address: str) -> bool:
    """Tell whether replies to an address are still unsent (pending or being sent)."""
    return has_open(
        session, ReplyItem, group="address", group_value=address, channel=channel, open=UNFINISHED
    )


def release(session: Session, *, item_ids: Sequence[int], worker: str) -> None:
    """Give claimed replies not sent back to the queue (their sender stops, or one failed)."""
    release_claimed(
        session,
        ReplyItem,
        row_ids=item_ids,
        worker=worker,
        pending=ReplyStatus.PENDING,
        claimed=ReplyStatus.CLAIMED,
    )


def replies_to(session: Session, *, channel: Channel, message_id: str) -> list[ReplyItem]:
    """Return the replies written for one incoming message, in order."""
    return list(
        session.exec(
            select(ReplyItem)
            .where(ReplyItem.channel == channel, ReplyItem.message_id == message_id)
            .order_by(col(ReplyItem.position), col(ReplyItem.id))
        ).all()
    )


def pending_count(session: Session, *, channel: Channel) -> int:
    """Return how many replies of a channel wait to be sent."""
    return count_open(session, ReplyItem, channel=channel, open=UNFINISHED)


def claim_next(
    session: Session,
    *,
    channel: Channel,
    worker: str,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> ReplyItem | None:
    """Take the oldest reply due whose address has nothing earlier unsent; commit the claim."""
    now = now or utcnow()
    return claim_in_order(
        session,
        ReplyItem,
        group="address",
        channel=channel,
        worker=worker,
        now=now,
        lease=lease,
        pending=ReplyStatus.PENDING,
        claimed=ReplyStatus.CLAIMED,
        with_due=True,
    )


def claim_reply(
    session: Session,
    *,
    item_id: int,
    worker: str,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> ReplyItem | None:
    """Take one given reply if it may go now (as `claim_next` would); commit the claim."""
    return claim_row(
        session,
        ReplyItem,
        row_id=item_id,
        group="address",
        worker=worker,
        now=now or utcnow(),
        lease=lease,
        pending=ReplyStatus.PENDING,
        claimed=ReplyStatus.CLAIMED,
        with_due=True,
    )


def get_reply(session: Session, *, item_id: int) -> ReplyItem | None:
    """Return one reply of the outbox, if it is still there."""
    return session.get(ReplyItem, item_id)


@functools.cache
def _sent_statements() -> tuple[Any, Any]:
    """Build once the statements of `mark_sent`: they run with every reply."""
    table: Any = ReplyItem
    row = table.id == sa.bindparam("row_id")
    update = (
        sa.update(table)
        .where(row, table.contact_id.is_not(None))
        .values(
            status=ReplyStatus.SENT,
            provider_id=sa.bindparam("b_provider_id", type_=table.provider_id.type),
            sent_at=sa.bindparam("b_sent_at", type_=table.sent_at.type),
            lease_until=None,
        )
    )
    return update, sa.delete(table).where(row)


def mark_sent(session: Session, *, item_id: int, provider_id: str | None) -> None:
    """Record that a reply reached the provider; one to a deleted contact is dropped."""
    update, delete = _sent_statements()
    done = core(session).execute(
        update,
        {
            "row_id": item_id,
            "b_provider_id": clip(ReplyItem, "provider_id", provider_id) if provider_id else None,
            "b_sent_at": utcnow(),
        },
    )
    if not done.rowcount:
        # No contact (they asked for their data to go): nothing of the reply is kept.
        core(session).execute(delete, {"row_id": item_id})


def retry_later(session: Session, *, item: ReplyItem, after: float, reason: str) -> ReplyStatus:
    """Put a reply back for a later attempt, or give it up after too many."""
    status = ReplyStatus.FAILED if item.attempts >= MAX_ATTEMPTS else ReplyStatus.PENDING
    session.execute(
        sa.update(ReplyItem)
        .where(col(ReplyItem.id) == item.id)
        .values(
            status=status,
            not_before=utcnow() + timedelta(seconds=after),
            lease_until=None,
            error=clip(ReplyItem, "error", reason),
        )
    )
    return status


def mark_failed(session: Session, *, item_id: int, reason: str) -> None:
    """Record that the provider refused a reply for good."""
    session.execute(
        sa.update(ReplyItem)
        .where(col(ReplyItem.id) == item_id)
        .values(status=ReplyStatus.FAILED, lease_until=None, error=clip(ReplyItem, "error", reason))
    )


def forget_sent(session: Session, *, before: datetime) -> int:
    """Drop replies sent or given up before a date: what they said is not kept longer."""
    result = session.execute(
        sa.delete(ReplyItem).where(
            col(ReplyItem.status).in_([ReplyStatus.SENT, ReplyStatus.FAILED]),
            col(ReplyItem.created_at) < before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_address(session: Session, *, channel: Channel, address: str) -> int:
    """Drop every reply to one address (the person asked for their data to go)."""
    result = session.execute(
        sa.delete(ReplyItem).where(
            col(ReplyItem.channel) == channel, col(ReplyItem.address) == address
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def hand_over_pending(session: Session, *, channel: Channel, address: str) -> list[ReplyItem]:
    """Return the unsent replies of an address that fetches its own (the web chat), marked sent."""
    items = list(
        session.exec(
            select(ReplyItem)
            .where(
                ReplyItem.channel == channel,
                ReplyItem.address == address,
                ReplyItem.status == ReplyStatus.PENDING,
            )
            .order_by(col(ReplyItem.id))
            .with_for_update()
        ).all()
    )
    now = utcnow()
    for item in items:
        item.status = ReplyStatus.SENT
        item.sent_at = now
        session.add(item)
    return items
