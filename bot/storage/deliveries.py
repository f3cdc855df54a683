"""Outgoing messages and what providers report about them; contacts the providers say are gone."""

import functools
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import Channel, DeliveryStatus
from bot.storage.database import core
from bot.storage.models import Contact, OutboundMessage
from bot.storage.types import clip, utcnow

# Provider callbacks can arrive out of order: a late "sent" must not undo "read".
_PROGRESS = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.UNDELIVERED: 5,
    DeliveryStatus.FAILED: 5,
    DeliveryStatus.SKIPPED: 5,
}


def record_outbound(
    session: Session,
    *,
    channel: Channel,
    contact_id: int | None,
    text: str | None,
    status: DeliveryStatus = DeliveryStatus.PENDING,
    provider_id: str | None = None,
    template_id: str | None = None,
    error_code: str | None = None,
    error_reason: str | None = None,
    resends: int = 0,
) -> OutboundMessage:
    """Record a message about to be sent, sent, or refused (with the reason)."""
    now = utcnow()
    message = OutboundMessage(
        channel=channel,
        contact_id=contact_id,
        text=clip(OutboundMessage, "text", text or "") or None,
        status=status,
        provider_id=provider_id,
        template_id=template_id,
        error_code=error_code,
        error_reason=clip(OutboundMessage, "error_reason", error_reason or "") or None,
        resends=resends,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


class Delivery(Protocol):
    """What became of one message sent to an address (a channel's `SentMessage`)."""

    @property
    def status(self) -> DeliveryStatus: ...
    @property
    def provider_id(self) -> str | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_reason(self) -> str | None: ...


@functools.cache
def _deliveries_statement() -> Any:
    """One INSERT ... SELECT for every message of a reply, through the address's contact.

    No contact (they had their data deleted, and this is the confirmation): no row, so that
    nothing tied to their chat is kept. Built once: on the path of every reply, building an
    ORM row and flushing it cost more than the insert.
    """
    table: Any = OutboundMessage
    contact: Any = Contact
    columns = ["status", "provider_id", "error_code", "error_reason", "created_at", "updated_at"]
    # Each parameter bound as its column's type (no SQL CAST: SQLite's would make a date a number).
    values = [
        sa.type_coerce(sa.bindparam(f"b_{name}"), getattr(table, name).type) for name in columns
    ]
    found = sa.select(contact.id, contact.channel, *values, sa.literal(0)).where(
        contact.channel == sa.bindparam("b_channel", type_=contact.channel.type),
        contact.address == sa.bindparam("b_address"),
    )
    return sa.insert(table).from_select(["contact_id", "channel", *columns, "resends"], found)


def record_deliveries(
    session: Session, *, channel: Channel, address: str, sent: Sequence[Delivery]
) -> None:
    """Record messages sent (or refused) to an address's contact, without their text."""
    if not sent:
        return
    now = utcnow()
    core(session).execute(
        _deliveries_statement(),
        [
            {
                "b_channel": channel,
                "b_address": address,
                "b_status": delivery.status,
                "b_provider_id": _clipped("provider_id", delivery.provider_id),
                "b_error_code": _clipped("error_code", delivery.error_code),
                "b_error_reason": _clipped("error_reason", delivery.error_reason),
                "b_created_at": now,
                "b_updated_at": now,
            }
            for delivery in sent
        ],
    )


def _clipped(column: str, value: str | None) -> str | None:
    return clip(OutboundMessage, column, value) if value else None


@functools.cache
def _reachable_statement() -> Any:
    table: Any = Contact
    return (
        sa.update(table)
        .where(
            table.channel == sa.bindparam("b_channel", type_=table.channel.type),
            table.address == sa.bindparam("b_address"),
            table.opted_out_at.is_not(None),
        )
        .values(opted_out_at=None)
    )


def reachable_again(session: Session, *, channel: Channel, address: str) -> None:
    """Allow sending again to the contact of an address who wrote again, if it was stopped."""
    core(session).execute(_reachable_statement(), {"b_channel": channel, "b_address": address})


def update_delivery(
    session: Session,
    *,
    channel: Channel,
    provider_id: str,
    status: DeliveryStatus,
    error_code: str | None = None,
    error_reason: str | None = None,
) -> OutboundMessage | None:
    """Apply a provider's status report; None when the message is unknown."""
    message = session.exec(
        select(OutboundMessage).where(
            OutboundMessage.channel == channel, OutboundMessage.provider_id == provider_id
        )
    ).first()
    if message is None:
        return None
    if _PROGRESS[status] >= _PROGRESS[message.status]:
        message.status = status
    if error_code is not None:
        message.error_code = clip(OutboundMessage, "error_code", error_code)
    if error_reason is not None:
        message.error_reason = clip(OutboundMessage, "error_reason", error_reason)
    message.updated_at = utcnow()
    session.add(message)
    return message


def mark_opted_out(session: Session, *, channel: Channel, address: str) -> bool:
    """Stop sending to a contact the provider says is gone; False when unknown."""
    result = session.execute(
        sa.update(Contact)
        .where(
            col(Contact.channel) == channel,
            col(Contact.address) == address,
            col(Contact.opted_out_at).is_(None),
        )
        .values(opted_out_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_opt_out(session: Session, *, contact_id: int) -> None:
    """Allow sending again to a contact who came back."""
    session.execute(
        sa.update(Contact).where(col(Contact.id) == contact_id).values(opted_out_at=None)
    )
