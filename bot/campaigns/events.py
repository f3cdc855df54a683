"""Events and their reminders: registration with a waiting list, reminders before the start.

Reminders are rows with a due time, derived from the event's start and its offsets (7 days,
1 day, 2 hours by default), like RapidPro's campaign events. Moving an event moves the reminders
not yet sent. When a reminder falls due it becomes a one-off campaign to the event's audience
and its attendees, sent by the same dispatcher as every campaign; one missed while the server
was down goes out late if the event has not started, and is dropped otherwise.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.campaigns.audience import parse_audience
from bot.campaigns.service import CampaignError, create_campaign, new_campaign
from bot.core import i18n
from bot.core.i18n import N_, Catalogues
from bot.domain import Locale
from bot.storage.database import new_session
from bot.storage.models import (
    AttendanceStatus,
    Event,
    EventAttendance,
    EventKind,
    EventReminder,
    EventState,
)
from bot.storage.types import utcnow
from bot.storage.upsert import insert_ignoring_conflicts

DEFAULT_OFFSETS = (7 * 24 * 60, 24 * 60, 2 * 60)


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a registration landed."""

    status: AttendanceStatus
    position: int | None = None


def parse_offsets(text: str) -> list[int]:
    """Read reminder offsets such as "7d,1d,2h,30m" into minutes."""
    units = {"d": 24 * 60, "h": 60, "m": 1}
    minutes = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        number, unit = part[:-1], part[-1:].lower()
        if unit not in units or not number.isdigit():
            msg = f"cannot read the reminder {part!r}: use e.g. 7d, 1d, 2h, 30m"
            raise CampaignError(msg)
        minutes.append(int(number) * units[unit])
    return sorted(set(minutes), reverse=True)


def create_event(
    database: DatabaseEngine,
    *,
    kind: EventKind,
    title: dict[str, str],
    starts_at: datetime,
    place: str,
    description: dict[str, str] | None = None,
    province: str | None = None,
    capacity: int | None = None,
    audience: str = "all topic=events groups",
    offsets: list[int] | None = None,
) -> Event:
    """Create an event and its reminders."""
    if not title.get(Locale.FR.value, "").strip():
        msg = "an event needs a French title"
        raise CampaignError(msg)
    if starts_at.tzinfo is None:
        msg = "the start of an event needs its time zone"
        raise CampaignError(msg)
    if capacity is not None and capacity < 1:
        msg = "the capacity must be at least 1"
        raise CampaignError(msg)
    parse_audience(audience)
    event = Event(
        kind=kind,
        title={key: value for key, value in title.items() if value},
        description={key: value for key, value in (description or {}).items() if value},
        starts_at=starts_at,
        place=place,
        province=province,
        capacity=capacity,
        audience=audience,
        reminder_offsets=list(DEFAULT_OFFSETS if offsets is None else offsets),
    )
    with new_session(database) as session:
        session.add(event)
        session.flush()
        _plan_reminders(session, event)
        session.commit()
    return event


def move_event(database: DatabaseEngine, event_id: int, starts_at: datetime) -> Event:
    """Change the start of an event; its reminders not sent yet move with it."""
    with new_session(database) as session:
        event = _scheduled(session, event_id)
        event.starts_at = starts_at
        event.updated_at = utcnow()
        session.add(event)
        session.execute(
            sa.delete(EventReminder).where(
                col(EventReminder.event_id) == event_id, col(EventReminder.done_at).is_(None)
            )
        )
        _plan_reminders(session, event)
        session.commit()
    return event


def cancel_event(
    database: DatabaseEngine, event_id: int, catalogues: Catalogues, tz: ZoneInfo
) -> int | None:
    """Cancel an event and tell its attendees; return the id of the campaign that tells them."""
    with new_session(database) as session:
        event = _scheduled(session, event_id)
        event.state = EventState.CANCELLED
        event.updated_at = utcnow()
        session.add(event)
        session.execute(
            sa.update(EventReminder)
            .where(col(EventReminder.event_id) == event_id, col(EventReminder.done_at).is_(None))
            .values(dropped=True, done_at=utcnow())
        )
        session.commit()
    messages = _messages(
        catalogues, tz, event, N_("« {title} » du {date} est annulé. Nous sommes désolés.")
    )
    try:
        campaign, _size = create_campaign(
            database,
            name=f"event {event_id} cancelled",
            messages=messages,
            tz=tz,
            audience=f"attendees={event_id}",
        )
    except CampaignError:
        return None
    return campaign.id


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
    event = _scheduled(session, event_id)
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
    taken = _count(session, event_id, AttendanceStatus.REGISTERED)
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


def list_events(database: DatabaseEngine) -> list[tuple[Event, int, int]]:
    """Return every event with its registered and waiting counts, soonest first."""
    with new_session(database) as session:
        events = session.exec(select(Event).order_by(col(Event.starts_at))).all()
        return [
            (
                event,
                _count(session, event.id or 0, AttendanceStatus.REGISTERED),
                _count(session, event.id or 0, AttendanceStatus.WAITING),
            )
            for event in events
        ]


def send_due_reminders(
    database: DatabaseEngine, catalogues: Catalogues, tz: ZoneInfo, now: datetime
) -> list[int]:
    """Turn the reminders that are due into campaigns; return the campaigns' ids."""
    created = []
    with new_session(database) as session:
        due = session.exec(
            select(EventReminder, Event)
            .join(Event, col(Event.id) == col(EventReminder.event_id))
            .where(col(EventReminder.done_at).is_(None), col(EventReminder.due_at) <= now)
        ).all()
        work = [(reminder.id or 0, event) for reminder, event in due]
    for reminder_id, event in work:
        useful = event.state is EventState.SCHEDULED and now < event.starts_at
        campaign_id = None
        if useful:
            messages = _messages(
                catalogues,
                tz,
                event,
                N_(
                    "Rappel : « {title} », le {date}, à {place}. Écrivez « mes événements » pour "
                    "vous désinscrire."
                ),
            )
            campaign, _size = create_campaign(
                database,
                name=f"event {event.id} reminder",
                messages=messages,
                tz=tz,
                audience=f"{event.audience} attendees={event.id}",
                now=now,
            )
            campaign_id = campaign.id
            created.append(campaign.id or 0)
        with new_session(database) as session:
            session.execute(
                sa.update(EventReminder)
                .where(col(EventReminder.id) == reminder_id)
                .values(done_at=now, dropped=not useful, campaign_id=campaign_id)
            )
            session.commit()
    return created


def tell_moved_up(
    session: Session, catalogues: Catalogues, tz: ZoneInfo, event: Event, contact_id: int
) -> None:
    """Tell a contact from the waiting list that a place is theirs (sent by the dispatcher)."""
    messages = _messages(
        catalogues,
        tz,
        event,
        N_("Une place s'est libérée : vous êtes inscrit(e) à « {title} », le {date}."),
    )
    session.add(
        new_campaign(
            name=f"event {event.id} place",
            messages=messages,
            tz=tz,
            audience=f"contact={contact_id}",
        )
    )


def event_title(event: Event, locale: str) -> str:
    """Return the event's title in a language, or in French."""
    return event.title.get(locale) or event.title[Locale.FR.value]


def _messages(catalogues: Catalogues, tz: ZoneInfo, event: Event, template: str) -> dict[str, str]:
    """Write a message about an event in each language, dates in that language's form."""
    messages = {}
    for locale in Locale:
        with i18n.using(catalogues.translator(locale)) as translator:
            messages[locale.value] = translator.gettext(template).format(
                title=event_title(event, locale.value),
                date=translator.format_datetime(event.starts_at),
                place=event.place,
            )
    return messages


def _plan_reminders(session: Session, event: Event) -> None:
    for offset in event.reminder_offsets:
        insert_ignoring_conflicts(
            session,
            EventReminder,
            {
                "event_id": event.id,
                "offset_minutes": offset,
                "due_at": event.starts_at - timedelta(minutes=offset),
                "dropped": False,
            },
        )


def _scheduled(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.state is not EventState.SCHEDULED:
        msg = f"no scheduled event {event_id}"
        raise CampaignError(msg)
    return event


def _count(session: Session, event_id: int, status: AttendanceStatus) -> int:
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
