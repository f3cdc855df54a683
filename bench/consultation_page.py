"""The staff console's results page of a consultation, for 1 000 then 10 000 respondents.

Each size: that many Telegram subscribers across the country's provinces, invited by the real
campaign dispatcher (a sender that only counts), then answers written as the chat writes them
(a choice, several choices, a number, a rating, a free text, a comment in two parts; one in
ten stopped half-way). Measured over HTTP, signed in as an admin: the results page, the live
figures it polls, and a search of the free texts, each for its time (median of a few) and
its peak of Python memory (tracemalloc). The page adds up in SQL and lists the texts a page
at a time, so its memory should not grow with the number of respondents. PostgreSQL runs on
a database of its own on the server of RELAIS_TEST_POSTGRES_URL when one answers.
"""

import asyncio
import os
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

import httpx
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlmodel import col, select

from bench.common import ms
from bot.app import Relais, build_app
from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import send_consultation
from bot.domain import Channel, ContactKind, StaffRole, Topic
from bot.services.consultations import create_consultation, parse_spec
from bot.services.staff import StaffService
from bot.settings import Settings
from bot.storage.consultations import questions_of
from bot.storage.database import new_session, upgrade
from bot.storage.models import (
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationResponse,
    Contact,
    Subscription,
)
from bot.storage.types import utcnow
from bot.web.server import create_web_app
from tests.admin.helpers import console_csrf, sign_in
from tests.campaigns.test_dispatcher import FakeSender
from tests.consultations.helpers import TZ, spec_data

SIZES = (1_000, 10_000)
ROUNDS = 5
ADMIN = "bench@dges.example"
PASSWORD = "correct horse battery"
WORDS = ("guichet", "samedi", "dossier", "Oyem", "délai", "accueil", "téléphone", "formulaire")
POSTGRES_DATABASE = "relais_bench_consultation_page"
# A fresh database for one size of consultation.
Databases = Callable[[int], AbstractContextManager[str]]


def run(folder: Path) -> Iterator[str]:
    """Fill, then measure the page, for each size and database; a few lines each."""
    for name, databases in (("SQLite", _sqlite(folder)), ("PostgreSQL", _postgres())):
        if databases is None:
            yield f"{name}: skipped (no server at RELAIS_TEST_POSTGRES_URL)"
            continue
        for size in SIZES:
            with databases(size) as url:
                yield from _measure(name, url, size)


def _measure(name: str, url: str, size: int) -> Iterator[str]:
    upgrade(url)
    relais = build_app(Settings(_env_file=None, database_url=url))
    try:
        started = time.perf_counter()
        consultation_id = _fill(relais, size)
        yield f"{name}, {size} respondents: filled in {time.perf_counter() - started:.1f} s"
        figures = asyncio.run(_pages(relais, consultation_id))
        figures["(every answer loaded)"] = _every_answer(relais, consultation_id)
        for label, (seconds, peak) in figures.items():
            yield f"  {label:<24} {ms(seconds):>10}  peak {peak / 1024 / 1024:6.2f} MiB"
    finally:
        relais.close()


def _fill(relais: Relais, size: int) -> int:
    """Invite `size` subscribers through the dispatcher and write their answers."""
    database = relais.database
    provinces = [region.name for region in relais.engine.services.pack.territory.regions]
    now = utcnow()
    with database.begin() as connection:
        connection.execute(
            sa.insert(Contact),
            [
                {
                    "channel": Channel.TELEGRAM,
                    "address": str(100_000 + number),
                    "kind": ContactKind.PERSON,
                    "province": provinces[number % len(provinces)],
                    "locale": "fr",
                    "created_at": now,
                }
                for number in range(size)
            ],
        )
        ids = [int(row[0] or 0) for row in connection.execute(sa.select(col(Contact.id))).all()]
        connection.execute(
            sa.insert(Subscription),
            [
                {"contact_id": contact_id, "topic": Topic.NEWS, "created_at": now}
                for contact_id in ids
            ],
        )
    consultation = create_consultation(database, parse_spec(spec_data(), TZ))
    consultation_id = consultation.id or 0
    catalogues = relais.engine.services.catalogues
    send_consultation(database, consultation_id, catalogues, TZ)
    sender = FakeSender(Channel.TELEGRAM)
    sender.rate = 1_000_000.0
    asyncio.run(CampaignLoop(database, {Channel.TELEGRAM: sender}, TZ).run_due())
    with new_session(database) as session:
        questions = questions_of(session, consultation_id)
    _answer(database, consultation_id, ids, questions, provinces)
    return consultation_id


def _answer(
    database: sa.Engine,
    consultation_id: int,
    contact_ids: list[int],
    questions: list[ConsultationQuestion],
    provinces: list[str],
) -> None:
    chance = random.Random(15)
    now = utcnow()
    with database.begin() as connection:
        connection.execute(
            sa.insert(ConsultationParticipant),
            [
                {
                    "consultation_id": consultation_id,
                    "contact_id": contact_id,
                    "started_at": now,
                    "finished_at": now if number % 10 != 9 else None,
                }
                for number, contact_id in enumerate(contact_ids)
            ],
        )
        rows = connection.execute(
            sa.insert(ConsultationResponse).returning(col(ConsultationResponse.id)),
            [
                {
                    "consultation_id": consultation_id,
                    "respondent_key": f"{contact_id:064d}",
                    "contact_id": contact_id,
                    "channel": Channel.TELEGRAM,
                    "province": provinces[number % len(provinces)],
                    "locale": "fr",
                    "started_at": now,
                    "finished_at": now if number % 10 != 9 else None,
                    "updated_at": now,
                }
                for number, contact_id in enumerate(contact_ids)
            ],
        ).all()
        answers = []
        for number, (response_id,) in enumerate(rows):
            asked = questions if number % 10 != 9 else questions[:3]
            for question in asked:
                answers.extend(_answers_to(question, int(response_id or 0), chance, now))
        for start in range(0, len(answers), 5000):
            connection.execute(sa.insert(ConsultationAnswer), answers[start : start + 5000])


def _answers_to(
    question: ConsultationQuestion, response_id: int, chance: random.Random, now: datetime
) -> list[dict[str, Any]]:
    base: dict[str, Any] = {
        "response_id": response_id,
        "question_id": question.id,
        "choices": [],
        "number": None,
        "text": None,
        "skipped": False,
        "created_at": now,
        "updated_at": now,
    }
    kind = question.kind.value
    keys = [option["key"] for option in question.options]
    if kind == "single_choice":
        return [{**base, "part": 0, "choices": [chance.choice(keys)]}]
    if kind == "multiple_choice":
        return [{**base, "part": 0, "choices": chance.sample(keys, chance.randint(1, len(keys)))}]
    if kind in ("number", "rating"):
        low, high = question.min_value or 0, question.max_value or 20
        return [{**base, "part": 0, "number": chance.randint(low, high)}]
    if kind == "free_text":
        return [{**base, "part": 0, "text": _sentence(chance)}]
    return [
        {**base, "part": part, "text": _sentence(chance), "skipped": False}
        if chance.random() < 0.6
        else {**base, "part": part, "skipped": True}
        for part in range(len(question.parts))
    ]


def _sentence(chance: random.Random) -> str:
    return " ".join(chance.choice(WORDS) for _word in range(chance.randint(6, 30))) + "."


async def _pages(relais: Relais, consultation_id: int) -> dict[str, tuple[float, int]]:
    StaffService(relais.database, hasher=PasswordHasher(time_cost=1, memory_cost=8192)).add_account(
        ADMIN, StaffRole.ADMIN, PASSWORD
    )
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        await sign_in(client, ADMIN, PASSWORD)
        await console_csrf(client)
        page = f"/admin/consultations/{consultation_id}"
        return {
            "results page": await _timed(client, page, "<svg"),
            "live figures (JSON)": await _timed(client, f"{page}/live", '"finished"'),
            "search of the texts": await _timed(client, f"{page}?q=oyem", "text-answers"),
            "texts, page 50": await _timed(client, f"{page}?page=50", "text-answers"),
        }


def _every_answer(relais: Relais, consultation_id: int) -> tuple[float, int]:
    """For comparison: what reading each answer into memory, as a page must not, would take."""

    def load() -> int:
        with new_session(relais.database) as session:
            return len(
                session.exec(
                    select(ConsultationAnswer)
                    .join(ConsultationResponse)
                    .where(ConsultationResponse.consultation_id == consultation_id)
                ).all()
            )

    started = time.perf_counter()
    load()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    load()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


async def _timed(client: httpx.AsyncClient, path: str, expected: str) -> tuple[float, int]:
    """Return the median time of a few requests, then the memory peak of one more.

    Tracing memory slows Python down several times: the times are taken without it.
    """
    times = []
    for _round in range(ROUNDS):
        started = time.perf_counter()
        response = await client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200 or expected not in response.text:
            msg = f"{path}: {response.status_code} {response.text[:300]}"
            raise RuntimeError(msg)
    tracemalloc.start()
    await client.get(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return median(times), peak


def _sqlite(folder: Path) -> Databases:
    @contextmanager
    def database(size: int) -> Iterator[str]:
        path = folder / f"consultation-page-{size}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)

    return database


def _postgres() -> Databases | None:
    admin_url = os.environ.get("RELAIS_TEST_POSTGRES_URL")
    if not admin_url:
        return None
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        return None

    @contextmanager
    def database(size: int) -> Iterator[str]:
        name = f"{POSTGRES_DATABASE}_{size}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return database
