"""`relais campaign send` killed with SIGKILL mid-send, run again, and who got the campaign.

The providers are the fakes of the test suite (Twilio, the Bot API) on loopback, in this
process; the send runs in a process of its own, as staff run it. The kill comes either at a
chosen point (the provider holds every request from some moment on; once all the sends the
dispatcher allows are waiting on it, the process is killed, and the provider then either
carries them out, as when only the answers were lost, or drops them) or at a random moment.
Used by the test suite and by `make bench`.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns import service
from bot.campaigns.dispatcher import Dispatcher
from bot.domain import Channel, ContactKind, OutboxStatus, Topic
from bot.storage.database import create_db_engine, new_session, upgrade
from bot.storage.models import Contact, Subscription
from bot.storage.types import utcnow
from tests.telegram.fake_api import TOKEN, Call, FakeBotApi
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL

PROJECT = Path(__file__).resolve().parent.parent.parent
# Taken over this soon after the kill: the second run does not wait the two minutes of service.
LEASE_SECONDS = 1.0
# A busy machine (other processes using both CPUs) makes a 2 000-recipient send slow.
TIMEOUT = 300.0
TZ = ZoneInfo("Africa/Libreville")


class Provider(Protocol):
    """A fake provider as the kill needs it."""

    channel: Channel

    def environment(self) -> dict[str, str]:
        """Return the settings that point Relais at this fake."""
        ...

    def received(self) -> Counter[str]:
        """Return how many messages each address was given."""
        ...

    def reached(self) -> int:
        """Return how many messages the provider took so far (cheap: polled often)."""
        ...

    def reset(self) -> None:
        """Forget every message, for the next kill."""
        ...

    def hold(self) -> None:
        """Keep every new request waiting, unanswered."""
        ...

    def held(self) -> int:
        """Return how many requests wait."""
        ...

    def release(self, *, carry_out: bool) -> None:
        """Let the waiting requests go: carried out, or dropped as never arrived."""
        ...


class TwilioProvider:
    """The fake Twilio: what it accepted is its message log, as Twilio's."""

    channel = Channel.WHATSAPP

    def __init__(self, fake: FakeTwilio, rate: float) -> None:
        self.fake = fake
        self.rate = rate
        self._taken = 0
        self._lock = threading.Lock()
        fake.on_call = self._took

    def _took(self, to: str, at: float) -> None:
        with self._lock:  # told from the fake's many threads
            self._taken += 1

    def reached(self) -> int:
        return self._taken

    def reset(self) -> None:
        """Forget every message, for the next kill."""
        self.fake.reset()
        self._taken = 0

    def environment(self) -> dict[str, str]:
        return {
            "RELAIS_PUBLIC_URL": PUBLIC_URL,
            "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "RELAIS_TWILIO_API_URL": self.fake.url,
            "RELAIS_WHATSAPP_RATE": str(self.rate),
        }

    def received(self) -> Counter[str]:
        return Counter(call.to.removeprefix("whatsapp:") for call in self.fake.accepted())

    def hold(self) -> None:
        self.fake.hold()

    def held(self) -> int:
        return self.fake.held

    def release(self, *, carry_out: bool) -> None:
        self.fake.release(drop=not carry_out)


class BotApiProvider:
    """The fake Bot API: no log to ask; a request whose client died is not carried out."""

    channel = Channel.TELEGRAM

    def __init__(self, api: FakeBotApi, rate: float) -> None:
        self.api = api
        self.rate = rate
        self._taken = 0
        api.listen(self._took)

    def _took(self, call: Call) -> None:
        if call.method == "sendMessage" and call.ok:
            self._taken += 1

    def reached(self) -> int:
        return self._taken

    def reset(self) -> None:
        """Forget every message, for the next kill."""
        self.api.reset()
        self._taken = 0

    def environment(self) -> dict[str, str]:
        return {
            "RELAIS_TELEGRAM_TOKEN": TOKEN,
            "RELAIS_TELEGRAM_API_URL": self.api.base_url,
            "RELAIS_TELEGRAM_RATE": str(self.rate),
        }

    def received(self) -> Counter[str]:
        return Counter(str(call.chat_id) for call in self.api.sent())

    def hold(self) -> None:
        self.api.hold("sendMessage")

    def held(self) -> int:
        return len(self.api.held())

    def release(self, *, carry_out: bool) -> None:
        self.api.release()  # the client went away: Telegram never carries it out


@dataclass
class Tally:
    """Who got the campaign how many times, against who should have."""

    missed: int
    twice: int

    @classmethod
    def of(cls, addresses: list[str], received: Counter[str]) -> "Tally":
        return cls(
            missed=sum(1 for address in addresses if received[address] == 0),
            twice=sum(1 for address in addresses if received[address] > 1),
        )


@dataclass
class KilledSend:
    """What one kill and the runs after it left."""

    channel: Channel
    recipients: int
    in_flight: int
    reached_at_kill: int
    held_at_kill: int
    unsure: int
    after_rerun: Tally
    after_resend: Tally | None
    statuses: Counter[OutboxStatus]
    stats_output: str


def addresses(channel: Channel, count: int) -> list[str]:
    """Return the recipients' addresses on a channel."""
    if channel is Channel.WHATSAPP:
        return [f"+2417750{n:04d}" for n in range(count)]
    return [str(710_000_000 + n) for n in range(count)]


def prepare(url: str, channel: Channel, count: int) -> tuple[DatabaseEngine, int]:
    """Migrate the database, add `count` subscribed contacts and a campaign; return its id."""
    upgrade(url)
    database = create_db_engine(url)
    now = utcnow()
    with new_session(database) as session:
        people = [
            Contact(
                channel=channel,
                address=address,
                kind=ContactKind.PERSON,
                # Inside WhatsApp's 24-hour window: free text may go.
                last_inbound_at=now,
                created_at=now,
            )
            for address in addresses(channel, count)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            Subscription(contact_id=person.id or 0, topic=Topic.NEWS, created_at=now)
            for person in people
        )
        session.commit()
    created, size = service.create_campaign(
        database, name="Coupure", messages={"fr": "Bonjour à tous"}, tz=TZ
    )
    assert size == count
    return database, created.id or 0


def _command(campaign_id: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bot", "campaign", *extra, str(campaign_id)]


def _environment(provider: Provider, url: str, in_flight: int) -> dict[str, str]:
    return {
        **os.environ,
        **provider.environment(),
        "RELAIS_DATABASE_URL": url,
        "RELAIS_CACHE_DIR": str(PROJECT / ".cache"),
        "RELAIS_CAMPAIGN_LEASE_SECONDS": str(LEASE_SECONDS),
        "RELAIS_CAMPAIGN_IN_FLIGHT": str(in_flight),
    }


def _wait(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], log: IO[bytes], what: str
) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if process.poll() is not None:
            log.seek(0)
            msg = f"the send ended before {what}: {log.read().decode()[-2000:]}"
            raise AssertionError(msg)
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise AssertionError(msg)
        time.sleep(0.01)


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def kill_and_rerun(
    provider: Provider,
    url: str,
    *,
    recipients: int,
    in_flight: int,
    kill_after: int | None = None,
    held_at_kill: int | None = None,
    carry_out: bool = True,
    resend_unsure: bool = True,
    show_stats: bool = False,
    seed: int | None = None,
) -> KilledSend:
    """Send, SIGKILL, send again (then with --resend-unsure); count who got it.

    With `kill_after`, the provider holds every request once that many messages reached it,
    and the kill comes when `held_at_kill` of them wait (the dispatcher's bound for the
    channel); without it, the kill comes once a random share (5 to 95 %) of the recipients
    were reached.
    """
    database, campaign_id = prepare(url, provider.channel, recipients)
    people = addresses(provider.channel, recipients)
    env = _environment(provider, url, in_flight)
    threshold = kill_after or int(recipients * random.Random(seed).uniform(0.05, 0.95))
    # Its log goes to a file: a pipe nobody reads while it runs would fill up and block it.
    with tempfile.TemporaryFile() as log:
        first = subprocess.Popen(
            _command(campaign_id, "send"), env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            _wait(lambda: provider.reached() >= threshold, first, log, f"{threshold} reached")
            held = 0
            if kill_after is not None:
                provider.hold()
                waiting = held_at_kill or in_flight
                _wait(lambda: provider.held() >= waiting, first, log, f"{waiting} held")
                held = provider.held()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
    reached_at_kill = provider.reached()
    if kill_after is not None:
        provider.release(carry_out=carry_out)
    time.sleep(LEASE_SECONDS)  # the lease of the dead process runs out
    _run(_command(campaign_id, "send"), env)
    after_rerun = Tally.of(people, provider.received())
    stats = service.campaign_stats(database, campaign_id)
    unsure = stats.unsure
    stats_output = _run(_command(campaign_id, "stats"), env) if show_stats else None
    after_resend = None
    if resend_unsure and unsure:
        _run(_command(campaign_id, "send", "--resend-unsure"), env)
        after_resend = Tally.of(people, provider.received())
    run = service.latest_run(database, campaign_id)
    statuses = Dispatcher(database, {}).counts(run.id or 0) if run else Counter()
    database.dispose()
    return KilledSend(
        channel=provider.channel,
        recipients=recipients,
        in_flight=in_flight,
        reached_at_kill=reached_at_kill,
        held_at_kill=held,
        unsure=unsure,
        after_rerun=after_rerun,
        after_resend=after_resend,
        statuses=statuses,
        stats_output=stats_output.stdout + stats_output.stderr if stats_output else "",
    )
