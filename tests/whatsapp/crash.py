"""`relais serve` killed with SIGKILL while WhatsApp messages are in flight, then restarted.

"Twilio" posts every message, and posts again each one that did not get a 200 (as Twilio
retries), until all are acknowledged; what it was asked to deliver is counted per number.
Used by the test suite and by `make bench`.
"""

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.channels.whatsapp import outbox
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL, inbound_form, signature

PROJECT = Path(__file__).resolve().parent.parent.parent
NUMBERS = 20
PER_NUMBER = 5
# Replies claimed by the killed process are taken again after this lease (60 s in service);
# shorter than a send under this load, it would make replies go twice.
LEASE_SECONDS = 4.0
# Each of these gets exactly one WhatsApp message in answer.
TEXTS = ("menu", "")
_SERVE = (
    "import datetime, runpy, sys; import bot.channels.whatsapp.outbox as outbox; "
    "outbox.REPLY_LEASE = datetime.timedelta(seconds=float(sys.argv.pop(1))); "
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)"
)


@dataclass
class Crash:
    """What happened around the kill, and what each number was sent in the end."""

    posted: int
    acknowledged_before_kill: int
    sent_before_kill: int
    reposted: int
    received: Counter[str] = field(default_factory=Counter)

    @property
    def lost(self) -> int:
        """Return how many acknowledged messages got no answer."""
        return sum(max(0, PER_NUMBER - self.received[n]) for n in numbers())

    @property
    def twice(self) -> int:
        """Return how many answers were sent once too often."""
        return sum(max(0, self.received[n] - PER_NUMBER) for n in numbers())


def numbers() -> list[str]:
    """Return the numbers that write, in E.164."""
    return [f"+2416620{n:04d}" for n in range(NUMBERS)]


def start_server(fake: FakeTwilio, folder: Path, port: int) -> subprocess.Popen[bytes]:
    """Start `relais serve` with WhatsApp on a fake Twilio, the replies' lease shortened."""
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": f"sqlite:///{folder / 'crash.db'}",
        "RELAIS_PUBLIC_URL": PUBLIC_URL,
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "RELAIS_TWILIO_API_URL": fake.url,
        "RELAIS_TWILIO_CONTENT_API_URL": fake.url,
        "RELAIS_WHATSAPP_RATE": "50",
        "RELAIS_CACHE_DIR": str(PROJECT / ".cache"),
    }
    command = [sys.executable, "-c", _SERVE, str(LEASE_SECONDS), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait for the server's health check to answer."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(300):
            if server.poll() is not None:
                break
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    msg = "relais serve did not start"
    raise RuntimeError(msg)


async def _until(condition: Callable[[], bool], seconds: float) -> None:
    """Wait until a condition holds, for at most `seconds`."""
    ends = time.monotonic() + seconds
    for _ in itertools.count():
        if condition() or time.monotonic() >= ends:
            return
        await asyncio.sleep(0.005)


async def _post(client: httpx.AsyncClient, form: dict[str, str]) -> int:
    headers = {"X-Twilio-Signature": signature(f"{PUBLIC_URL}/webhooks/whatsapp", form)}
    try:
        response = await client.post("/webhooks/whatsapp", data=form, headers=headers)
    except httpx.TransportError:
        return 0
    return response.status_code


async def run(fake: FakeTwilio, folder: Path, port: int, deadline: float = 20.0) -> Crash:
    """Post the messages, kill the server part-way, restart it, retry until all are answered."""
    base_url = f"http://127.0.0.1:{port}"
    forms = [
        inbound_form(number, TEXTS[index % len(TEXTS)])
        for index in range(PER_NUMBER)
        for number in numbers()
    ]
    acknowledged: set[int] = set()
    limits = httpx.Limits(max_connections=len(forms), max_keepalive_connections=len(forms))
    server = start_server(fake, folder, port)
    try:
        await wait_until_up(base_url, server)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:

            async def post(index: int) -> None:
                if await _post(client, forms[index]) == 200:
                    acknowledged.add(index)

            tasks = [asyncio.create_task(post(index)) for index in range(len(forms))]
            await _until(
                lambda: (
                    len(fake.calls) >= len(forms) // 10 and len(acknowledged) >= len(forms) // 3
                ),
                deadline,
            )
            # Kill once every sending task waits on "Twilio", with nothing accepted unrecorded:
            # a send in flight at the kill is the one case where a reply may go twice.
            fake.hold()
            await _until(lambda: fake.held >= outbox.CONCURRENCY, 5.0)
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            crash = Crash(len(forms), len(acknowledged), len(fake.accepted()), 0)
            await asyncio.gather(*tasks)
        fake.release(drop=True)
        server = start_server(fake, folder, port)
        await wait_until_up(base_url, server)
        ends = time.monotonic() + deadline
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:
            while len(acknowledged) < len(forms) and time.monotonic() < ends:
                retry = [index for index in range(len(forms)) if index not in acknowledged]
                crash.reposted += len(retry)
                codes = await asyncio.gather(*(_post(client, forms[i]) for i in retry))
                acknowledged.update(i for i, code in zip(retry, codes, strict=True) if code == 200)
                if len(acknowledged) < len(forms):
                    await asyncio.sleep(0.2)
        await _until(lambda: len(fake.accepted()) >= len(forms), ends - time.monotonic())
        await asyncio.sleep(0.5)  # an answer sent twice would arrive by now
    finally:
        server.terminate()
        server.wait(timeout=30)
    crash.received = Counter(call.to.removeprefix("whatsapp:") for call in fake.accepted())
    return crash
