"""How many consultation answers per second the engine records.

{PEOPLE} people invited on Telegram (the invitation sent as a campaign through a recording
sender) each answer a six-question consultation in the chat, typing their answers (a choice,
a list of options, a number in words, a rating, a free text, two comments), then send them.
Each answer is one turn of the engine: read, checked, written to the database and answered
with the next question, in its own transaction, as in production. Counted: the answers
stored, over the time of the turns that carried them; and the storage alone (an answer
written and committed, without the conversation around it).
"""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from bench.common import percentile
from bot.app import build_app
from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import send_consultation
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.settings import Settings
from bot.storage import consultations as store
from bot.storage.database import new_session
from bot.storage.models import ConsultationAnswer
from tests.campaigns.test_dispatcher import FakeSender
from tests.consultations.helpers import TZ, make_consultation, subscribers

PEOPLE = 100
STORAGE_ANSWERS = 1000
OPENING = ["consultation", "oui"]
ANSWERS = [
    "par telephonne",
    "les statuts et la liste",
    "trois",
    "4",
    "Plus de guichets en province, et des horaires le samedi.",
    "D'accord, à condition d'avoir un numéro de suivi.",
    "passer",
]
CLOSING = ["envoyer"]


def run(folder: Path) -> Iterator[str]:
    """Answer the consultation as PEOPLE people; yield the lines to print."""
    settings = Settings(database_url=f"sqlite:///{folder / 'consultations.db'}")
    relais = build_app(settings)
    database = relais.database
    consultation = make_consultation(database)
    addresses = [str(90_000 + number) for number in range(PEOPLE)]
    subscribers(database, *addresses, channel=Channel.TELEGRAM)
    catalogues = relais.engine.services.catalogues
    send_consultation(database, consultation.id or 0, catalogues, TZ)
    loop = CampaignLoop(database, {Channel.TELEGRAM: FakeSender(Channel.TELEGRAM)}, TZ)
    asyncio.run(loop.run_due())

    answer_turns: list[float] = []
    for address in addresses:
        for text in OPENING:
            _turn(relais.engine, address, text)
        for text in ANSWERS:
            answer_turns.append(_turn(relais.engine, address, text))
        for text in CLOSING:
            _turn(relais.engine, address, text)
    with new_session(database) as session:
        stored = int(
            session.execute(sa.select(sa.func.count()).select_from(ConsultationAnswer)).scalar_one()
        )
    total = sum(answer_turns)
    p50, p95 = (percentile(answer_turns, share) * 1000 for share in (0.5, 0.95))
    yield (
        f"engine, SQLite: {stored} answers from {PEOPLE} people in {total:.2f} s of turns: "
        f"{stored / total:.0f} answers/s (one turn each: p50 {p50:.1f} ms, p95 {p95:.1f} ms)"
    )
    yield _storage_only(database, consultation.id or 0)


def _turn(engine: Engine, address: str, text: str) -> float:
    started = time.perf_counter()
    engine.handle(Incoming(channel=Channel.TELEGRAM, sender=address, text=text))
    return time.perf_counter() - started


def _storage_only(database: sa.Engine, consultation_id: int) -> str:
    with new_session(database) as session:
        question = store.questions_of(session, consultation_id)[-1]
        response_id = int(
            session.execute(sa.text("SELECT min(id) FROM consultationresponse")).scalar_one()
        )
    started = time.perf_counter()
    for number in range(STORAGE_ANSWERS):
        with new_session(database) as session:
            store.record_answer(
                session,
                response_id=response_id,
                question_id=question.id or 0,
                part=number,
                value=store.AnswerValue(text=f"commentaire {number}"),
            )
            session.commit()
    elapsed = time.perf_counter() - started
    return (
        f"storage alone, SQLite: {STORAGE_ANSWERS} answers each in its own transaction: "
        f"{STORAGE_ANSWERS / elapsed:.0f} answers/s"
    )
