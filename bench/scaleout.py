"""Measure scale-out: one and then two `relais serve` processes on one PostgreSQL database.

Many people each send one update to the Telegram webhook, spread over the processes, and one
in ten is posted again to another process (as Telegram does when a 200 comes late). The rate
is taken from the first post to the last reply reaching the fake Bot API; "handled twice"
counts the chats answered more than once and the updates claimed more than once.
"""

import asyncio
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col, select

from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import InboxItem
from tests.scaleout import cluster
from tests.telegram.fake_api import FakeBotApi
from tests.whatsapp.fake_twilio import FakeTwilio

PEOPLE = 300
FIRST_CHAT = 880_000_000
CONCURRENCY = 24
# A greeting gets this many Telegram messages (the welcome and the menu).
TEXT = "bonjour"


def run() -> list[str]:
    """Return one line per figure, or why there are none."""
    admin_url = os.environ.get(cluster.ADMIN_URL_VARIABLE)
    if not admin_url:
        return [f"scale-out: skipped, {cluster.ADMIN_URL_VARIABLE} names no PostgreSQL server"]
    one = asyncio.run(_measure(admin_url, 1))
    two = asyncio.run(_measure(admin_url, 2))
    return [
        f"Telegram webhook on PostgreSQL, 1 process: {one[0]:.0f} updates/s, "
        f"handled twice {one[1]}",
        f"Telegram webhook on PostgreSQL, 2 processes: {two[0]:.0f} updates/s, handled twice "
        f"{two[1]} (updates per process {two[2]})",
        f"2 processes against 1: {two[0] / one[0]:.2f} ({PEOPLE} updates, {PEOPLE // 10} of them "
        f"posted to two processes; webhook, inbox, engine, outbox, Bot API over HTTP)",
    ]


async def _measure(admin_url: str, processes: int) -> tuple[float, int, list[int]]:
    api, twilio = FakeBotApi(), FakeTwilio().start()
    api.start()
    try:
        with (
            cluster.own_database(admin_url, "relais_bench") as url,
            tempfile.TemporaryDirectory() as folder,
        ):
            names = [f"server{n}" for n in range(processes)]
            servers = [cluster.start(url, api, twilio, Path(folder), name) for name in names]
            try:
                await asyncio.to_thread(cluster.wait_up, servers)
                while len(api.calls("setWebhook")) < processes:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                per_update = await _one_greeting(servers[0].url, api)
                elapsed = await _post_all(servers, api, per_update)
            finally:
                cluster.stop(servers)
            return elapsed, *_handled_twice(url, api, per_update)
    finally:
        api.stop()
        twilio.stop()


async def _one_greeting(base: str, api: FakeBotApi) -> int:
    """Send one greeting first (it warms the process) and count the messages it gets."""
    async with httpx.AsyncClient(timeout=30) as client:
        await _post(client, base, cluster.greeting_update(FIRST_CHAT - 1, TEXT))
    deadline = time.monotonic() + 30
    while not api.sent(FIRST_CHAT - 1) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    return len(api.sent(FIRST_CHAT - 1))


async def _post_all(servers: list[cluster.Server], api: FakeBotApi, per_update: int) -> float:
    chats = [FIRST_CHAT + n for n in range(PEOPLE)]
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for index, chat in enumerate(chats):
        update = cluster.greeting_update(chat, TEXT)
        queue.put_nowait((servers[index % len(servers)].url, update))
        if index % 10 == 0:
            queue.put_nowait((servers[(index + 1) % len(servers)].url, update))
    limits = httpx.Limits(max_connections=CONCURRENCY)
    begin = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def poster() -> None:
            while not queue.empty():
                base, update = queue.get_nowait()
                await _post(client, base, update)

        await asyncio.gather(*(poster() for _ in range(CONCURRENCY)))
    wanted = set(chats)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        sent = sum(1 for call in api.sent() if call.chat_id in wanted)
        if sent >= per_update * PEOPLE:
            break
        await asyncio.sleep(0.02)
    return PEOPLE / (time.perf_counter() - begin)


async def _post(client: httpx.AsyncClient, base: str, update: dict[str, Any]) -> None:
    """Post until the webhook acknowledges (a 503 or a dropped connection: try again)."""
    headers = {SECRET_HEADER: cluster.SECRET}
    while True:
        try:
            response = await client.post(base + WEBHOOK_PATH, json=update, headers=headers)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            return
        await asyncio.sleep(0.1)


def _handled_twice(url: str, api: FakeBotApi, per_update: int) -> tuple[int, list[int]]:
    received = Counter(call.chat_id for call in api.sent() if call.chat_id >= FIRST_CHAT)
    twice = sum(1 for count in received.values() if count > per_update)
    database = create_db_engine(url)
    with new_session(database) as session:
        claims = session.execute(
            select(sa.func.count()).select_from(InboxItem).where(col(InboxItem.attempts) > 1)
        ).scalar_one()
        workers = Counter(
            (item.claimed_by or "").split("-")[-1] for item in session.exec(select(InboxItem))
        )
    database.dispose()
    return twice + int(claims), sorted(workers.values(), reverse=True)


if __name__ == "__main__":
    for line in run():
        print(line)
