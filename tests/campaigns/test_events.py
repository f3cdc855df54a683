"""Events: capacity and waiting list in chat, reminders moved with the event, restarts."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.campaigns import events
from bot.campaigns.background import CampaignLoop
from bot.core.engine import Engine
from bot.core.i18n import Catalogues
from bot.domain import Channel, EventKind
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Campaign, EventReminder
from bot.storage.types import utcnow
from tests.campaigns.test_dispatcher import FakeSender
from tests.transcript import Chat, verify_dialog

TZ = ZoneInfo("Africa/Libreville")


def training(database: DatabaseEngine, *, capacity: int | None = 1, days: int = 10) -> int:
    event = events.create_event(
        database,
        kind=EventKind.TRAINING,
        title={"fr": "Formation coopératives"},
        starts_at=(utcnow() + timedelta(days=days)).replace(microsecond=0),
        place="Oyem, salle polyvalente",
        province="Woleu-Ntem",
        capacity=capacity,
    )
    return event.id or 0


def test_capacity_then_waiting_list_that_moves_up(engine: Engine) -> None:
    training(engine.database, capacity=1)
    awa = Chat(engine, sender="1", channel=Channel.TELEGRAM)
    paul = Chat(engine, sender="2", channel=Channel.TELEGRAM)
    verify_dialog(
        awa,
        [
            (
                "prochaines formations ?",
                ["Les prochains événements", "Formation coopératives", "Oyem"],
            ),
            ("[S'inscrire]", "vous êtes inscrit(e)"),
        ],
    )
    verify_dialog(
        paul,
        [
            ("prochaines formations ?", "[S'inscrire :"),
            ("[S'inscrire]", ["complet", "liste d'attente (position 1)"]),
            ("prochaines formations ?", ["Vous êtes sur la liste d'attente", "[Se désinscrire :"]),
        ],
    )
    verify_dialog(awa, [("[Se désinscrire]", "vous n'êtes plus inscrit(e)")])
    with new_session(engine.database) as session:
        [notice] = session.exec(select(Campaign)).all()
    assert notice.audience.startswith("contact=")
    assert "Une place s'est libérée" in notice.messages["fr"]
    verify_dialog(paul, [("prochaines formations ?", "Vous êtes inscrit(e).")])


def test_reminders_move_with_the_event(database: DatabaseEngine) -> None:
    event_id = training(database)
    later = utcnow() + timedelta(days=20)
    events.move_event(database, event_id, later)
    with new_session(database) as session:
        reminders = session.exec(select(EventReminder)).all()
    assert sorted(later - r.due_at for r in reminders) == [
        timedelta(hours=2),
        timedelta(days=1),
        timedelta(days=7),
    ]


def test_due_reminders_go_out_and_late_ones_are_dropped(
    database: DatabaseEngine, settings: Settings
) -> None:
    from tests.campaigns.test_dispatcher import people

    people(database, 3)
    with new_session(database) as session:
        from bot.domain import Topic
        from bot.storage import contacts

        for contact_id in (1, 2, 3):
            contacts.subscribe(session, contact_id=contact_id, topic=Topic.EVENTS)
        session.commit()
    event_id = training(database, capacity=None, days=10)
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    sender = FakeSender(Channel.TELEGRAM)
    with new_session(database) as session:
        starts = session.get(events.Event, event_id).starts_at  # type: ignore[union-attr]
    week_before = starts - timedelta(days=7) + timedelta(minutes=1)
    loop = CampaignLoop(
        database, {Channel.TELEGRAM: sender}, TZ, clock=lambda: week_before, catalogues=catalogues
    )
    asyncio.run(loop.run_due())
    assert len(sender.sent) == 3  # the 7-day reminder, to the subscribers of events
    # The server was down from then until after the start: the other two are dropped.
    after_start = starts + timedelta(minutes=5)
    late = CampaignLoop(
        database, {Channel.TELEGRAM: sender}, TZ, clock=lambda: after_start, catalogues=catalogues
    )
    asyncio.run(late.run_due())
    assert set(sender.sent.values()) == {1}
    with new_session(database) as session:
        reminders = session.exec(select(EventReminder)).all()
    assert sorted(r.dropped for r in reminders) == [False, True, True]


def test_cancelling_tells_the_attendees(engine: Engine, settings: Settings) -> None:
    event_id = training(engine.database, capacity=5)
    chat = Chat(engine, sender="9", channel=Channel.TELEGRAM)
    verify_dialog(
        chat, [("prochaines formations ?", "[S'inscrire :"), ("[S'inscrire]", "inscrit(e)")]
    )
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    campaign_id = events.cancel_event(engine.database, event_id, catalogues, TZ)
    with new_session(engine.database) as session:
        notice = session.get(Campaign, campaign_id)
        pending = session.exec(select(EventReminder).where(EventReminder.done_at == None)).all()  # noqa: E711
    assert notice is not None and "est annulé" in notice.messages["fr"]
    assert notice.audience == f"attendees={event_id}"
    assert pending == []
    assert "Aucun événement" in chat.send("prochaines formations ?")


def test_offsets_are_read_in_days_hours_minutes() -> None:
    assert events.parse_offsets("7d, 1d,2h,30m") == [10080, 1440, 120, 30]


def test_dates_in_the_contact_s_language(database: DatabaseEngine, settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    event = events.create_event(
        database,
        kind=EventKind.SEMINAR,
        title={"fr": "Séminaire", "en": "Seminar"},
        starts_at=datetime(2027, 5, 14, 9, tzinfo=TZ),
        place="Libreville",
    )
    messages = events._messages(catalogues, TZ, event, "{title} {date}")
    assert messages["fr"] == "Séminaire vendredi 14 mai 2027, 09:00"
    assert messages["en"] == "Seminar Friday, May 14, 2027, 9:00\u00a0AM"
