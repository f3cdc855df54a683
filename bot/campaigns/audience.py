"""Who a campaign reaches: an expression staff type, turned into a streamed database query.

`all` (the default) is every subscriber; `groups` the community groups; both may be given.
Filters narrow the subscribers: `channel=whatsapp`, `province=Estuaire`, `lang=fr`,
`topic=events`, `org_type=cooperative` (from their registrations). `attendees=ID` adds the people
registered for (or waiting for) an event, `contact=ID` one contact, `answered=ID` the people who
finished consultation ID. `unanswered=ID` narrows the whole audience to those who neither
finished nor stopped consultation ID. Opted-out contacts are never part of an audience.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.core.i18n import N_
from bot.domain import AttendanceStatus, Channel, ContactKind, Locale, OrgType, Topic
from bot.errors import ExplainedError
from bot.storage.models import (
    ConsultationParticipant,
    Contact,
    EventAttendance,
    Registration,
    Subscription,
)

BATCH = 1000
# The terminal and the browser chat only answer; they cannot carry a message unasked.
PUSH_CHANNELS = (Channel.TELEGRAM, Channel.WHATSAPP)
T = TypeVar("T")


class AudienceError(ExplainedError, ValueError):
    """An audience expression that cannot be understood; the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class Audience:
    """A parsed audience expression."""

    subscribers: bool = True
    groups: bool = False
    channels: frozenset[Channel] = field(default_factory=frozenset)
    provinces: frozenset[str] = field(default_factory=frozenset)
    locales: frozenset[Locale] = field(default_factory=frozenset)
    topics: frozenset[Topic] = field(default_factory=frozenset)
    org_types: frozenset[OrgType] = field(default_factory=frozenset)
    attendees_of: frozenset[int] = field(default_factory=frozenset)
    contact_ids: frozenset[int] = field(default_factory=frozenset)
    answered: frozenset[int] = field(default_factory=frozenset)
    unanswered: frozenset[int] = field(default_factory=frozenset)

    def where(self) -> sa.ColumnElement[bool]:
        """Return the condition a contact must meet."""
        reachable = sa.and_(
            col(Contact.opted_out_at).is_(None), col(Contact.channel).in_(PUSH_CHANNELS)
        )
        parts: list[sa.ColumnElement[bool]] = []
        if self.subscribers:
            parts.append(sa.and_(col(Contact.kind) == ContactKind.PERSON, *self._filters()))
        if self.groups:
            groups = [col(Contact.kind) == ContactKind.GROUP]
            if self.channels:
                groups.append(col(Contact.channel).in_(self.channels))
            parts.append(sa.and_(*groups))
        if self.attendees_of:
            attending = select(EventAttendance.contact_id).where(
                EventAttendance.contact_id == Contact.id,
                col(EventAttendance.event_id).in_(self.attendees_of),
                col(EventAttendance.status).in_(
                    [AttendanceStatus.REGISTERED, AttendanceStatus.WAITING]
                ),
            )
            parts.append(sa.exists(attending))
        if self.contact_ids:
            parts.append(col(Contact.id).in_(self.contact_ids))
        if self.answered:
            finished = select(ConsultationParticipant.contact_id).where(
                ConsultationParticipant.contact_id == Contact.id,
                col(ConsultationParticipant.consultation_id).in_(self.answered),
                col(ConsultationParticipant.finished_at).is_not(None),
            )
            parts.append(sa.exists(finished))
        condition = sa.and_(reachable, sa.or_(*parts))
        if self.unanswered:
            done = select(ConsultationParticipant.contact_id).where(
                ConsultationParticipant.contact_id == Contact.id,
                col(ConsultationParticipant.consultation_id).in_(self.unanswered),
                sa.or_(
                    col(ConsultationParticipant.finished_at).is_not(None),
                    col(ConsultationParticipant.stopped_at).is_not(None),
                ),
            )
            condition = sa.and_(condition, ~sa.exists(done))
        return condition

    def _filters(self) -> list[sa.ColumnElement[bool]]:
        subscribed = select(Subscription.contact_id).where(Subscription.contact_id == Contact.id)
        if self.topics:
            subscribed = subscribed.where(col(Subscription.topic).in_(self.topics))
        filters: list[sa.ColumnElement[bool]] = [sa.exists(subscribed)]
        if self.channels:
            filters.append(col(Contact.channel).in_(self.channels))
        if self.provinces:
            filters.append(col(Contact.province).in_(self.provinces))
        if self.locales:
            filters.append(col(Contact.locale).in_([locale.value for locale in self.locales]))
        if self.org_types:
            registered = select(Registration.id).where(
                Registration.contact_id == Contact.id,
                col(Registration.org_type).in_(self.org_types),
            )
            filters.append(sa.exists(registered))
        return filters


def parse_audience(expression: str) -> Audience:
    """Read an audience expression such as `all channel=whatsapp province=Estuaire groups`."""
    subscribers = groups = False
    values: dict[str, set[str]] = {}
    for token in expression.replace(",", " ").split():
        if token.lower() in ("all", "subscribers", "tous"):
            subscribers = True
            continue
        if token.lower() in ("groups", "groupes"):
            groups = True
            continue
        key, sep, value = token.partition("=")
        if not sep or not value:
            raise AudienceError(
                N_("« {token} » est illisible : utilisez all, groups ou clé=valeur"), token=token
            )
        values.setdefault(key.lower(), set()).update(value.split("|"))
    if not (groups or "attendees" in values or "contact" in values or "answered" in values):
        subscribers = True
    known = {
        "channel",
        "province",
        "lang",
        "topic",
        "org_type",
        "attendees",
        "contact",
        "answered",
        "unanswered",
    }
    unknown = set(values) - known
    if unknown:
        raise AudienceError(
            N_("filtre inconnu « {name} » : utilisez {known}"),
            name=sorted(unknown)[0],
            known=", ".join(sorted(known)),
        )
    return Audience(
        subscribers=subscribers,
        groups=groups,
        channels=_read(values, "channel", Channel),
        provinces=frozenset(values.get("province", ())),
        locales=_read(values, "lang", Locale),
        topics=_read(values, "topic", Topic),
        org_types=_read(values, "org_type", OrgType),
        attendees_of=_read(values, "attendees", int),
        contact_ids=_read(values, "contact", int),
        answered=_read(values, "answered", int),
        unanswered=_read(values, "unanswered", int),
    )


def _read(values: dict[str, set[str]], name: str, kind: Callable[[str], T]) -> frozenset[T]:
    """Return a filter's values read as `kind`; AudienceError names the first one that is not."""
    read: set[T] = set()
    for value in sorted(values.get(name, ())):
        try:
            read.add(kind(value))
        except ValueError:
            raise AudienceError(
                N_("{name}={value} : valeur inconnue"), name=name, value=value
            ) from None
    return frozenset(read)


def audience_size(session: Session, audience: Audience) -> int:
    """Count the contacts an audience reaches now."""
    statement = select(sa.func.count()).select_from(Contact).where(audience.where())
    return int(session.execute(statement).scalar_one())


def audience_batch(
    session: Session, audience: Audience, *, after_id: int, limit: int = BATCH
) -> list[tuple[int, Channel]]:
    """Return the next (contact id, channel) of an audience after a contact id.

    Batches by id keep memory flat however large the audience, and let each batch be read
    and written in one short transaction.
    """
    rows = session.execute(
        select(Contact.id, Contact.channel)
        .where(audience.where(), col(Contact.id) > after_id)
        .order_by(col(Contact.id))
        .limit(limit)
    ).all()
    return [(int(row[0]), Channel(row[1])) for row in rows]
