"""The conversation's messages, in and out, kept for staff for RELAIS_MESSAGE_RETENTION_DAYS."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import MessageDirection
from bot.storage.models import ConversationMessage
from bot.storage.types import utcnow


def record_message(
    session: Session,
    *,
    contact_id: int,
    direction: MessageDirection,
    text: str,
    staff_id: int | None = None,
) -> None:
    """Keep one message of a conversation, in the caller's transaction."""
    if text.strip():
        session.add(
            ConversationMessage(
                contact_id=contact_id,
                direction=direction,
                text=text,
                staff_id=staff_id,
                created_at=utcnow(),
            )
        )


def recent_messages(
    session: Session, *, contact_id: int, since: datetime, limit: int = 50
) -> list[ConversationMessage]:
    """Return a contact's latest messages written after `since`, oldest first."""
    newest = session.exec(
        select(ConversationMessage)
        .where(
            ConversationMessage.contact_id == contact_id,
            col(ConversationMessage.created_at) >= since,
        )
        .order_by(col(ConversationMessage.id).desc())
        .limit(limit)
    ).all()
    return list(reversed(newest))


def count_messages(session: Session, *, contact_id: int) -> int:
    """Return how many messages of a contact are kept."""
    return int(
        session.execute(
            sa.select(sa.func.count()).where(col(ConversationMessage.contact_id) == contact_id)
        ).scalar_one()
    )


def forget_messages(
    session: Session, *, before: datetime | None = None, contact_id: int | None = None
) -> int:
    """Drop the messages older than a date, or every message of one contact."""
    query = sa.delete(ConversationMessage)
    if before is not None:
        query = query.where(col(ConversationMessage.created_at) < before)
    if contact_id is not None:
        query = query.where(col(ConversationMessage.contact_id) == contact_id)
    result = session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]
