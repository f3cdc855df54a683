"""Forged consultation buttons: a closed or unknown consultation, a question not asked now,
an option that does not exist, a summary not shown. Nothing is stored, nothing breaks."""

import pytest
from sqlmodel import select

from bot.core.engine import Engine
from bot.domain import Channel
from bot.services.consultations import close_consultation
from bot.storage.database import new_session
from bot.storage.models import ConsultationAnswer, ConsultationResponse
from tests.consultations.helpers import invite, make_consultation, subscribers
from tests.transcript import Chat

SENDER = "66001"


def answers(engine: Engine) -> list[ConsultationAnswer]:
    with new_session(engine.database) as session:
        return list(session.exec(select(ConsultationAnswer)).all())


@pytest.fixture
def chat(engine: Engine) -> Chat:
    subscribers(engine.database, SENDER, channel=Channel.TELEGRAM)
    return Chat(engine, sender=SENDER, channel=Channel.TELEGRAM)


def test_buttons_of_a_closed_or_unknown_consultation(engine: Engine, chat: Chat) -> None:
    consultation = make_consultation(engine.database)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    close_consultation(engine.database, consultation.id or 0)
    assert "n'accepte plus de réponses" in chat.send(payload=f"cons:{consultation.id}")
    assert "n'accepte plus de réponses" in chat.send(payload="cons:999999")
    assert "n'accepte plus de réponses" in chat.send(payload="cons:2147483647")
    # Not a number, too large for the column, or of another shape: read as no button at all.
    for forged in ["cons:abc", "cons:99999999999", "cons:1:2", "cpick:1:office", "crev:ok"]:
        assert chat.send(payload=forged)
    with new_session(engine.database) as session:
        assert session.exec(select(ConsultationResponse)).all() == []


def test_answers_to_questions_not_asked_now(engine: Engine, chat: Chat) -> None:
    consultation = make_consultation(engine.database)
    other = make_consultation(engine.database)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    chat.send("consultation")
    assert "Question 1/6" in chat.press("Commencer")
    refused = "Ce bouton n'est plus valable."
    for forged in [
        "cpick:2:statutes",  # question 2 while 1 is asked
        "cpick:1:nowhere",  # no such option
        "cskip:3:0",  # skipping a question ahead
        f"cpick:{(other.id or 0) * 10 + 1}:office",  # another consultation's question
        "crev:ok",  # sending before the summary
        "cedit:1",  # editing before the summary
        "ctog:1:office",  # ticking on a single-choice question
        f"clater:{other.id}",
    ]:
        assert refused in chat.send(payload=forged), forged
        assert "Question 1/6" in chat.transcript()
    assert answers(engine) == []
    assert "Question 2/6" in chat.press("En ligne")
    assert [a.choices for a in answers(engine)] == [["online"]]
