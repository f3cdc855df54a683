"""Upcoming seminars, trainings and meetings: see them, register, give up a place.

```mermaid
stateDiagram-v2
    [*] --> listed: "prochaines formations ?" / UpcomingEvents
    listed --> registered: JoinEvent (a place is free)
    listed --> waiting: JoinEvent (the event is full)
    registered --> [*]: LeaveEvent (the first one waiting moves up and is told)
    waiting --> [*]: LeaveEvent
```
"""

from bot.core.actions import JoinEvent, LeaveEvent, MainMenu, Subscribe, UpcomingEvents
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import AttendanceStatus, Topic
from bot.storage import events
from bot.storage.events import EventNotOpen
from bot.storage.models import Event
from bot.storage.types import utcnow
from nlu import Intent, ParseResult


class EventsFeature(Feature):
    """Show the next events, nearest first, and manage the contact's registrations."""

    intents = (Intent.EVENTS,)
    payloads = (UpcomingEvents, JoinEvent, LeaveEvent)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "prochaines formations ?"."""
        self.show(turn)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Register, unregister, or list."""
        if isinstance(payload, JoinEvent):
            self.join(turn, payload.event_id)
        elif isinstance(payload, LeaveEvent):
            self.leave(turn, payload.event_id)
        else:
            self.show(turn)

    def show(self, turn: Turn) -> None:
        """List the next events and the contact's own registrations."""
        now = utcnow()
        nearby = events.upcoming(turn.session, now=now, province=turn.contact.province)
        mine = dict(
            (event.id, status)
            for event, status in events.my_events(turn.session, contact_id=turn.contact_id, now=now)
        )
        if not nearby:
            turn.say(
                _("Aucun événement n'est annoncé pour le moment."),
                [
                    (_("Me prévenir des prochains"), Subscribe(Topic.EVENTS)),
                    (_("Menu"), MainMenu()),
                ],
            )
            return
        lines = [_("Les prochains événements :")]
        choices: list[tuple[str, Payload]] = []
        for number, event in enumerate(nearby, 1):
            lines.append(f"{number}. {self._describe(turn, event)}")
            status = mine.get(event.id)
            title = events.event_title(event, turn.translator.locale.value)
            if status is None:
                choices.append(
                    (_("S'inscrire : {title}").format(title=title), JoinEvent(event.id or 0))
                )
            else:
                lines.append(self._status(status))
                choices.append(
                    (_("Se désinscrire : {title}").format(title=title), LeaveEvent(event.id or 0))
                )
        choices.append((_("Menu"), MainMenu()))
        turn.say("\n".join(lines), choices)

    def join(self, turn: Turn, event_id: int) -> None:
        """Take a place, or a place on the waiting list."""
        try:
            seat = events.register(turn.session, event_id=event_id, contact_id=turn.contact_id)
        except EventNotOpen:
            turn.say(_("Cet événement n'est plus proposé."), [(_("Menu"), MainMenu())])
            return
        event = turn.session.get(Event, event_id)
        assert event is not None
        title = events.event_title(event, turn.translator.locale.value)
        if seat.status is AttendanceStatus.REGISTERED:
            text = _("C'est noté : vous êtes inscrit(e) à « {title} ». Vous recevrez des rappels.")
        else:
            text = _(
                "« {title} » est complet : vous êtes sur la liste d'attente (position "
                "{position}). Nous vous écrirons si une place se libère."
            )
        turn.say(
            text.format(title=title, position=seat.position),
            [
                (_("Se désinscrire : {title}").format(title=title), LeaveEvent(event_id)),
                (_("Menu"), MainMenu()),
            ],
        )

    def leave(self, turn: Turn, event_id: int) -> None:
        """Give up a place; the first person waiting moves up and is told."""
        promoted = events.unregister(turn.session, event_id=event_id, contact_id=turn.contact_id)
        event = turn.session.get(Event, event_id)
        if promoted is not None and event is not None:
            turn.services.notices.place_freed(turn.session, event, promoted)
        turn.say(
            _("C'est noté : vous n'êtes plus inscrit(e)."),
            [(_("Prochains événements"), UpcomingEvents()), (_("Menu"), MainMenu())],
        )

    def _describe(self, turn: Turn, event: Event) -> str:
        locale = turn.translator.locale.value
        parts = [
            events.event_title(event, locale),
            turn.translator.format_datetime(event.starts_at),
            event.place,
        ]
        description = event.description.get(locale) or event.description.get("fr")
        if description:
            parts.append(description)
        return " — ".join(parts)

    def _status(self, status: AttendanceStatus) -> str:
        if status is AttendanceStatus.WAITING:
            return _("   Vous êtes sur la liste d'attente.")
        return _("   Vous êtes inscrit(e).")
