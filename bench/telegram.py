"""Measure the Telegram channel: webhook updates handled per second, POST-to-sendMessage latency.

`relais serve` runs in its own process (one process, SQLite file), in webhook mode, with the Bot
API replaced by the fake server of the test suite (in this process, on loopback). Each simulated
person posts an update, waits until all its replies have reached the fake Bot API, then writes
again; many people write at once. Then updates arrive at a steady rate, to see the latency when
the server is not saturated.
"""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port, ms, percentile
from bot.app import build_app
from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.render import render
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.settings import Settings
from tests.telegram.fake_api import TOKEN, Call, FakeBotApi

PROJECT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://relais.example.org"
SECRET = "bench-secret"
PEOPLE = 40
CONVERSATION = [
    "/start",
    "cmt créer 1 asso stp",
    "et les documents ?",
    "combien ça coûte ?",
    "où déposer le dossier",
    "/menu",
    "association ou coopérative ?",
    "oui",
    "8",
    "c'est quoi l'ESS",
    "abonnez-moi",
    "merci",
]
STEADY_TEXT = "cmt créer 1 asso stp"
STEADY_RATE = 50
STEADY_UPDATES = 500
REPLY_TIMEOUT = 10.0
FIRST_USER_ID = 880_000_000
# Shared by both runs: the server handles an update id once.
_UPDATE_IDS = count(1)
_MESSAGE_IDS = count(1)


class _Arrivals:
    """When each chat's messages reached the fake Bot API, for the waiting senders."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._times: dict[int, list[float]] = defaultdict(list)
        self._events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    def record(self, call: Call) -> None:
        """Note a delivered message (called from the fake server's thread)."""
        if call.method != "sendMessage" or not call.ok:
            return
        chat_id = int(call.chat_id)
        with self._lock:
            self._times[chat_id].append(call.at)
        self._loop.call_soon_threadsafe(self._events[chat_id].set)

    async def wait(self, chat_id: int, total: int) -> list[float] | None:
        """Wait until `total` messages reached the chat; None after REPLY_TIMEOUT."""
        deadline = time.perf_counter() + REPLY_TIMEOUT
        while True:
            with self._lock:
                times = list(self._times[chat_id])
            if len(times) >= total:
                return times
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            event = self._events[chat_id]
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))
            except TimeoutError:
                continue


class _Load:
    """Updates posted to the webhook, and when their first reply reached the Bot API."""

    def __init__(self, client: httpx.AsyncClient, arrivals: _Arrivals) -> None:
        self._client = client
        self._arrivals = arrivals
        self.answers: list[float] = []
        self.latencies: list[float] = []
        self.lost = 0

    async def message(self, user_id: int, text: str, *, before: int, replies: int) -> None:
        """Post one update; wait for its `replies` messages (`before` came earlier)."""
        update = self._update(user_id, text)
        started = time.perf_counter()
        response = await self._client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
        )
        self.answers.append(time.perf_counter() - started)
        response.raise_for_status()
        times = await self._arrivals.wait(user_id, before + replies)
        if times is None:
            self.lost += 1
        else:
            self.latencies.append(times[before] - started)

    def _update(self, user_id: int, text: str) -> dict[str, Any]:
        person = {"id": user_id, "is_bot": False, "first_name": "Awa", "language_code": "fr"}
        message: dict[str, Any] = {
            "message_id": next(_MESSAGE_IDS),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Awa"},
            "from": person,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"update_id": next(_UPDATE_IDS), "message": message}

    def figures(self) -> str:
        """Return the latencies as one line."""
        line = (
            f"POST to the first sendMessage at the Bot API "
            f"p50 {ms(statistics.median(self.latencies))}, "
            f"p99 {ms(percentile(self.latencies, 0.99))}; "
            f"webhook answer (POST to 200) p50 {ms(statistics.median(self.answers))}"
        )
        return line + (f" ({self.lost} updates without their replies)" if self.lost else "")


def _messages_per_step(folder: Path) -> tuple[list[int], int]:
    """Count the Telegram messages each step of the conversation gets, by asking the engine.

    Also count those of the steady run's message, written by someone new.
    """
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{folder / 'counts.db'}",
        cache_dir=PROJECT / ".cache",
    )
    relais = build_app(settings)

    def messages(sender: str, text: str) -> int:
        # The channel turns the commands into these words.
        said = {"/start": "bonjour", "/menu": "menu"}.get(text, text)
        replies = relais.engine.handle(
            Incoming(channel=Channel.TELEGRAM, sender=sender, text=said, locale_hint="fr")
        )
        return sum(len(render(reply)) for reply in replies)

    counts = [messages("1", text) for text in CONVERSATION]
    first = messages("2", STEADY_TEXT)
    relais.close()
    return counts, first


def _start_server(api: FakeBotApi, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "RELAIS_PUBLIC_URL": PUBLIC_URL,
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        "RELAIS_TELEGRAM_WEBHOOK_SECRET": SECRET,
        # Measure the server, not Telegram's 30 messages/s.
        "RELAIS_TELEGRAM_RATE": "100000",
        "RELAIS_CACHE_DIR": str(PROJECT / ".cache"),
    }
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _wait_until_ready(api: FakeBotApi, server: subprocess.Popen[bytes]) -> None:
    # The channel registers its webhook once it takes updates.
    for _ in range(600):
        if api.calls("setWebhook"):
            return
        if server.poll() is not None:
            break
        await asyncio.sleep(0.1)
    msg = "relais serve did not start its Telegram channel within 60 s"
    raise RuntimeError(msg)


async def _saturate(load: _Load, steps: list[int]) -> tuple[float, int]:
    """PEOPLE people write at once, each as soon as the previous replies arrived."""

    async def person(user_id: int) -> None:
        before = 0
        for text, replies in zip(CONVERSATION, steps, strict=True):
            await load.message(user_id, text, before=before, replies=replies)
            before += replies

    begin = time.perf_counter()
    await asyncio.gather(*(person(FIRST_USER_ID + n) for n in range(PEOPLE)))
    return time.perf_counter() - begin, PEOPLE * len(CONVERSATION)


async def _steady(load: _Load, replies: int) -> None:
    """Updates arrive at STEADY_RATE per second, each from someone writing for the first time."""
    begin = time.perf_counter()
    tasks = []
    for index in range(STEADY_UPDATES):
        await asyncio.sleep(max(0.0, begin + index / STEADY_RATE - time.perf_counter()))
        user_id = FIRST_USER_ID + PEOPLE + index
        tasks.append(
            asyncio.create_task(load.message(user_id, STEADY_TEXT, before=0, replies=replies))
        )
    await asyncio.gather(*tasks)


def run() -> list[str]:
    """Run the Telegram benchmark and return one line per figure."""
    return asyncio.run(_run())


async def _run() -> list[str]:
    api = FakeBotApi()
    arrivals = _Arrivals(asyncio.get_running_loop())
    api.listen(arrivals.record)
    api.start()
    port = free_port()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        steps, first = await asyncio.to_thread(_messages_per_step, folder)
        server = _start_server(api, folder, port)
        try:
            await _wait_until_ready(api, server)
            limits = httpx.Limits(max_connections=PEOPLE + 10)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=REPLY_TIMEOUT
            ) as client:
                saturated = _Load(client, arrivals)
                elapsed, updates = await _saturate(saturated, steps)
                steady = _Load(client, arrivals)
                await _steady(steady, first)
        finally:
            server.terminate()
            server.wait(timeout=30)
            api.stop()
    return [
        f"Telegram webhook: {updates / elapsed:.0f} updates/s handled ({PEOPLE} people writing "
        f"at once, {updates} updates; one `relais serve` process, SQLite file)",
        f"Telegram webhook, {PEOPLE} people at once: {saturated.figures()}",
        f"Telegram webhook at a steady {STEADY_RATE} updates/s: {steady.figures()}",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
