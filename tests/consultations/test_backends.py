"""The whole path on SQLite and PostgreSQL: invitation, answers, results, deletion."""

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import Channel
from bot.services import consultation_results as results
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import ConsultationResponse
from tests.consultations.helpers import invite, make_consultation, subscribers
from tests.transcript import Chat


@pytest.fixture
def database_engine(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("anonymous", [False, True])
def test_answer_count_and_delete_on_each_database(
    database_engine: DatabaseEngine, services: Services, anonymous: bool
) -> None:
    engine = Engine(database=database_engine, services=services, router=build_router())
    consultation = make_consultation(database_engine, anonymous=anonymous)
    subscribers(database_engine, "8101", channel=Channel.WHATSAPP)
    invite(database_engine, services, consultation, Channel.WHATSAPP)
    chat = Chat(engine, sender="8101", channel=Channel.WHATSAPP)
    for text in ["consultation", "oui", "en ligne", "1, 2", "7", "5", "Rien", "passer", "ok"]:
        chat.send(text)
    assert "Merci !" in chat.press("Envoyer")
    # A second start is refused: one answer set per person.
    assert "déjà répondu" in chat.send(payload=f"cons:{consultation.id}")
    summary = results.consultation_results(database_engine, consultation.id or 0)
    assert summary.detail.finished == 1
    assert [o.count for o in summary.questions[0].options] == [0, 0, 1]
    [whatsapp] = summary.by_channel
    assert (whatsapp.group, whatsapp.invited, whatsapp.finished) == ("whatsapp", 1, 1)
    chat.send("supprimer mes données")
    chat.send("oui")
    with new_session(database_engine) as session:
        left = session.exec(select(ConsultationResponse)).all()
    assert len(left) == (1 if anonymous else 0)
