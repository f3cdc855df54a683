"""Places at events: register, the waiting list that moves up, what a contact is booked on."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import AttendanceStatus, EventState, Locale
from bot.errors import RelaisError
from bot.storage.models import Event, EventAttendance
from bot.storage.types import utcnow


class EventNotOpen(RelaisError, LookupError):
    """The event does not exist, or is no longer scheduled.

    Its message is for logs: the event services (`bot.campaigns.events`) refuse staff's
    requests with a reason that front doors translate, and the chat says it in its own words.
    """


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a registration landed."""

    status: AttendanceStatus
    position: int | None = None


def upcoming(
    session: Session, *, now: datetime, province: str | None, limit: int = 5
) -> list[Event]:
    """Return the next events, those in the contact's province first."""
    events = session.exec(
        select(Event)
        .where(col(Event.state) == EventState.SCHEDULED, col(Event.starts_at) > now)
        .order_by(col(Event.starts_at))
        .limit(50)
    ).all()
    nearby = sorted(events, key=lambda event: (event.province != province, event.starts_at))
    return nearby[:limit]


def register(session: Session, *, event_id: int, contact_id: int) -> Seat:
    """Give a contact a place, or a place on the waiting list once the event is full."""
    event = scheduled_event(session, event_id)
    existing = session.exec(
        select(EventAttendance).where(
            EventAttendance.event_id == event_id, EventAttendance.contact_id == contact_id
        )
    ).first()
    if existing is not None and existing.status is not AttendanceStatus.CANCELLED:
        return _seat(session, existing)
    # Lock the event row so two last registrations cannot both take the last seat.
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Event).where(Event.id == event_id).with_for_update()).one()
    taken = count_attendance(session, event_id, AttendanceStatus.REGISTERED)
    full = event.capacity is not None and taken >= event.capacity
    status = AttendanceStatus.WAITING if full else AttendanceStatus.REGISTERED
    if existing is None:
        existing = EventAttendance(event_id=event_id, contact_id=contact_id, status=status)
    else:
        existing.status, existing.created_at = status, utcnow()
    session.add(existing)
    session.flush()
    return _seat(session, existing)


def unregister(session: Session, *, event_id: int, contact_id: int) -> int | None:
    """Give up a place; return the contact moved up from the waiting list, if any."""
    attendance = session.exec(
        select(EventAttendance).where(
            EventAttendance.event_id == event_id, EventAttendance.contact_id == contact_id
        )
    ).first()
    if attendance is None or attendance.status is AttendanceStatus.CANCELLED:
        return None
    freed = attendance.status is AttendanceStatus.REGISTERED
    attendance.status = AttendanceStatus.CANCELLED
    session.add(attendance)
    session.flush()
    if not freed:
        return None
    first_waiting = session.exec(
        select(EventAttendance)
        .where(
            EventAttendance.event_id == event_id,
            EventAttendance.status == AttendanceStatus.WAITING,
        )
        .order_by(col(EventAttendance.created_at), col(EventAttendance.id))
    ).first()
    if first_waiting is None:
        return None
    first_waiting.status = AttendanceStatus.REGISTERED
    session.add(first_waiting)
    return first_waiting.contact_id


def my_events(
    session: Session, *, contact_id: int, now: datetime
) -> list[tuple[Event, AttendanceStatus]]:
    """Return the upcoming events a contact registered or waits for."""
    rows = session.exec(
        select(Event, EventAttendance)
        .join(EventAttendance, col(EventAttendance.event_id) == col(Event.id))
        .where(
            EventAttendance.contact_id == contact_id,
            col(EventAttendance.status) != AttendanceStatus.CANCELLED,
            col(Event.starts_at) > now,
            col(Event.state) == EventState.SCHEDULED,
        )
        .order_by(col(Event.starts_at))
    ).all()
    return [(event, attendance.status) for event, attendance in rows]


def event_title(event: Event, locale: str) -> str:
    """Return the event's title in a language, or in French."""
    return event.title.get(locale) or event.title[Locale.FR.value]


def scheduled_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.state is not EventState.SCHEDULED:
        msg = f"no scheduled event {event_id}"
        raise EventNotOpen(msg)
    return event


def count_attendance(session: Session, event_id: int, status: AttendanceStatus) -> int:
    return int(
        session.execute(
            select(sa.func.count())
            .select_from(EventAttendance)
            .where(EventAttendance.event_id == event_id, EventAttendance.status == status)
        ).scalar_one()
    )


def _seat(session: Session, attendance: EventAttendance) -> Seat:
    if attendance.status is not AttendanceStatus.WAITING:
        return Seat(attendance.status)
    ahead = session.execute(
        select(sa.func.count())
        .select_from(EventAttendance)
        .where(
            EventAttendance.event_id == attendance.event_id,
            EventAttendance.status == AttendanceStatus.WAITING,
            col(EventAttendance.id) < (attendance.id or 0),
        )
    ).scalar_one()
    return Seat(AttendanceStatus.WAITING, int(ahead) + 1)
