"""Measure the WhatsApp channel: webhooks handled per second, POST-to-Twilio-call latency.

`relais serve` runs in its own process, as deployed, with Twilio's API replaced by the fake
server of the test suite (in this process, on loopback). Each simulated person writes, waits
for the reply to reach "Twilio", then writes again; many people write at once. The same
conversations through the engine alone (into the outbox, nothing sent) give the cost of the
whole path; a SIGKILL mid-load says what was lost or sent twice.
"""

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import free_port, ms, percentile
from bot.app import build_app
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.settings import Settings
from tests.whatsapp import crash
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import inbound_form, signature

PROJECT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://relais.example.org"
PEOPLE = 40
CONVERSATION = [
    "bonjour",
    "cmt créer 1 asso stp",
    "et les documents ?",
    "combien ça coûte ?",
    "où déposer le dossier",
    "menu",
    "2",
    "oui",
    "8",
    "c'est quoi l'ESS",
    "abonnez-moi",
    "merci",
]
REPLY_TIMEOUT = 10.0
# Twilio waits longer before retrying; this keeps the benchmark short.
BUSY_RETRY = 0.2
STEADY_RATE = 50
STEADY_PEOPLE = 100
STEADY_MESSAGES = 500


class _Arrivals:
    """When each recipient's messages reached the fake Twilio, for the waiting senders."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._times: dict[str, list[float]] = defaultdict(list)
        self._events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def record(self, to: str, at: float) -> None:
        """Note an arrival (called from the fake server's threads)."""
        with self._lock:
            self._times[to].append(at)
        self._loop.call_soon_threadsafe(self._events[to].set)

    async def first_after(self, to: str, started: float) -> float | None:
        """Wait for the first message to `to` that reached Twilio after `started`."""
        deadline = time.perf_counter() + REPLY_TIMEOUT
        while True:
            with self._lock:
                later = [at for at in self._times[to] if at >= started]
            if later:
                return min(later)
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            event = self._events[to]
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))


def _start_server(fake: FakeTwilio, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "RELAIS_PUBLIC_URL": PUBLIC_URL,
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "RELAIS_TWILIO_API_URL": fake.url,
        # Measure the server, not Twilio's default 80 messages/s per sender.
        "RELAIS_WHATSAPP_RATE": "100000",
        "RELAIS_CACHE_DIR": str(PROJECT / ".cache"),
    }
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _wait_until_up(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(600):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    msg = "relais serve did not start within 60 s"
    raise RuntimeError(msg)


class _Load:
    """Signed webhooks posted to the server, and when their replies reached Twilio."""

    def __init__(self, client: httpx.AsyncClient, arrivals: _Arrivals) -> None:
        self._client = client
        self._arrivals = arrivals
        self.answers: list[float] = []
        self.latencies: list[float] = []
        self.lost = 0
        self.busy = 0

    async def message(self, number: str, text: str) -> None:
        """Post one message and wait for its reply to reach Twilio."""
        form = inbound_form(number, text)
        headers = {"X-Twilio-Signature": signature(f"{PUBLIC_URL}/webhooks/whatsapp", form)}
        started = time.perf_counter()
        response = await self._client.post("/webhooks/whatsapp", data=form, headers=headers)
        while response.status_code == 503:  # Twilio comes back later
            self.busy += 1
            await asyncio.sleep(BUSY_RETRY)
            response = await self._client.post("/webhooks/whatsapp", data=form, headers=headers)
        self.answers.append(time.perf_counter() - started)
        response.raise_for_status()
        arrived = await self._arrivals.first_after(f"whatsapp:{number}", started)
        if arrived is None:
            self.lost += 1
        else:
            self.latencies.append(arrived - started)

    def figures(self) -> str:
        """Return the latencies as one line."""
        line = (
            f"answer (POST to 200) p50 {ms(statistics.median(self.answers))}, "
            f"p99 {ms(percentile(self.answers, 0.99))}; "
            f"POST to the reply's REST call at Twilio "
            f"p50 {ms(statistics.median(self.latencies))}, "
            f"p99 {ms(percentile(self.latencies, 0.99))}"
        )
        line += f" ({self.lost} replies missing)" if self.lost else ""
        return line + (f" ({self.busy} answered 503 and posted again)" if self.busy else "")


async def _saturate(client: httpx.AsyncClient, arrivals: _Arrivals) -> tuple[float, _Load]:
    """PEOPLE people write at once, each as soon as the previous reply arrived."""
    load = _Load(client, arrivals)

    async def person(number: str) -> None:
        for text in CONVERSATION:
            await load.message(number, text)

    begin = time.perf_counter()
    await asyncio.gather(*(person(f"+2416600{n:04d}") for n in range(PEOPLE)))
    return time.perf_counter() - begin, load


async def _steady(client: httpx.AsyncClient, arrivals: _Arrivals) -> _Load:
    """Messages arrive at STEADY_RATE per second, from people who each wait for their reply."""
    load = _Load(client, arrivals)
    people = [f"+2416601{n:04d}" for n in range(STEADY_PEOPLE)]
    begin = time.perf_counter()
    tasks = []
    for index in range(STEADY_MESSAGES):
        await asyncio.sleep(max(0.0, begin + index / STEADY_RATE - time.perf_counter()))
        number = people[index % len(people)]
        text = CONVERSATION[(index // len(people)) % len(CONVERSATION)]
        tasks.append(asyncio.create_task(load.message(number, text)))
    await asyncio.gather(*tasks)
    return load


def _engine_alone(folder: Path) -> float:
    """Return the messages/s of the engine alone on the same conversations, as many at once."""
    relais = build_app(Settings(database_url=f"sqlite:///{folder / 'engine.db'}"))

    def person(number: str) -> None:
        for turn, text in enumerate(CONVERSATION):
            incoming = Incoming(
                channel=Channel.WHATSAPP, sender=number, text=text, message_id=f"{number}-{turn}"
            )
            relais.engine.handle_into_outbox(incoming)

    begin = time.perf_counter()
    with ThreadPoolExecutor(PEOPLE) as pool:
        list(pool.map(person, [f"+2416600{n:04d}" for n in range(PEOPLE)]))
    elapsed = time.perf_counter() - begin
    relais.close()
    return PEOPLE * len(CONVERSATION) / elapsed


def run() -> list[str]:
    """Run the WhatsApp benchmark and return one line per figure."""
    return asyncio.run(_run())


async def _crash(folder: Path) -> crash.Crash:
    fake = FakeTwilio().start()
    try:
        return await crash.run(fake, folder, free_port())
    finally:
        fake.stop()


async def _run() -> list[str]:
    fake = FakeTwilio()
    arrivals = _Arrivals(asyncio.get_running_loop())
    fake.on_call = arrivals.record
    fake.start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=PEOPLE * 2, max_keepalive_connections=PEOPLE * 2)
    with tempfile.TemporaryDirectory() as folder:
        server = _start_server(fake, Path(folder), port)
        try:
            await _wait_until_up(base_url)
            async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
                elapsed, saturated = await _saturate(client, arrivals)
                steady = await _steady(client, arrivals)
        finally:
            server.terminate()
            server.wait(timeout=30)
            fake.stop()
        alone = await asyncio.to_thread(_engine_alone, Path(folder))
        killed = await _crash(Path(folder))
    handled = len(saturated.answers)
    rate = handled / elapsed
    return [
        f"WhatsApp: {handled / elapsed:.0f} inbound webhooks handled/s, replies sent included "
        f"({handled} messages, {PEOPLE} people writing at once; one `relais serve` process, "
        "SQLite file)",
        f"WhatsApp at that saturation: {saturated.figures()}",
        f"WhatsApp at a steady {STEADY_RATE} messages/s: {steady.figures()}",
        f"WhatsApp whole path (webhook, engine, outbox, Twilio over HTTP) {rate:.0f} messages/s "
        f"against the engine alone {alone:.0f} messages/s on the same conversations: "
        f"{rate / alone:.2f}",
        f"WhatsApp SIGKILL of relais serve with {killed.posted} messages from {crash.NUMBERS} "
        f"numbers in flight ({killed.acknowledged_before_kill} acknowledged, "
        f"{killed.sent_before_kill} answered before it; {killed.reposted} posted again by "
        f"Twilio): {killed.lost} acknowledged lost, {killed.twice} sent twice",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
