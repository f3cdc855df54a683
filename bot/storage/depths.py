"""How much work waits in the queues: received updates, replies and campaign messages."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from bot.domain import OUTBOX_UNFINISHED
from bot.storage import inbox, replies
from bot.storage.models import InboxItem, OutboxItem, ReplyItem

# What is not finished yet, per queue: written down and not handled (or sent) for good.
_OPEN: dict[str, tuple[type[SQLModel], tuple[Any, ...]]] = {
    "inbox": (InboxItem, inbox.UNFINISHED),
    "reply": (ReplyItem, replies.UNFINISHED),
    "campaign": (OutboxItem, OUTBOX_UNFINISHED),
}


def queue_depths(session: Session) -> dict[tuple[str, str], int]:
    """Return the open rows of each queue by (queue, channel): one grouped count a queue."""
    depths: dict[tuple[str, str], int] = {}
    for queue, (model, statuses) in _OPEN.items():
        table: Any = model
        rows = session.execute(
            select(table.channel, sa.func.count())
            .where(col(table.status).in_(statuses))
            .group_by(table.channel)
        ).all()
        for channel, count in rows:
            depths[(queue, str(getattr(channel, "value", channel)))] = int(count)
    return depths
