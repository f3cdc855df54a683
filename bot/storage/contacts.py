"""Contacts, their conversation state, subscriptions, handoff requests and data deletion."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import Channel, HandoffStatus, Topic
from bot.storage import inbox, messages, replies
from bot.storage.models import (
    Contact,
    Conversation,
    HandoffRequest,
    OutboundMessage,
    ProcessedMessage,
    Registration,
    Subscription,
    Tally,
)
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts

# Marks the digest of a deleted person's message id among the ids of handled messages.
FORGOTTEN_PREFIX = "forgotten:"


def claim_message(
    session: Session, *, channel: Channel, message_id: str, address: str | None = None
) -> bool:
    """Record a provider message id; False when it was already handled (a provider retry).

    The retry of a message whose sender has since deleted their data is recognised too, by
    what deletion kept of its id (`forgotten_id`), and is not answered as a newcomer's.
    """
    message_id = clip(ProcessedMessage, "message_id", message_id)
    first = insert_ignoring_conflicts(
        session,
        ProcessedMessage,
        {
            "channel": channel,
            "message_id": message_id,
            "address": address and clip(ProcessedMessage, "address", address),
            "processed_at": utcnow(),
        },
    )
    if not first:
        return False
    forgotten = session.get(ProcessedMessage, (channel, forgotten_id(message_id)))
    return forgotten is None


def forgotten_id(message_id: str) -> str:
    """Return what is kept of a deleted person's message id: enough to know a retry, no more."""
    # Ids can hold what identifies the person (a web chat's session, a Twilio SID that leads
    # to the number): a one-way digest recognises the same id without showing it.
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{FORGOTTEN_PREFIX}{digest[:48]}"


def forget_processed_messages(session: Session, *, before: datetime) -> int:
    """Drop message ids older than any provider retry; return how many were dropped."""
    result = session.execute(
        sa.delete(ProcessedMessage).where(col(ProcessedMessage.processed_at) < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def get_or_create_contact(session: Session, *, channel: Channel, address: str) -> Contact:
    """Return the contact of an address on a channel, creating it on first contact."""
    now = utcnow()
    insert_ignoring_conflicts(
        session, Contact, {"channel": channel, "address": address, "created_at": now}
    )
    contact = session.exec(
        select(Contact).where(Contact.channel == channel, Contact.address == address)
    ).one()
    return contact


def find_contact(session: Session, *, channel: Channel, address: str) -> Contact | None:
    """Return the contact of an address on a channel, if known."""
    return session.exec(
        select(Contact).where(Contact.channel == channel, Contact.address == address)
    ).first()


def lock_conversation(session: Session, *, contact_id: int) -> Conversation:
    """Return the contact's conversation, locked until the transaction ends.

    The row lock is what serialises two messages of one person handled by two processes;
    on SQLite the transaction already holds the database write lock.
    """
    insert_ignoring_conflicts(
        session, Conversation, {"contact_id": contact_id, "data": {}, "updated_at": utcnow()}
    )
    statement = select(Conversation).where(Conversation.contact_id == contact_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.exec(statement).one()


def subscribe(
    session: Session, *, contact_id: int, topic: Topic, at: datetime | None = None
) -> bool:
    """Opt a contact in to a topic (at the time they consented); False when it already was."""
    return insert_ignoring_conflicts(
        session,
        Subscription,
        {"contact_id": contact_id, "topic": topic, "created_at": at or utcnow()},
    )


def unsubscribe(session: Session, *, contact_id: int, topic: Topic) -> bool:
    """Opt a contact out of one topic; False when it was not subscribed to it."""
    result = session.execute(
        sa.delete(Subscription).where(
            col(Subscription.contact_id) == contact_id, col(Subscription.topic) == topic
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unsubscribe_all(session: Session, *, contact_id: int) -> int:
    """Opt a contact out of every topic; return how many subscriptions ended."""
    result = session.execute(
        sa.delete(Subscription).where(col(Subscription.contact_id) == contact_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def topics_of(session: Session, *, contact_id: int) -> list[Topic]:
    """Return the topics a contact is subscribed to."""
    rows = session.exec(
        select(Subscription.topic).where(Subscription.contact_id == contact_id)
    ).all()
    return [Topic(topic) for topic in rows]


def record_handoff(
    session: Session, *, contact_id: int, reason: str, last_message: str | None
) -> HandoffRequest:
    """Record that a person wants to talk to staff."""
    request = HandoffRequest(
        contact_id=contact_id,
        reason=reason,
        last_message=clip(HandoffRequest, "last_message", last_message or "") or None,
    )
    session.add(request)
    session.flush()
    return request


def open_handoff(session: Session, *, contact_id: int) -> HandoffRequest | None:
    """Return the contact's handoff request that staff have not closed yet."""
    return session.exec(
        select(HandoffRequest).where(
            HandoffRequest.contact_id == contact_id,
            col(HandoffRequest.status).in_([HandoffStatus.OPEN, HandoffStatus.TAKEN]),
        )
    ).first()


def taken_handoff(session: Session, *, contact_id: int) -> HandoffRequest | None:
    """Return the request of a contact a member of staff is answering now, if any."""
    return session.exec(
        select(HandoffRequest).where(
            HandoffRequest.contact_id == contact_id,
            HandoffRequest.status == HandoffStatus.TAKEN,
        )
    ).first()


def handoffs_of(session: Session, *, contact_id: int) -> list[HandoffRequest]:
    """Return a contact's handoff requests, newest first."""
    return list(
        session.exec(
            select(HandoffRequest)
            .where(HandoffRequest.contact_id == contact_id)
            .order_by(col(HandoffRequest.created_at).desc())
        ).all()
    )


@dataclass(frozen=True, slots=True)
class DeletionSummary:
    """What a data deletion removed."""

    registrations_anonymised: int
    subscriptions_removed: int
    handoffs_removed: int


def delete_contact_data(session: Session, *, contact: Contact) -> DeletionSummary:
    """Erase a contact's personal data, keeping registrations only as anonymous counts."""
    contact_id = contact.id
    assert contact_id is not None
    now = utcnow()
    anonymised = session.execute(
        sa.update(Registration)
        .where(col(Registration.contact_id) == contact_id)
        .values(
            contact_id=None,
            name=None,
            name_key=None,
            acronym=None,
            town=None,
            contact_name=None,
            contact_role=None,
            phone=None,
            email=None,
            status_note=None,
            anonymised_at=now,
            updated_at=now,
        )
    )
    subscriptions = session.execute(
        sa.delete(Subscription).where(col(Subscription.contact_id) == contact_id)
    )
    handoffs = session.execute(
        sa.delete(HandoffRequest).where(col(HandoffRequest.contact_id) == contact_id)
    )
    session.execute(sa.delete(Conversation).where(col(Conversation.contact_id) == contact_id))
    messages.forget_messages(session, contact_id=contact_id)
    # What was said and the ids that lead to it: the texts of the replies (a pre-registration
    # summary holds the name, phone and e-mail), the provider's ids, the queued updates.
    session.execute(
        sa.update(OutboundMessage)
        .where(col(OutboundMessage.contact_id) == contact_id)
        .values(text=None, provider_id=None, contact_id=None)
    )
    _forget_message_ids(session, channel=contact.channel, address=contact.address)
    inbox.forget_conversation(session, channel=contact.channel, conversation=contact.address)
    replies.forget_address(session, channel=contact.channel, address=contact.address)
    session.execute(sa.delete(Contact).where(col(Contact.id) == contact_id))
    increment_tally(session, name="contacts_deleted")
    return DeletionSummary(
        registrations_anonymised=int(anonymised.rowcount),  # type: ignore[attr-defined]
        subscriptions_removed=int(subscriptions.rowcount),  # type: ignore[attr-defined]
        handoffs_removed=int(handoffs.rowcount),  # type: ignore[attr-defined]
    )


def _forget_message_ids(session: Session, *, channel: Channel, address: str) -> None:
    """Replace the message ids of an address by their digests, for as long as retries come."""
    handled = session.execute(
        select(ProcessedMessage.message_id, ProcessedMessage.processed_at).where(
            col(ProcessedMessage.channel) == channel, col(ProcessedMessage.address) == address
        )
    ).all()
    session.execute(
        sa.delete(ProcessedMessage).where(
            col(ProcessedMessage.channel) == channel, col(ProcessedMessage.address) == address
        )
    )
    for message_id, processed_at in handled:
        insert_ignoring_conflicts(
            session,
            ProcessedMessage,
            {
                "channel": channel,
                "message_id": forgotten_id(message_id),
                "address": None,
                # Kept, so that these go when the ids of everyone else's retries go.
                "processed_at": processed_at,
            },
        )


def increment_tally(session: Session, *, name: str, by: int = 1) -> None:
    """Add to an anonymous counter."""
    insert_ignoring_conflicts(session, Tally, {"name": name, "value": 0})
    session.execute(sa.update(Tally).where(col(Tally.name) == name).values(value=Tally.value + by))
