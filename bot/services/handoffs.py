"""Staff view of the requests to talk to a person."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.domain import Channel, HandoffStatus
from bot.storage.database import new_session
from bot.storage.models import Contact, HandoffRequest


@dataclass(frozen=True, slots=True)
class HandoffView:
    """One request, with who to call back."""

    id: int
    created_at: datetime
    channel: Channel
    address: str
    name: str | None
    reason: str
    last_message: str | None


def open_handoffs(database: DatabaseEngine) -> list[HandoffView]:
    """Return the requests staff have not closed, oldest first."""
    with new_session(database) as session:
        rows = session.exec(
            select(HandoffRequest, Contact)
            .join(Contact, col(Contact.id) == col(HandoffRequest.contact_id))
            .where(HandoffRequest.status == HandoffStatus.OPEN)
            .order_by(col(HandoffRequest.created_at))
        ).all()
        return [
            HandoffView(
                id=request.id or 0,
                created_at=request.created_at,
                channel=contact.channel,
                address=contact.address,
                name=contact.name,
                reason=request.reason,
                last_message=request.last_message,
            )
            for request, contact in rows
        ]


def close_handoff(database: DatabaseEngine, request_id: int) -> bool:
    """Mark a request as taken care of; False when there is no such open request."""
    with new_session(database) as session:
        request = session.get(HandoffRequest, request_id)
        if request is None or request.status is HandoffStatus.CLOSED:
            return False
        request.status = HandoffStatus.CLOSED
        session.add(request)
        session.commit()
        return True
