"""Nothing lost: updates written down before the 200, replies sent from the outbox once."""

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.channels import queues
from bot.channels.telegram import outbox, sending
from bot.channels.telegram import webhook as webhook_module
from bot.channels.telegram.toolkit import Toolkit
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.domain import Channel, DeliveryStatus, InboxStatus, ReplyStatus
from bot.settings import Settings
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem, OutboundMessage, ReplyItem
from bot.storage.types import utcnow
from tests.telegram.conftest import relais_for, telegram_settings
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import Harness, serve


def rows(database: DatabaseEngine, table: type) -> list[Any]:
    with new_session(database) as session:
        return list(session.exec(select(table)).all())


def stop_worker(harness: Harness) -> None:
    harness.run(harness.channel._inbox.stop())


def start_worker(harness: Harness) -> None:
    harness.run(harness.channel._inbox.start())


def wake(harness: Harness, loop: queues.InboxWorker | queues.ReplySender) -> None:
    async def rouse() -> None:
        loop.wake()

    harness.run(rouse())


def test_an_update_is_in_the_database_before_the_200(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    stop_worker(webhook)
    update = marie.update(message=marie.message("bonjour"))
    assert webhook.post(json=update).status_code == 200
    [item] = rows(database, InboxItem)
    assert item.status is InboxStatus.PENDING
    assert item.message_id == str(update["update_id"])
    assert item.conversation == str(marie.chat_id)
    assert item.body == update
    assert webhook.api.sent() == []

    start_worker(webhook)
    webhook.drain()
    [reply] = webhook.api.sent(marie.chat_id)
    assert "Bonjour" in reply.params["text"]
    [item] = rows(database, InboxItem)
    assert item.status is InboxStatus.DONE


@pytest.mark.parametrize("left", ["pending", "claimed by a dead sender"])
def test_a_reply_committed_before_a_crash_is_sent_once_after_the_restart(
    left: str, engine: Engine, settings: Settings, api: FakeBotApi, database: DatabaseEngine
) -> None:
    chat_id, update_id = 7301, 901_000
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Awa"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Awa", "language_code": "fr"},
            "text": "bonjour",
        },
    }
    # What a process killed after the engine's commit leaves: the update claimed, its turn
    # and replies committed, nothing sent.
    past = utcnow() - timedelta(minutes=5)
    with new_session(database) as session:
        inbox.enqueue(
            session,
            channel=Channel.TELEGRAM,
            message_id=str(update_id),
            conversation=str(chat_id),
            body=update,
        )
        session.commit()
        assert inbox.claim_next(session, channel=Channel.TELEGRAM, worker="dead", now=past)
    written = engine.handle_into_outbox(
        Incoming(
            channel=Channel.TELEGRAM,
            sender=str(chat_id),
            text="bonjour",
            locale_hint="fr",
            message_id=str(update_id),
        )
    )
    assert written
    if left != "pending":
        with new_session(database) as session:
            assert replies.claim_next(session, channel=Channel.TELEGRAM, worker="dead", now=past)

    relais = relais_for(engine, telegram_settings(settings, api, webhook=True))
    with serve(relais, api) as harness:
        harness.drain()
        # Telegram sends the update again too (it never got its 200): nothing more is said.
        assert harness.post(json=update).status_code == 200
        harness.drain()
    sent = api.sent(chat_id)
    assert [call.params["text"] for call in sent] == [item.text for item in written]
    assert {item.status for item in rows(database, ReplyItem)} == {ReplyStatus.SENT}
    assert {item.status for item in rows(database, InboxItem)} == {InboxStatus.DONE}


def test_telegram_sending_an_update_again_gets_200_and_no_second_reply(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    stop_worker(webhook)
    update = marie.update(message=marie.message("bonjour"))
    # Sent again before it was even handled (the first 200 was lost on the way).
    assert webhook.post(json=update).status_code == 200
    assert webhook.post(json=update).status_code == 200
    assert len(rows(database, InboxItem)) == 1
    start_worker(webhook)
    webhook.drain()
    # And again once answered.
    assert webhook.post(json=update).status_code == 200
    webhook.drain()
    assert len(rows(database, InboxItem)) == 1
    [reply] = webhook.api.sent(marie.chat_id)
    assert "Bonjour" in reply.params["text"]


def test_a_full_inbox_answers_503_after_a_bounded_wait(
    webhook: Harness, database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_module, "MAX_BACKLOG", 2)
    monkeypatch.setattr(webhook_module, "BACKLOG_WAIT", 0.3)
    monkeypatch.setattr(webhook_module, "BACKLOG_STEP", 0.02)
    people = [webhook.user(7401 + n) for n in range(3)]
    updates = [person.update(message=person.message("bonjour")) for person in people]
    stop_worker(webhook)
    assert webhook.post(json=updates[0]).status_code == 200
    assert webhook.post(json=updates[1]).status_code == 200
    started = time.perf_counter()
    refused = webhook.post(json=updates[2])
    assert refused.status_code == 503
    assert time.perf_counter() - started >= 0.3
    assert len(rows(database, InboxItem)) == 2

    start_worker(webhook)
    # Telegram tries again later.
    assert webhook.post(json=updates[2]).status_code == 200
    webhook.drain()
    for person in people:
        assert len(webhook.api.sent(person.chat_id)) == 1


def test_a_full_inbox_slows_the_answer_down_until_there_is_room(
    webhook: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_module, "MAX_BACKLOG", 1)
    monkeypatch.setattr(webhook_module, "BACKLOG_STEP", 0.02)
    first, second = webhook.user(7501), webhook.user(7502)
    stop_worker(webhook)
    assert webhook.post(json=first.update(message=first.message("bonjour"))).status_code == 200
    answers: list[httpx.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            webhook.post(json=second.update(message=second.message("bonjour")))
        )
    )
    waiting.start()
    time.sleep(0.3)
    assert answers == [], "the answer waits while the inbox is full"
    start_worker(webhook)
    waiting.join(timeout=10)
    [answer] = answers
    assert answer.status_code == 200
    webhook.drain()
    assert len(webhook.api.sent(second.chat_id)) == 1


def test_an_update_that_cannot_be_read_is_dropped_once(
    webhook: Harness, database: DatabaseEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram.adapter")
    with new_session(database) as session:
        inbox.enqueue(
            session,
            channel=Channel.TELEGRAM,
            message_id="5",
            conversation="update:5",
            body={"update_id": 5, "message": {"text": "x"}},
        )
        session.commit()
    wake(webhook, webhook.channel._inbox)
    webhook.drain()
    [item] = rows(database, InboxItem)
    assert item.status is InboxStatus.DONE and item.attempts == 1
    dropped = [record for record in caplog.records if "cannot be read" in record.getMessage()]
    assert [record.levelno for record in dropped] == [logging.INFO]


def test_an_update_whose_handler_failed_is_handled_again(
    webhook: Harness, database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    once = Toolkit.once
    failures: list[int] = []

    async def flaky(self: Toolkit, update: Any, action: Any) -> Any:
        if not failures:
            failures.append(update.update_id)
            msg = "the database went away for a moment"
            raise ConnectionError(msg)
        return await once(self, update, action)

    monkeypatch.setattr(Toolkit, "once", flaky)
    marie = webhook.user()
    edited = marie.update(edited_message=marie.message("bonjour", edit_date=1))
    assert "modifié un message" in marie.exchange(edited)
    assert failures == [edited["update_id"]]
    [item] = rows(database, InboxItem)
    assert item.status is InboxStatus.DONE and item.attempts == 2
    assert len(webhook.api.sent(marie.chat_id)) == 1


def test_telegram_unreachable_puts_the_reply_back_for_later(
    webhook: Harness, database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "FIRST_BACKOFF", 0.01)
    monkeypatch.setattr(outbox, "FIRST_RETRY", 0.05)
    monkeypatch.setattr(queues, "POLL_SECONDS", 0.01)
    webhook.api.fail_next(
        "sendMessage", status=502, description="Bad Gateway", times=sending.SEND_ATTEMPTS
    )
    marie = webhook.user()
    assert "Bonjour" in marie.send("bonjour")
    statuses = [call.status for call in webhook.api.calls("sendMessage")]
    assert statuses == [502] * sending.SEND_ATTEMPTS + [200]
    [reply] = rows(database, ReplyItem)
    assert reply.status is ReplyStatus.SENT and reply.attempts == 2
    [outbound] = rows(database, OutboundMessage)
    assert outbound.status is DeliveryStatus.SENT


def test_a_long_reply_cut_short_sends_only_the_rest_again(
    webhook: Harness, database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "FIRST_BACKOFF", 0.01)
    monkeypatch.setattr(outbox, "FIRST_RETRY", 0.05)
    monkeypatch.setattr(queues, "POLL_SECONDS", 0.01)
    chat_id = 7601
    # Each emoji counts twice for Telegram: two messages.
    text = "😀" * 2500
    webhook.api.fail_next(
        "sendMessage",
        status=502,
        description="Bad Gateway",
        times=sending.SEND_ATTEMPTS,
        after=1,
    )
    with new_session(database) as session:
        replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address=str(chat_id),
            contact_id=None,
            message_id="long",
            replies=[(text, [])],
        )
        session.commit()
    wake(webhook, webhook.channel._replies)
    webhook.drain()
    delivered = webhook.api.sent(chat_id)
    assert len(delivered) == 2
    assert "".join(call.params["text"] for call in delivered) == text
