"""A new request for a person is announced in the staff's Telegram chat, through the outbox."""

import dataclasses

from pydantic import SecretStr
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import Channel, ReplyStatus
from bot.storage.database import new_session
from bot.storage.models import HandoffRequest, ReplyItem
from tests.transcript import Chat

STAFF_CHAT = -1001234567890


def chat_with(database: DatabaseEngine, services: Services, **settings: object) -> Chat:
    changed = services.settings.model_copy(update=settings)
    engine = Engine(
        database=database,
        services=dataclasses.replace(services, settings=changed),
        router=build_router(),
    )
    return Chat(engine, sender="awa", channel=Channel.TELEGRAM)


def staff_replies(database: DatabaseEngine) -> list[ReplyItem]:
    with new_session(database) as session:
        return list(
            session.exec(select(ReplyItem).where(ReplyItem.address == str(STAFF_CHAT))).all()
        )


def test_a_new_request_is_announced_once_in_the_staff_chat(
    database: DatabaseEngine, services: Services
) -> None:
    person = chat_with(
        database,
        services,
        staff_telegram_chat_id=STAFF_CHAT,
        telegram_token=SecretStr("123:abc"),
        public_url="https://relais.example.org",
    )
    person.send("bonjour")
    person.send("je veux parler à un agent pour mon dossier")
    with new_session(database) as session:
        [request] = session.exec(select(HandoffRequest)).all()
    [announcement] = staff_replies(database)
    assert announcement.channel is Channel.TELEGRAM and announcement.contact_id is None
    assert announcement.status is ReplyStatus.PENDING
    assert announcement.text.startswith("Nouvelle demande de contact avec une personne (telegram)")
    assert "je veux parler à un agent pour mon dossier" in announcement.text
    assert f"https://relais.example.org/admin/conversations/{request.id}" in announcement.text
    # Asking again while the request is open announces nothing more.
    person.send("je veux parler à un agent")
    assert len(staff_replies(database)) == 1


def test_no_announcement_without_a_staff_chat_or_without_telegram(
    database: DatabaseEngine, services: Services
) -> None:
    chat_with(database, services).send("je veux parler à un agent")
    chat_with(database, services, staff_telegram_chat_id=STAFF_CHAT).send(
        "je veux parler à un agent"
    )
    assert staff_replies(database) == []
