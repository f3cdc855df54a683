"""Several `relais serve` processes on one PostgreSQL database, with fake providers on loopback.

Each process serves Telegram in webhook mode and WhatsApp, and runs the campaign loop; they
share the inbox, the reply outbox and the campaign outbox through the database. Used by the
scale-out test and by `make bench`.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.common import free_port
from bot.storage.database import upgrade
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL

PROJECT = Path(__file__).resolve().parent.parent.parent
SECRET = "scale-out-secret"
ADMIN_URL_VARIABLE = "RELAIS_TEST_POSTGRES_URL"


@contextlib.contextmanager
def own_database(admin_url: str, prefix: str = "relais_scale") -> Iterator[str]:
    """Create a migrated database of its own on the server; drop it at the end."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Server:
    """One `relais serve` process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def alive(self) -> bool:
        """Tell whether the process still runs."""
        return self.process.poll() is None


def start(
    database_url: str, api: FakeBotApi, twilio: FakeTwilio, folder: Path, name: str
) -> Server:
    """Start one server process on the shared database."""
    port = free_port()
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": database_url,
        "RELAIS_CACHE_DIR": str(PROJECT / ".cache"),
        "RELAIS_PUBLIC_URL": PUBLIC_URL,
        "RELAIS_SECRET_KEY": "scale-out-key-shared-by-every-process",
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        "RELAIS_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "RELAIS_TELEGRAM_RATE": "100000",
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "RELAIS_TWILIO_API_URL": twilio.url,
        "RELAIS_WHATSAPP_RATE": "100000",
    }
    log = folder / f"{name}.log"
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


def wait_up(servers: list[Server], timeout: float = 90.0) -> None:
    """Wait until every server answers its health check."""
    deadline = time.monotonic() + timeout
    for server in servers:
        while True:
            if not server.alive():
                msg = f"{server.url} stopped:\n{server.log.read_text()[-3000:]}"
                raise RuntimeError(msg)
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                msg = f"{server.url} did not start"
                raise RuntimeError(msg)
            time.sleep(0.1)


def stop(servers: list[Server]) -> None:
    """Stop every server (SIGTERM: work under way finishes), then make sure they are gone."""
    for server in servers:
        if server.alive():
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def greeting_update(chat: int, text: str = "bonjour") -> dict[str, Any]:
    """Return a Telegram update: a person of that private chat writing text."""
    person = {"id": chat, "is_bot": False, "first_name": "Awa", "language_code": "fr"}
    return {
        "update_id": chat,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Awa"},
            "from": person,
            "text": text,
        },
    }
