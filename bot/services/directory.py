"""Staff search of contacts: who they are, what they subscribed to, opted out of, registered."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.domain import Channel, ContactKind, Topic
from bot.storage.database import new_session
from bot.storage.models import Contact, Registration, Subscription

MAX_RESULTS = 50


@dataclass(frozen=True, slots=True)
class ContactView:
    """One contact as the console shows it."""

    id: int
    channel: Channel
    address: str
    name: str | None
    kind: ContactKind
    locale: str | None
    province: str | None
    created_at: datetime
    opted_out_at: datetime | None
    topics: list[Topic]
    registrations: list[str]


def search_contacts(
    database: DatabaseEngine, text: str, *, limit: int = MAX_RESULTS
) -> list[ContactView]:
    """Return the contacts whose name, address or province contains the text, newest first."""
    words = text.strip().replace("%", "").replace("_", "")
    with new_session(database) as session:
        query = select(Contact).order_by(col(Contact.id).desc()).limit(limit)
        if words:
            pattern = f"%{words}%"
            query = query.where(
                sa.or_(
                    col(Contact.name).ilike(pattern),
                    col(Contact.address).ilike(pattern),
                    col(Contact.province).ilike(pattern),
                )
            )
        found = session.exec(query).all()
        ids = [contact.id for contact in found]
        topics: dict[int, list[Topic]] = {}
        for contact_id, topic in session.exec(
            select(Subscription.contact_id, Subscription.topic).where(
                col(Subscription.contact_id).in_(ids)
            )
        ).all():
            topics.setdefault(contact_id, []).append(Topic(topic))
        references: dict[int, list[str]] = {}
        for registrant, reference in session.exec(
            select(Registration.contact_id, Registration.reference).where(
                col(Registration.contact_id).in_(ids)
            )
        ).all():
            references.setdefault(registrant or 0, []).append(reference)
        return [
            ContactView(
                id=contact.id or 0,
                channel=contact.channel,
                address=contact.address,
                name=contact.name,
                kind=contact.kind,
                locale=contact.locale,
                province=contact.province,
                created_at=contact.created_at,
                opted_out_at=contact.opted_out_at,
                topics=sorted(topics.get(contact.id or 0, [])),
                registrations=references.get(contact.id or 0, []),
            )
            for contact in found
        ]
