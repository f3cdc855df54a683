"""Measure the Telegram channel: webhook updates handled per second, POST-to-sendMessage latency.

`relais serve` runs in its own process (one process, SQLite file), in webhook mode, with the Bot
API replaced by the fake server of the test suite (in this process, on loopback). Each simulated
person posts an update, waits until all its replies have reached the fake Bot API, then writes
again; many people write at once. That rate (webhook, inbox, engine, outbox, Bot API over HTTP)
is set against the engine's alone on the same conversations, and so is the CPU time each update
costs the server's process (a ratio the machine's other load does not skew). Then updates arrive
steadily at half the saturated rate, to see the latency when the server is not saturated.
The same load also runs against `bench.bare_webhook`, the same web and Telegram libraries with
no database and no engine: the floor under any server built on them.
Last, the server is killed with SIGKILL while updates pour in, started again, and every update
acknowledged must be answered; then the same kill with the server on PostgreSQL (a database of
its own on the server of RELAIS_TEST_POSTGRES_URL, created and dropped here; skipped, and said
so, without one).
"""

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.common import free_port, ms, percentile
from bot.app import build_app
from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.outbox import outgoing
from bot.channels.telegram.render import render
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.settings import Settings
from bot.storage.database import create_db_engine
from tests.telegram import test_crash as crash
from tests.telegram.fake_api import TOKEN, Call, FakeBotApi

PROJECT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://relais.example.org"
SECRET = "bench-secret"
PEOPLE = 24
CONVERSATION = [
    "/start",
    "cmt créer 1 asso stp",
    "et les documents ?",
    "combien ça coûte ?",
    "où déposer le dossier",
    "/menu",
    "aidez-moi à choisir la forme",
    "oui",
    "8",
    "c'est quoi l'ESS",
    "abonnez-moi",
    "merci",
]
STEADY_TEXT = "cmt créer 1 asso stp"
# The steady run's rate, as a share of the saturated run's: the latency of a server not
# saturated, not of its queue.
STEADY_SHARE = 0.5
STEADY_UPDATES = 150
REPLY_TIMEOUT = 10.0
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "relais_bench_telegram"
FIRST_USER_ID = 880_000_000
# The SIGKILL: updates from as many new people, posted this many at once, the kill once
# KILL_AFTER of them got their 200.
CRASH_UPDATES = 120
CRASH_POSTERS = 16
KILL_AFTER = 60
# The bare webhook's people, after the crash runs' (bench.bare_webhook).
FLOOR_FIRST_USER_ID = FIRST_USER_ID + 10 * (PEOPLE + STEADY_UPDATES + CRASH_UPDATES)
# The server's own environment, bytecode written as an installed wheel has it.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
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
        update = self.update_of(user_id, text)
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

    @staticmethod
    def update_of(user_id: int, text: str) -> dict[str, Any]:
        """Return the update of a private message, with fresh ids."""
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


def _messages_per_step(folder: Path) -> tuple[list[int], int, float, float]:
    """Count the Telegram messages each step of the conversation gets, by asking the engine.

    Also count those of the steady run's message, written by someone new, and time the
    engine alone on the saturated run's conversations (people taking turns, one thread,
    replies committed to the outbox as the channel has them).
    """
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{folder / 'counts.db'}",
        cache_dir=PROJECT / ".cache",
    )
    relais = build_app(settings)
    message_ids = count(1)

    def messages(sender: str, text: str) -> int:
        # The channel turns the commands into these words.
        said = {"/start": "bonjour", "/menu": "menu"}.get(text, text)
        written = relais.engine.handle_into_outbox(
            Incoming(
                channel=Channel.TELEGRAM,
                sender=sender,
                text=said,
                locale_hint="fr",
                message_id=str(next(message_ids)),
            )
        )
        return sum(len(render(outgoing(item))) for item in written)

    counts = [messages("1", text) for text in CONVERSATION]
    first = messages("2", STEADY_TEXT)
    begin, cpu_begin = time.perf_counter(), time.thread_time()
    for text in CONVERSATION:
        for person in range(PEOPLE):
            messages(str(FIRST_USER_ID + person), text)
    updates = PEOPLE * len(CONVERSATION)
    engine_rate = updates / (time.perf_counter() - begin)
    engine_cpu = (time.thread_time() - cpu_begin) / updates
    relais.close()
    return counts, first, engine_rate, engine_cpu


def _cpu_seconds(pid: int) -> float:
    """Return the CPU time a process used so far, user and system (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def _start_server(
    api: FakeBotApi, folder: Path, port: int, database_url: str | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": database_url or _sqlite_url(folder),
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


async def _wait_until_ready(
    api: FakeBotApi, server: subprocess.Popen[bytes], *, starts: int = 1
) -> None:
    # The channel registers its webhook once it takes updates.
    for _ in range(600):
        if len(api.calls("setWebhook")) >= starts:
            return
        if server.poll() is not None:
            break
        await asyncio.sleep(0.1)
    msg = "relais serve did not start its Telegram channel within 60 s"
    raise RuntimeError(msg)


async def _saturate(
    load: _Load, steps: list[int], *, texts: list[str] = CONVERSATION, first: int = FIRST_USER_ID
) -> tuple[float, int]:
    """PEOPLE people write at once, each as soon as the previous replies arrived."""

    async def person(user_id: int) -> None:
        before = 0
        for text, replies in zip(texts, steps, strict=True):
            await load.message(user_id, text, before=before, replies=replies)
            before += replies

    begin = time.perf_counter()
    await asyncio.gather(*(person(first + n) for n in range(PEOPLE)))
    return time.perf_counter() - begin, PEOPLE * len(texts)


def _start_bare(api: FakeBotApi, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.bare_webhook", str(port), api.base_url, TOKEN]
    return subprocess.Popen(
        command, cwd=PROJECT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _floor(api: FakeBotApi, arrivals: _Arrivals, steps: list[int]) -> tuple[float, float]:
    """Run the saturated load against `bench.bare_webhook`; return its rate and CPU per update.

    Each update's text is the number of messages Relais sent for that step, so the bare
    server sends the same messages; its people are new ones, after every other run's.
    """
    port = free_port()
    server = _start_bare(api, port)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            limits=httpx.Limits(max_connections=PEOPLE + 10),
            timeout=REPLY_TIMEOUT,
        ) as client:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    await client.get("/")
                    break
                await asyncio.sleep(0.1)
            cpu_begin = _cpu_seconds(server.pid)
            elapsed, updates = await _saturate(
                _Load(client, arrivals),
                steps,
                texts=[str(replies) for replies in steps],
                first=FLOOR_FIRST_USER_ID,
            )
            return updates / elapsed, (_cpu_seconds(server.pid) - cpu_begin) / updates
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _steady(load: _Load, replies: int, rate: float) -> None:
    """Updates arrive at `rate` per second, each from someone writing for the first time."""
    begin = time.perf_counter()
    tasks = []
    for index in range(STEADY_UPDATES):
        await asyncio.sleep(max(0.0, begin + index / rate - time.perf_counter()))
        user_id = FIRST_USER_ID + PEOPLE + index
        tasks.append(
            asyncio.create_task(load.message(user_id, STEADY_TEXT, before=0, replies=replies))
        )
    await asyncio.gather(*tasks)


async def _crash(
    api: FakeBotApi,
    folder: Path,
    port: int,
    servers: list[subprocess.Popen[bytes]],
    expected: int,
    *,
    database_url: str | None = None,
    first_chat: int = FIRST_USER_ID + PEOPLE + STEADY_UPDATES,
) -> str:
    """Kill the server with SIGKILL while updates pour in, start it again, count the answers."""
    server = servers[-1]
    database_url = database_url or _sqlite_url(folder)
    updates = [_Load.update_of(first_chat + n, STEADY_TEXT) for n in range(CRASH_UPDATES)]
    acknowledged: set[int] = set()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)
    killed = asyncio.Event()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

        async def post(update: dict[str, Any]) -> None:
            try:
                response = await client.post(
                    WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
                )
            except httpx.TransportError:
                return
            if response.status_code == 200:
                acknowledged.add(update["update_id"])
                if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                    server.send_signal(signal.SIGKILL)
                    killed.set()

        async def poster() -> None:
            while not queue.empty() and not killed.is_set():
                await post(queue.get_nowait())

        await asyncio.gather(*(poster() for _ in range(CRASH_POSTERS)))
        server.wait(timeout=30)
        at_kill = set(acknowledged)
        database = create_db_engine(database_url)
        await asyncio.to_thread(crash.expire_leases, database)
        starts = len(api.calls("setWebhook")) + 1
        servers.append(_start_server(api, folder, port, database_url))
        await _wait_until_ready(api, servers[-1], starts=starts)
        # Telegram sends again what did not get its 200.
        for update in updates:
            if update["update_id"] not in acknowledged:
                await post(update)
        chats = {update["update_id"]: update["message"]["chat"]["id"] for update in updates}
        deadline = time.perf_counter() + 60
        # The work is the server's, in another process: look at its database.
        idle = False
        while not idle and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
            idle = await asyncio.to_thread(crash.idle, database)
        database.dispose()
    received = Counter(call.chat_id for call in api.sent() if call.chat_id in chats.values())
    lost = sum(1 for update in at_kill if not received[chats[update]])
    twice = sum(1 for chat in chats.values() if received[chat] > expected)
    where = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite file"
    line = (
        f"Telegram webhook on {where}, SIGKILL under load: {len(at_kill)} of {CRASH_UPDATES} "
        f"updates acknowledged before the kill, {lost} of them lost; {twice} people answered twice "
        f"(replies in flight at the kill); "
        f"{sum(1 for chat in chats.values() if received[chat])} of {CRASH_UPDATES} answered "
        f"after Telegram's retries"
    )
    return line


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
        steps, first, engine_rate, engine_cpu = await asyncio.to_thread(_messages_per_step, folder)
        servers = [_start_server(api, folder, port)]
        try:
            await _wait_until_ready(api, servers[0])
            limits = httpx.Limits(max_connections=PEOPLE + 10)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=REPLY_TIMEOUT
            ) as client:
                saturated = _Load(client, arrivals)
                cpu_begin = _cpu_seconds(servers[0].pid)
                elapsed, updates = await _saturate(saturated, steps)
                server_cpu = (_cpu_seconds(servers[0].pid) - cpu_begin) / updates
                steady = _Load(client, arrivals)
                steady_rate = max(1.0, STEADY_SHARE * updates / elapsed)
                await _steady(steady, first, steady_rate)
            floor_rate, floor_cpu = await _floor(api, arrivals, steps)
            crashed = [await _crash(api, folder, port, servers, first)]
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            crashed.append(await _crash_on_postgres(api, folder, port, servers, first))
        finally:
            for server in servers:
                if server.poll() is None:
                    server.terminate()
                    server.wait(timeout=30)
            api.stop()
    rate = updates / elapsed
    return [
        f"Telegram webhook: {rate:.0f} updates/s handled ({PEOPLE} people writing "
        f"at once, {updates} updates; one `relais serve` process, SQLite file)",
        f"Telegram webhook against the engine alone on the same conversations: {rate:.0f} / "
        f"{engine_rate:.0f} updates/s = {rate / engine_rate:.2f} (webhook, inbox, engine, "
        f"outbox, Bot API over HTTP; the engine in one thread, replies into the outbox)",
        f"Telegram webhook, CPU per update: the server process {ms(server_cpu)} against the "
        f"engine alone {ms(engine_cpu)} = {engine_cpu / server_cpu:.2f} (the rate ratio a core "
        f"of the server's own would give; the rates above share the machine with this load)",
        f"Telegram webhook floor (bench.bare_webhook: uvicorn, Starlette and "
        f"python-telegram-bot sending the same messages, no database, no engine): "
        f"{floor_rate:.0f} updates/s, CPU per update {ms(floor_cpu)}; the best ratio with an "
        f"inbox, outbox and state that cost nothing: {engine_cpu:.4f} / "
        f"({engine_cpu:.4f} + {floor_cpu:.4f}) = {engine_cpu / (engine_cpu + floor_cpu):.2f}; "
        f"Relais's server beyond the engine: {ms(server_cpu - engine_cpu)} per update, "
        f"{(server_cpu - engine_cpu) / floor_cpu:.1f} x the floor",
        f"Telegram webhook, {PEOPLE} people at once: {saturated.figures()}",
        f"Telegram webhook at a steady {steady_rate:.0f} updates/s (half the rate above): "
        f"{steady.figures()}",
        *crashed,
    ]


async def _crash_on_postgres(
    api: FakeBotApi, folder: Path, port: int, servers: list[subprocess.Popen[bytes]], expected: int
) -> str:
    """The same SIGKILL with the server on a PostgreSQL database of its own, if one answers."""
    admin_url = os.environ.get("RELAIS_TEST_POSTGRES_URL") or POSTGRES_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)')
            )
            connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_DATABASE}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        return "Telegram webhook on PostgreSQL, SIGKILL under load: skipped (no server)"
    url = sa.make_url(admin_url).set(database=POSTGRES_DATABASE).render_as_string(False)
    try:
        env = {**os.environ, "RELAIS_DATABASE_URL": url}
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=folder,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        starts = len(api.calls("setWebhook")) + 1
        servers.append(_start_server(api, folder, port, url))
        await _wait_until_ready(api, servers[-1], starts=starts)
        first_chat = FIRST_USER_ID + PEOPLE + STEADY_UPDATES + CRASH_UPDATES
        return await _crash(
            api, folder, port, servers, expected, database_url=url, first_chat=first_chat
        )
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)')
            )
        admin.dispose()


if __name__ == "__main__":
    for line in run():
        print(line)
