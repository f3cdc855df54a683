"""The engine's guarantees: provider retries answered once, one message at a time per person."""

import threading

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import build_router
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.core.turn import Services
from bot.domain import Channel
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import Conversation, Subscription
from tests.transcript import Chat, both_packs


@both_packs
def test_a_repeated_provider_message_id_is_processed_once(
    chat: Chat, database: DatabaseEngine
) -> None:
    assert "C'est fait" in chat.send("abonnez-moi", message_id="wamid.1")
    assert chat.send("abonnez-moi", message_id="wamid.1") == ""
    assert "déjà abonné" in chat.send("abonnez-moi", message_id="wamid.2")


def test_same_message_id_on_two_channels_is_two_messages(engine: Engine) -> None:
    for channel in (Channel.TELEGRAM, Channel.WHATSAPP):
        replies = engine.handle(Incoming(channel=channel, sender="1", text="menu", message_id="42"))
        assert replies


def test_concurrent_messages_of_one_person_do_not_corrupt_the_state(
    sqlite_url: str, services: Services
) -> None:
    """Two engines (two processes' worth) answer the same person at the same time."""
    engines = [
        Engine(database=create_db_engine(sqlite_url), services=services, router=build_router())
        for _ in range(2)
    ]
    sender = "+24177000000"
    engines[0].handle(Incoming(channel=Channel.WHATSAPP, sender=sender, text="preinscription"))
    engines[0].handle(Incoming(channel=Channel.WHATSAPP, sender=sender, text="oui"))
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(index: int) -> None:
        start.wait()
        try:
            engines[index % 2].handle(
                Incoming(
                    channel=Channel.WHATSAPP,
                    sender=sender,
                    text="association" if index == 0 else "menu",
                    message_id=f"m{index}",
                )
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with new_session(engines[0].database) as session:
        conversation = session.exec(select(Conversation)).one()
        form = conversation.data["form"]
        # Whatever the order, the consent and the form survived every concurrent turn.
        assert form["consent_at"]
    for engine in engines:
        engine.database.dispose()


def test_many_people_at_once(engine: Engine, database: DatabaseEngine) -> None:
    def talk(sender: str) -> None:
        engine.handle(Incoming(channel=Channel.TELEGRAM, sender=sender, text="abonnez-moi"))

    threads = [threading.Thread(target=talk, args=(str(n),)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with new_session(database) as session:
        subscribers = {row.contact_id for row in session.exec(select(Subscription)).all()}
        assert len(subscribers) == 20


@both_packs
def test_unknown_or_forged_payload_is_not_a_crash(chat: Chat) -> None:
    answer = chat.send(payload="guide:spaceship:o")
    assert "Ce bouton n'est plus valable" in answer
    answer = chat.send(payload="x" * 500)
    assert "Ce bouton n'est plus valable" in answer


@both_packs
def test_old_buttons_do_not_break_the_form(chat: Chat) -> None:
    chat.send("preinscription")
    chat.press("J'accepte")
    stale = next(choice.payload for reply in chat.last for choice in reply.choices)
    chat.send("association")
    answer = chat.send(payload=stale)
    assert "Reprenons" in answer
