"""Events in the console over HTTP: create, see the places and reminders, move, cancel."""

from datetime import datetime, timedelta

import httpx
from sqlmodel import select

from bot.app import Relais
from bot.domain import AttendanceStatus, Channel, EventState
from bot.storage import contacts
from bot.storage import events as seats
from bot.storage.database import new_session
from bot.storage.models import Campaign, Event, EventReminder
from tests.admin.conftest import ADMIN, AGENT
from tests.admin.helpers import console_csrf, sign_in


def event_form(starts: datetime, **fields: str) -> dict[str, str]:
    return {
        "kind": "training",
        "title_fr": "Formation coopératives",
        "title_en": "Cooperatives training",
        "title_ar": "تكوين حول التعاونيات",
        "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "place": "Oyem, salle polyvalente",
        "province": "Woleu-Ntem",
        "capacity": "1",
        "reminders": "7d,1d,2h",
        "audience": "all topic=events groups",
        **fields,
    }


def book(relais: Relais, event_id: int, *addresses: str) -> None:
    with new_session(relais.database) as session:
        for address in addresses:
            contact = contacts.get_or_create_contact(
                session, channel=Channel.TELEGRAM, address=address
            )
            contact.name = f"Personne {address}"
            contact.locale = "en" if address.endswith("2") else "fr"
            session.add(contact)
            session.flush()
            seats.register(session, event_id=event_id, contact_id=contact.id or 0)
        session.commit()


async def test_an_event_is_created_moved_and_cancelled_with_its_people_told(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    tz = relais.settings.tz
    starts = (datetime.now(tz) + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    created = await client.post("/admin/events", data={"csrf": csrf, **event_form(starts)})
    assert created.status_code == 303
    location = created.headers["location"]
    event_id = int(location.rsplit("/", 1)[1])
    book(relais, event_id, "5551", "5552")
    page = await client.get(location)
    assert page.status_code == 200
    registered = page.text.split('<table id="registered">', 1)[1].split("</table>", 1)[0]
    waiting = page.text.split('<table id="waiting">', 1)[1].split("</table>", 1)[0]
    assert "Personne 5551" in registered and "Personne 5552" in waiting
    reminders = page.text.split('<table id="reminders">', 1)[1].split("</table>", 1)[0]
    assert reminders.count("<tr>") == 4 and "7 j" in reminders and "2 h" in reminders
    assert "Formation coopératives" in (await client.get("/admin/events")).text

    later = starts + timedelta(days=7)
    moved = await client.post(
        f"{location}/move",
        data={"csrf": csrf, "starts_at": f"{later:%Y-%m-%dT%H:%M}", "place": "Bitam, mairie"},
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("?moved=1")
    with new_session(relais.database) as session:
        event = session.get(Event, event_id)
        assert event is not None and event.place == "Bitam, mairie"
        assert event.starts_at == later.astimezone(event.starts_at.tzinfo)
        planned = session.exec(
            select(EventReminder).where(EventReminder.event_id == event_id)
        ).all()
        assert sorted(r.due_at for r in planned) == sorted(
            later - timedelta(minutes=m) for m in (7 * 1440, 1440, 120)
        )
        notice = session.exec(
            select(Campaign).where(Campaign.name == f"event {event_id} moved")
        ).one()
        # The people keep their places and are told in their language.
        assert notice.audience == f"attendees={event_id}"
        assert "Bitam, mairie" in notice.messages["fr"] and "Bitam, mairie" in notice.messages["en"]
        assert seats.count_attendance(session, event_id, AttendanceStatus.REGISTERED) == 1
        assert seats.count_attendance(session, event_id, AttendanceStatus.WAITING) == 1
    assert "Bitam, mairie" in (await client.get(location)).text

    cancelled = await client.post(f"{location}/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 303
    with new_session(relais.database) as session:
        event = session.get(Event, event_id)
        assert event is not None and event.state is EventState.CANCELLED
        told = session.exec(
            select(Campaign).where(Campaign.name == f"event {event_id} cancelled")
        ).one()
        assert told.audience == f"attendees={event_id}"
    audit = (await client.get("/admin/audit")).text
    assert "event.create" in audit and "event.move" in audit and "event.cancel" in audit
    # A cancelled event is neither moved nor cancelled again.
    again = await client.post(
        f"{location}/move", data={"csrf": csrf, "starts_at": "2030-01-01T09:00"}
    )
    assert again.status_code == 400
    assert (await client.post(f"{location}/cancel", data={"csrf": csrf})).status_code == 400


async def test_bad_event_input_is_refused_with_a_reason(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    starts = datetime.now(relais.settings.tz) + timedelta(days=10)
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    for bad in (
        {"kind": "party"},
        {"title_fr": ""},
        {"starts_at": "demain"},
        {"place": ""},
        {"capacity": "quarante"},
        {"capacity": "0"},
        {"reminders": "une semaine"},
        {"audience": "province"},
    ):
        refused = await client.post(
            "/admin/events", data={"csrf": csrf, **event_form(starts, **bad)}
        )
        assert refused.status_code == 400, bad
    with new_session(relais.database) as session:
        assert session.exec(select(Event)).all() == []
    no_token = await client.post("/admin/events", data=event_form(starts))
    assert no_token.status_code == 403
    assert (await client.get("/admin/events/999")).status_code == 404
    missing = await client.post(
        "/admin/events/999/move", data={"csrf": csrf, "starts_at": "2030-01-01T09:00"}
    )
    assert missing.status_code == 400
    created = await client.post("/admin/events", data={"csrf": csrf, **event_form(starts)})
    location = created.headers["location"]
    # Within two weeks, the event is on the home page, with its places.
    upcoming = (await client.get("/admin")).text.split('<ul id="upcoming">', 1)[1]
    assert "Formation coopératives" in upcoming.split("</ul>", 1)[0] and location in upcoming
    bad_move = await client.post(f"{location}/move", data={"csrf": csrf, "starts_at": "31/12"})
    assert bad_move.status_code == 400

    await sign_in(client, AGENT)
    agent_csrf = await console_csrf(client)
    assert (await client.get(location)).status_code == 403
    forbidden = await client.post(f"{location}/cancel", data={"csrf": agent_csrf})
    assert forbidden.status_code == 403
