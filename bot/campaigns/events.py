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
from bot.domain import AttendanceStatus, Channel, EventKind, EventState, Locale
from bot.storage import events as seats
from bot.storage.database import new_session
from bot.storage.events import EventNotOpen
from bot.storage.models import Contact, Event, EventAttendance, EventReminder
from bot.storage.types import utcnow
from bot.storage.upsert import insert_ignoring_conflicts

DEFAULT_OFFSETS = (7 * 24 * 60, 24 * 60, 2 * 60)


def parse_offsets(text: str) -> list[int]:
    """Read reminder offsets such as "7d,1d,2h,30m" into minutes."""
    units = {"d": 24 * 60, "h": 60, "m": 1}
    minutes = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        number, unit = part[:-1], part[-1:].lower()
        if unit not in units or not number.isdecimal():
            raise CampaignError(
                N_("rappel illisible « {value} » : utilisez par exemple 7d, 1d, 2h, 30m"),
                value=part,
            )
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
    series: str | None = None,
) -> Event:
    """Create an event and its reminders (one occurrence of a series, when `series` is set)."""
    if not title.get(Locale.FR.value, "").strip():
        raise CampaignError(N_("un événement a besoin d'un titre en français"))
    if starts_at.tzinfo is None:
        raise CampaignError(N_("le début d'un événement a besoin de son fuseau horaire"))
    if capacity is not None and capacity < 1:
        raise CampaignError(N_("la capacité doit être d'au moins 1"))
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
        series=series,
    )
    with new_session(database) as session:
        session.add(event)
        session.flush()
        _plan_reminders(session, event)
        session.commit()
    return event


def move_event(
    database: DatabaseEngine,
    event_id: int,
    starts_at: datetime,
    *,
    place: str | None = None,
    catalogues: Catalogues | None = None,
    tz: ZoneInfo | None = None,
) -> Event:
    """Change the start (and the place) of an event; its reminders not sent yet move with it.

    The people registered or waiting keep their places; given the catalogues and the time
    zone, they are told the new date and place in their language.
    """
    if starts_at.tzinfo is None:
        raise CampaignError(N_("le début d'un événement a besoin de son fuseau horaire"))
    if place is not None and not place.strip():
        raise CampaignError(N_("un événement a besoin d'un lieu"))
    with new_session(database) as session:
        event = _scheduled_event(session, event_id)
        event.starts_at = starts_at
        if place is not None:
            event.place = place.strip()
        event.updated_at = utcnow()
        session.add(event)
        session.execute(
            sa.delete(EventReminder).where(
                col(EventReminder.event_id) == event_id, col(EventReminder.done_at).is_(None)
            )
        )
        _plan_reminders(session, event)
        if catalogues is not None and tz is not None:
            session.add(
                new_campaign(
                    name=f"event {event_id} moved",
                    messages=_messages(catalogues, tz, event, _MOVED),
                    tz=tz,
                    audience=f"attendees={event_id}",
                )
            )
        session.commit()
        session.refresh(event)
    return event


_MOVED = N_("« {title} » change de date ou de lieu : le {date}, à {place}. Votre place est gardée.")


def cancel_event(
    database: DatabaseEngine, event_id: int, catalogues: Catalogues, tz: ZoneInfo
) -> int | None:
    """Cancel an event and tell its attendees; return the id of the campaign that tells them."""
    with new_session(database) as session:
        event = _scheduled_event(session, event_id)
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


def list_events(database: DatabaseEngine) -> list[tuple[Event, int, int]]:
    """Return every event with its registered and waiting counts, soonest first."""
    with new_session(database) as session:
        events = session.exec(select(Event).order_by(col(Event.starts_at))).all()
        return [
            (
                event,
                seats.count_attendance(session, event.id or 0, AttendanceStatus.REGISTERED),
                seats.count_attendance(session, event.id or 0, AttendanceStatus.WAITING),
            )
            for event in events
        ]


@dataclass(frozen=True, slots=True)
class Attendee:
    """A person registered for an event or waiting for a place."""

    contact_id: int
    name: str | None
    channel: Channel
    address: str
    status: AttendanceStatus
    since: datetime


@dataclass(frozen=True, slots=True)
class EventDetail:
    """An event with its registrations, its waiting list in order, and its reminders."""

    event: Event
    registered: list[Attendee]
    waiting: list[Attendee]
    reminders: list[EventReminder]


def event_detail(database: DatabaseEngine, event_id: int) -> EventDetail:
    """Return an event with who is registered, who waits (first first) and its reminders."""
    with new_session(database) as session:
        event = session.get(Event, event_id)
        if event is None:
            raise CampaignError(N_("pas d'événement {id}"), id=event_id)
        rows = session.exec(
            select(EventAttendance, Contact)
            .join(Contact, col(Contact.id) == col(EventAttendance.contact_id))
            .where(
                EventAttendance.event_id == event_id,
                col(EventAttendance.status) != AttendanceStatus.CANCELLED,
            )
            .order_by(col(EventAttendance.created_at), col(EventAttendance.id))
        ).all()
        reminders = session.exec(
            select(EventReminder)
            .where(EventReminder.event_id == event_id)
            .order_by(col(EventReminder.due_at))
        ).all()
    people = [
        Attendee(
            contact_id=contact.id or 0,
            name=contact.name,
            channel=contact.channel,
            address=contact.address,
            status=attendance.status,
            since=attendance.created_at,
        )
        for attendance, contact in rows
    ]
    return EventDetail(
        event=event,
        registered=[p for p in people if p.status is AttendanceStatus.REGISTERED],
        waiting=[p for p in people if p.status is AttendanceStatus.WAITING],
        reminders=list(reminders),
    )


def send_due_reminders(
    database: DatabaseEngine, catalogues: Catalogues, tz: ZoneInfo, now: datetime
) -> list[int]:
    """Turn the reminders that are due into campaigns; return the campaigns' ids.

    Each reminder is claimed and turned into its campaign in one transaction: of several
    server processes looking at once, one creates the campaign, the others find it done.
    """
    created = []
    with new_session(database) as session:
        due = session.exec(
            select(EventReminder.id)
            .where(col(EventReminder.done_at).is_(None), col(EventReminder.due_at) <= now)
            .order_by(col(EventReminder.id))
        ).all()
    for reminder_id in due:
        with new_session(database) as session:
            claimed = session.execute(
                sa.update(EventReminder)
                .where(col(EventReminder.id) == reminder_id, col(EventReminder.done_at).is_(None))
                .values(done_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                continue
            reminder = session.get(EventReminder, reminder_id)
            event = session.get(Event, reminder.event_id) if reminder else None
            if reminder is None or event is None:
                session.rollback()
                continue
            useful = event.state is EventState.SCHEDULED and now < event.starts_at
            campaign = None
            if useful:
                campaign = new_campaign(
                    name=f"event {event.id} reminder",
                    messages=_messages(catalogues, tz, event, _REMINDER),
                    tz=tz,
                    audience=f"{event.audience} attendees={event.id}",
                    now=now,
                )
                session.add(campaign)
                session.flush()
            reminder.dropped = not useful
            reminder.campaign_id = campaign.id if campaign else None
            session.add(reminder)
            session.commit()
            if campaign is not None:
                created.append(campaign.id or 0)
    return created


_REMINDER = N_(
    "Rappel : « {title} », le {date}, à {place}. Écrivez « mes événements » pour vous désinscrire."
)


class CampaignNotices:
    """The core's notices to other contacts, queued as one-off campaigns for the dispatcher."""

    def __init__(self, catalogues: Catalogues, tz: ZoneInfo) -> None:
        self._catalogues = catalogues
        self._tz = tz

    def place_freed(self, session: Session, event: Event, contact_id: int) -> None:
        """Tell a contact from the waiting list that a place is theirs."""
        messages = _messages(
            self._catalogues,
            self._tz,
            event,
            N_("Une place s'est libérée : vous êtes inscrit(e) à « {title} », le {date}."),
        )
        session.add(
            new_campaign(
                name=f"event {event.id} place",
                messages=messages,
                tz=self._tz,
                audience=f"contact={contact_id}",
            )
        )


def _messages(catalogues: Catalogues, tz: ZoneInfo, event: Event, template: str) -> dict[str, str]:
    """Write a message about an event in each language, dates in that language's form."""
    messages = {}
    for locale in Locale:
        with i18n.using(catalogues.translator(locale)) as translator:
            messages[locale.value] = translator.gettext(template).format(
                title=seats.event_title(event, locale.value),
                date=translator.format_datetime(event.starts_at),
                place=event.place,
            )
    return messages


def _scheduled_event(session: Session, event_id: int) -> Event:
    """Return an event still to come; CampaignError, said in staff's language, otherwise."""
    try:
        return seats.scheduled_event(session, event_id)
    except EventNotOpen:
        raise CampaignError(N_("pas d'événement programmé {id}"), id=event_id) from None


def _plan_reminders(session: Session, event: Event) -> None:
    for offset in event.reminder_offsets:
        due = event.starts_at - timedelta(minutes=offset)
        insert_ignoring_conflicts(
            session,
            EventReminder,
            {
                "event_id": event.id,
                "offset_minutes": offset,
                "due_at": due,
                "dropped": False,
            },
        )
