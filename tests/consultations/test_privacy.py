"""Consent and data rights: anonymous answers, 'my data', 'delete my data', one set each."""

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.core.engine import Engine
from bot.domain import Channel
from bot.storage.database import new_session
from bot.storage.models import (
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationResponse,
)
from tests.consultations.helpers import invite, make_consultation, subscribers
from tests.transcript import Chat, verify_dialog

SENDER = "4455667788"
WORDS = "Marie Obame demande plus de guichets"
ANSWERS = ["consultation", "oui", "2", "1, 3", "1", "4", WORDS, "passer", "passer", "envoyer"]


def every_value(database: DatabaseEngine) -> Iterator[tuple[str, str]]:
    metadata = sa.MetaData()
    metadata.reflect(database)
    with database.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    if value is not None:
                        yield table.name, str(value)


def answer_all(engine: Engine, *, anonymous: bool) -> tuple[Chat, int]:
    consultation = make_consultation(engine.database, anonymous=anonymous)
    subscribers(engine.database, SENDER, channel=Channel.TELEGRAM)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    chat = Chat(engine, sender=SENDER, channel=Channel.TELEGRAM)
    for text in ANSWERS[:-1]:
        chat.send(text)
    assert "Voici vos réponses" in chat.transcript()
    assert "Merci !" in chat.press("Envoyer")
    return chat, consultation.id or 0


def test_anonymous_answers_are_stored_without_the_contact(engine: Engine) -> None:
    chat, consultation_id = answer_all(engine, anonymous=True)
    with new_session(engine.database) as session:
        [response] = session.exec(select(ConsultationResponse)).all()
        stored = session.exec(select(ConsultationAnswer)).all()
        texts = [a.text for a in stored if a.text]
        numbers = [a.number for a in stored if a.number is not None]
    assert response.contact_id is None and len(response.respondent_key) == 64
    assert SENDER not in response.respondent_key
    assert texts == [WORDS]
    assert numbers == [1, 4]  # "1" typed is the number, not the question's only button
    # One answer set per person, found again through the keyed hash alone.
    assert "Vous avez déjà répondu" in chat.send(payload=f"cons:{consultation_id}")
    shown = chat.send("mes données")
    assert "Le nouveau guichet unique" not in shown
    # Deleting the contact leaves the anonymous answers, tied to no one.
    verify_dialog(chat, [("supprimer mes données", "réponses aux consultations"), ("oui", "")])
    with new_session(engine.database) as session:
        assert session.exec(select(ConsultationParticipant)).all() == []
        [kept] = session.exec(select(ConsultationResponse)).all()
    assert kept.contact_id is None


def test_named_answers_are_shown_then_deleted_everywhere(engine: Engine) -> None:
    chat, _consultation_id = answer_all(engine, anonymous=False)
    shown = chat.send("quelles données avez-vous sur moi ?")
    assert "Consultation « Le nouveau guichet unique », Que faudrait-il changer ? :" in shown
    assert "Par téléphone" in shown
    assert any(WORDS in value for _table, value in every_value(engine.database))
    verify_dialog(chat, [("supprimer mes données", "Voulez-vous vraiment"), ("oui", "supprimées")])
    left = [
        (table, value)
        for table, value in every_value(engine.database)
        if WORDS in value or value == SENDER
    ]
    assert left == []
    with new_session(engine.database) as session:
        assert session.exec(select(ConsultationResponse)).all() == []
        assert session.exec(select(ConsultationAnswer)).all() == []
