"""A real `relais serve` in webhook mode killed with SIGKILL under load, then started again."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bench.common import free_port
from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.render import render
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.domain import Channel, InboxStatus, ReplyStatus
from bot.storage import inbox, replies
from bot.storage.database import create_db_engine, new_session, upgrade
from bot.storage.models import InboxItem, ReplyItem
from bot.storage.types import utcnow
from tests.telegram.fake_api import TOKEN, FakeBotApi

SECRET = "crash-test-secret"
FIRST_CHAT = 660_000_000
# Answered before the kill; then written while Telegram holds every send, killed part-way.
BEFORE = 30
DURING = 90
TEXT = "bonjour"


def test_sigkill_loses_no_acknowledged_update_and_answers_each_once(
    tmp_path: Path, api: FakeBotApi, engine: Engine
) -> None:
    expected = sum(
        len(render(reply))
        for reply in engine.handle(Incoming(channel=Channel.TELEGRAM, sender="1", text=TEXT))
    )
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade(url)
    database = create_db_engine(url)
    port = free_port()
    updates = [_update(FIRST_CHAT + n) for n in range(BEFORE + DURING)]
    acknowledged: set[int] = set()
    limits = httpx.Limits(max_connections=8)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, limits=limits) as client:

        def post(update: dict[str, Any]) -> None:
            try:
                response = client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
            except httpx.TransportError:
                return
            if response.status_code == 200:
                acknowledged.add(update["update_id"])

        first = _serve(api, url, port, tmp_path / "first.log")
        try:
            _wait(lambda: bool(api.calls("setWebhook")), first)
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(post, updates[:BEFORE]))
                _wait(lambda: _answered(api) >= BEFORE, first)
                # Every send in flight at the kill is held by the fake, none half-done: a
                # message Telegram took whose answer the bot never read would be sent again,
                # which no Bot API client can avoid.
                api.hold("sendMessage")
                posting = [pool.submit(post, update) for update in updates[BEFORE:]]
                _wait(lambda: len(acknowledged) >= 2 * BEFORE, first)
                _wait(lambda: 0 < _held_chats(api) == _sends_in_flight(database), first)
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
                _finish(posting)
        finally:
            first.kill()
        acknowledged_at_kill = set(acknowledged)
        answered_at_kill = _answered(api)
        assert answered_at_kill == BEFORE
        assert len(acknowledged_at_kill) >= 2 * BEFORE
        api.release()
        expire_leases(database)

        second = _serve(api, url, port, tmp_path / "second.log")
        try:
            _wait(lambda: len(api.calls("setWebhook")) >= 2, second)
            # Telegram sends again what did not get its 200.
            for update in updates:
                if update["update_id"] not in acknowledged:
                    post(update)
            assert len(acknowledged) == len(updates)
            _wait(lambda: idle(database), second)
        finally:
            second.terminate()
            second.wait(timeout=30)

    received = Counter(call.chat_id for call in api.sent())
    chats = {update["update_id"]: update["message"]["chat"]["id"] for update in updates}
    lost = [chats[update] for update in acknowledged_at_kill if not received[chats[update]]]
    twice = [chat for chat, count in received.items() if count > expected]
    assert lost == [], "every update acknowledged before the kill is answered"
    assert twice == [], "nobody is answered twice"
    assert set(received.values()) == {expected}
    assert set(received) == set(chats.values())
    with new_session(database) as session:
        assert {row.status for row in session.exec(select(InboxItem)).all()} == {InboxStatus.DONE}
        assert {row.status for row in session.exec(select(ReplyItem)).all()} == {ReplyStatus.SENT}
    print(
        f"{len(acknowledged_at_kill)} acknowledged before the kill, {answered_at_kill} answered; "
        f"none lost, none answered twice"
    )
    database.dispose()


def _update(chat_id: int) -> dict[str, Any]:
    person = {"id": chat_id, "is_bot": False, "first_name": "Awa", "language_code": "fr"}
    return {
        "update_id": chat_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Awa"},
            "from": person,
            "text": TEXT,
        },
    }


def _serve(api: FakeBotApi, url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": url,
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
        "RELAIS_PUBLIC_URL": "https://relais.example.org",
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        "RELAIS_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "RELAIS_TELEGRAM_RATE": "100000",
    }
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait(condition: Callable[[], bool], server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert server.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.01)


def _finish(posting: list[Future[None]]) -> None:
    for future in posting:
        future.result(timeout=30)


def _answered(api: FakeBotApi) -> int:
    return len({call.chat_id for call in api.sent()})


def _held_chats(api: FakeBotApi) -> int:
    return len({call.chat_id for call in api.held()})


def _sends_in_flight(database: DatabaseEngine) -> int:
    """Count the chats with replies claimed by a sender.

    One reply per chat is sent at a time, the next once the previous one is recorded; a
    turn's replies handed to the sender are all claimed while the first is being sent.
    """
    with new_session(database) as session:
        return int(
            session.execute(
                select(sa.func.count(sa.distinct(ReplyItem.address))).where(
                    col(ReplyItem.status) == ReplyStatus.CLAIMED
                )
            ).scalar_one()
        )


def expire_leases(database: DatabaseEngine) -> None:
    """Let the dead process's claims run out, as they would a minute later."""
    past = utcnow() - timedelta(seconds=1)
    with new_session(database) as session:
        session.execute(
            sa.update(InboxItem)
            .where(col(InboxItem.status) == InboxStatus.CLAIMED)
            .values(lease_until=past)
        )
        session.execute(
            sa.update(ReplyItem)
            .where(col(ReplyItem.status) == ReplyStatus.CLAIMED)
            .values(lease_until=past)
        )
        session.commit()


def idle(database: DatabaseEngine) -> bool:
    with new_session(database) as session:
        return (
            inbox.backlog(session, channel=Channel.TELEGRAM) == 0
            and replies.pending_count(session, channel=Channel.TELEGRAM) == 0
        )
