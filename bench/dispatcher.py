"""Dispatcher figures: rate achieved under a provider cap, uncapped rate, memory per audience."""

import asyncio
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns import service
from bot.campaigns.delivery import CampaignMessage, Delivery, Outcome, Recipient
from bot.campaigns.dispatcher import Dispatcher
from bot.domain import Channel, Topic
from bot.settings import Settings
from bot.storage.database import create_db_engine, new_session, upgrade
from bot.storage.models import Contact, Subscription
from bot.storage.types import utcnow


class CappedProvider:
    """A provider that accepts at most `cap` messages per second and answers 429 beyond."""

    channel = Channel.TELEGRAM

    def __init__(self, rate: float, cap: float | None) -> None:
        self.rate = rate
        self._cap = cap
        self._window_start = time.monotonic()
        self._in_window = 0
        self.accepted = 0
        self.refused = 0

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        if self._cap is not None:
            now = time.monotonic()
            if now - self._window_start >= 1.0:
                self._window_start, self._in_window = now, 0
            if self._in_window >= self._cap:
                self.refused += 1
                return Delivery(Outcome.RETRY, "429", retry_after=1.0)
            self._in_window += 1
        self.accepted += 1
        return Delivery(Outcome.SENT)

    async def aclose(self) -> None:
        """Nothing to release."""


def populate(database: DatabaseEngine, count: int) -> None:
    """Insert `count` subscribed Telegram contacts quickly."""
    now = utcnow()
    with new_session(database) as session:
        session.bulk_insert_mappings(  # type: ignore[attr-defined]
            Contact,
            [
                {
                    "channel": Channel.TELEGRAM,
                    "address": str(n),
                    "created_at": now,
                    "kind": "person",
                }
                for n in range(1, count + 1)
            ],
        )
        session.bulk_insert_mappings(  # type: ignore[attr-defined]
            Subscription,
            [
                {"contact_id": n, "topic": Topic.NEWS, "created_at": now}
                for n in range(1, count + 1)
            ],
        )
        session.commit()


def send_all(database: DatabaseEngine, provider: CappedProvider) -> tuple[float, Counter[str]]:
    """Create a campaign to everyone and send it; return the seconds spent sending."""
    settings = Settings()
    created, _ = service.create_campaign(
        database, name="bench", messages={"fr": "Bonjour"}, tz=settings.tz
    )
    run = service.start_run(database, created.id or 0, created.next_run_at or utcnow())
    dispatcher = Dispatcher(database, {Channel.TELEGRAM: provider})
    dispatcher.materialise(run.id or 0)
    started = time.perf_counter()
    counts = asyncio.run(
        dispatcher.drain(run.id or 0, lambda recipient: service.message_for(created, recipient))
    )
    return time.perf_counter() - started, Counter({k.value: v for k, v in counts.items()})


def fresh(folder: Path, name: str) -> DatabaseEngine:
    """Return an engine on a new migrated SQLite file."""
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    return create_db_engine(url)


def run(folder: Path) -> list[str]:
    """Run the dispatcher benchmarks and return the lines to print."""
    lines = []
    cap, recipients = 500.0, 20_000
    database = fresh(folder, "capped.db")
    populate(database, recipients)
    provider = CappedProvider(rate=cap, cap=cap)
    seconds, counts = send_all(database, provider)
    lines.append(
        f"dispatcher, provider capped at {cap:.0f}/s, {recipients} recipients: "
        f"{recipients / seconds:.0f} msg/s = {recipients / seconds / cap:.2f} of the cap "
        f"(target 0.95), {provider.refused} refused by the cap, {dict(counts)}"
    )
    database.dispose()

    database = fresh(folder, "uncapped.db")
    populate(database, recipients)
    seconds, counts = send_all(database, CappedProvider(rate=1_000_000, cap=None))
    lines.append(
        f"dispatcher uncapped: {recipients / seconds:.0f} msg/s per process "
        f"(target 1000+), {dict(counts)}"
    )
    database.dispose()

    big = 100_000
    database = fresh(folder, "memory.db")
    populate(database, big)
    tracemalloc.start()
    send_all(database, CappedProvider(rate=1_000_000, cap=None))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lines.append(
        f"dispatcher memory for {big} recipients: peak {peak / 2**20:.1f} MB of Python "
        f"allocations while sending (target under 50 MB above idle)"
    )
    database.dispose()
    return lines
