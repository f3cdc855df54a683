"""Webhook security, retried updates, and what Telegram's errors do to contacts and deliveries."""

import logging
import time
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select
from telegram.ext import AIORateLimiter

from bot.app import Relais
from bot.channels.telegram import TelegramChannel
from bot.core.engine import Engine
from bot.core.messages import Outgoing
from bot.domain import DeliveryStatus
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Contact, InboxItem, OutboundMessage, ProcessedMessage
from bot.web.server import create_web_app
from tests.hostile.test_deletion import every_value
from tests.telegram.conftest import PUBLIC_URL, SECRET, STAFF_ID, relais_for, telegram_settings
from tests.telegram.fake_api import DEACTIVATED, FakeBotApi
from tests.telegram.harness import Harness, serve
from tests.telegram.loopback import ServerThread, wait_until
from tests.telegram.test_groups import membership


def rows(database: DatabaseEngine, table: type) -> list:
    with new_session(database) as session:
        return list(session.exec(select(table)).all())


def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    update = marie.update(message=marie.message("bonjour"))
    assert webhook.post(json=update, secret="not-the-secret").status_code == 403
    assert webhook.post(json=update, secret="").status_code == 403
    time.sleep(0.1)
    assert webhook.channel.updates_handled == 0
    assert rows(database, Contact) == [] and rows(database, ProcessedMessage) == []
    assert webhook.api.calls("sendMessage") == []


def test_bad_bodies_get_400(webhook: Harness) -> None:
    assert webhook.post(b"{not json").status_code == 400
    assert webhook.post(json=["update"]).status_code == 400
    assert webhook.post(json={"message": {}}).status_code == 400
    assert webhook.post(json={"update_id": 1, "message": {"text": "x"}}).status_code == 400
    assert webhook.post(b"x" * (2 * 1024 * 1024)).status_code == 413
    assert httpx.get(webhook.webhook_url).status_code == 405


def test_a_reply_chain_nested_hundreds_deep_gets_400(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    message: dict[str, object] = marie.message("bonjour")
    for _ in range(900):
        message = {**marie.message("et alors"), "reply_to_message": message}
    response = webhook.post(json=marie.update(message=message))
    assert response.status_code == 400
    with new_session(database) as session:
        assert session.exec(select(InboxItem)).all() == []


def test_a_retried_update_is_handled_once(webhook: Harness, database: DatabaseEngine) -> None:
    marie = webhook.user()
    text = marie.update(message=marie.message("cmt créer 1 asso"))
    assert "Créer une association" in marie.exchange(text)
    assert marie.exchange(text) == ""
    command = marie.update(message=marie.message("/menu"))
    assert "Que voulez-vous faire" in marie.exchange(command)
    assert marie.exchange(command) == ""
    press = marie.button_update("guides")
    assert "[Association]" in marie.exchange(press)
    assert marie.exchange(press) == ""
    assert len(rows(database, ProcessedMessage)) == 3


def test_button_presses_are_answered_and_shown(webhook: Harness) -> None:
    marie = webhook.user()
    marie.send("menu")
    [menu] = marie.last
    marie.press("Créer une organisation")
    [answer] = webhook.api.calls("answerCallbackQuery")
    assert answer.ok and answer.params["callback_query_id"]
    [edit] = webhook.api.calls("editMessageText")
    assert edit.params["message_id"] == menu.result["message_id"]
    assert edit.params["text"].endswith("✓ Créer une organisation")
    assert "reply_markup" not in edit.params


def test_sent_messages_are_recorded(webhook: Harness, database: DatabaseEngine) -> None:
    marie = webhook.user()
    marie.send("bonjour")
    [call] = marie.last
    [outbound] = rows(database, OutboundMessage)
    [contact] = rows(database, Contact)
    assert outbound.provider_id == f"{marie.user_id}:{call.result['message_id']}"
    assert outbound.status is DeliveryStatus.SENT
    assert outbound.contact_id == contact.id


def test_429_waits_retry_after_then_delivers(webhook: Harness, database: DatabaseEngine) -> None:
    marie = webhook.user()
    webhook.api.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    started = time.perf_counter()
    assert "Bonjour" in marie.send("bonjour")
    first, second = webhook.api.calls("sendMessage")
    assert first.status == 429 and second.ok
    assert second.at - first.at >= 1.0
    assert time.perf_counter() - started >= 1.0
    [outbound] = rows(database, OutboundMessage)
    assert outbound.status is DeliveryStatus.SENT


def test_network_errors_are_retried(webhook: Harness) -> None:
    marie = webhook.user()
    webhook.api.fail_next("sendMessage", status=502, description="Bad Gateway")
    assert "Bonjour" in marie.send("bonjour")
    assert [call.status for call in webhook.api.calls("sendMessage")] == [502, 200]


def test_a_blocked_bot_marks_the_contact_opted_out(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    marie.send("bonjour")
    webhook.api.block(marie.user_id)
    assert marie.send("abonnez-moi") == ""
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is not None
    failed = [row for row in rows(database, OutboundMessage) if row.status is DeliveryStatus.FAILED]
    [refused] = failed
    assert refused.error_code == "403" and "blocked" in (refused.error_reason or "")

    # She unblocks the bot and writes again: she can be reached again.
    webhook.api.reset()
    assert "déjà abonné" in marie.send("abonnez-moi")
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is None


def test_a_deactivated_account_is_opted_out_too(webhook: Harness, database: DatabaseEngine) -> None:
    marie = webhook.user()
    marie.send("bonjour")
    webhook.api.block(marie.user_id, DEACTIVATED)
    marie.send("menu")
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is not None


def test_blocking_in_a_private_chat_is_an_opt_out(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    marie.send("bonjour")
    private = {"id": marie.user_id, "type": "private", "first_name": "Marie"}
    marie.exchange(membership(marie, private, "member", "kicked"))
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is not None
    marie.exchange(membership(marie, private, "kicked", "member"))
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is None


def test_photos_stickers_voice_and_edits_get_a_short_answer(webhook: Harness) -> None:
    marie = webhook.user()
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 10, "height": 10}]
    sticker = {
        "file_id": "s",
        "file_unique_id": "u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    voice = {"file_id": "v", "file_unique_id": "u", "duration": 3}
    for content in ({"photo": photo}, {"sticker": sticker}, {"voice": voice}):
        update = marie.update(message=marie.message(**content))
        assert "Je ne lis que les messages écrits" in marie.exchange(update)
        assert marie.exchange(update) == ""
    captioned = marie.update(message=marie.message(photo=photo, caption="cmt créer 1 asso"))
    assert "Créer une association" in marie.exchange(captioned)
    edited = marie.update(edited_message=marie.message("bonjour", edit_date=1))
    assert "modifié un message" in marie.exchange(edited)


def test_an_engine_failure_gets_an_apology(
    webhook: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(incoming: object, **options: object) -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    monkeypatch.setattr(webhook.channel._relais.engine, "handle_into_outbox", broken)
    assert "problème technique" in webhook.user().send("bonjour")


def test_reminders_are_sent_recorded_and_stop_at_a_blocked_chat(
    webhook: Harness, database: DatabaseEngine
) -> None:
    marie = webhook.user()
    marie.send("abonnez-moi")
    webhook.run(webhook.channel.send(marie.user_id, [Outgoing("Formation le 14 mai")]))
    assert webhook.api.sent(marie.user_id)[-1].params["text"] == "Formation le 14 mai"
    webhook.api.block(marie.user_id)
    webhook.run(webhook.channel.send(marie.user_id, [Outgoing("Rappel")]))
    webhook.api.reset()
    webhook.run(webhook.channel.send(marie.user_id, [Outgoing("Encore")]))
    [contact] = rows(database, Contact)
    assert contact.opted_out_at is not None, "a reminder that got through is not a comeback"
    statuses = [row.status for row in rows(database, OutboundMessage)]
    assert statuses.count(DeliveryStatus.SENT) == 3
    assert statuses.count(DeliveryStatus.FAILED) == 1


def test_unknown_commands_are_read_as_words(webhook: Harness) -> None:
    marie = webhook.user()
    assert "Avant de commencer" in marie.send("/preinscription")


def test_typing_is_shown_while_a_slow_answer_is_prepared(
    engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    class SlowEngine:
        def __getattr__(self, name: str) -> object:
            return getattr(engine, name)

        def handle_into_outbox(self, incoming: object, **options: Any) -> object:
            time.sleep(0.3)
            return engine.handle_into_outbox(incoming, **options)  # type: ignore[arg-type]

    slow = Relais(
        settings=telegram_settings(settings, api, webhook=True),
        database=engine.database,
        engine=SlowEngine(),  # type: ignore[arg-type]
    )
    with serve(slow, api, typing_after=0.05) as harness:
        assert "Bonjour" in harness.user().send("bonjour")
    [typing] = api.calls("sendChatAction")
    assert typing.params["action"] == "typing"
    [message] = api.calls("sendMessage")
    assert typing.at < message.at


def test_webhook_mode_registers_the_webhook_and_the_commands(webhook: Harness) -> None:
    api = webhook.api
    api.wait_for(lambda: len(api.calls("setMyCommands")) == 4)
    [hook] = api.calls("setWebhook")
    assert hook.params["url"] == f"{PUBLIC_URL}/webhooks/telegram"
    assert hook.params["secret_token"] == SECRET
    assert set(hook.params["allowed_updates"]) >= {"message", "callback_query", "my_chat_member"}
    assert api.calls("getUpdates") == [] and api.calls("deleteWebhook") == []
    lists = {
        (call.params.get("language_code"), (call.params.get("scope") or {}).get("chat_id")): [
            command["command"] for command in call.params["commands"]
        ]
        for call in api.calls("setMyCommands")
    }
    french = ["start", "menu", "aide", "langue", "annuler", "stop"]
    assert lists[(None, None)] == french
    assert lists[("en", None)] == ["start", "menu", "help", "language", "cancel", "stop"]
    assert lists[("ar", None)] == french
    assert lists[(None, STAFF_ID)] == [
        *french,
        "stats",
        "inscriptions",
        "export",
        "diffusion",
        "campagnes",
        "evenements",
    ]
    assert isinstance(webhook.channel._application.bot.rate_limiter, AIORateLimiter)


def test_polling_mode_deletes_the_webhook_then_polls(
    engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    relais = relais_for(engine, telegram_settings(settings, api, webhook=False))
    with serve(relais, api) as harness:
        assert harness.channel.routes() == []
        api.wait_for(lambda: bool(api.calls("getUpdates")))
        assert "Bonjour" in harness.user().send("bonjour")
    methods = [call.method for call in api.calls()]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert "setWebhook" not in methods


def test_telegram_down_at_start_up_is_retried(
    engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    api.fail_next("getMe", status=502, description="Bad Gateway")
    relais = relais_for(engine, telegram_settings(settings, api, webhook=True))
    with serve(relais, api) as harness:
        assert "Bonjour" in harness.user().send("bonjour")
    assert [call.status for call in api.calls("getMe")] == [502, 200]


def test_a_wrong_token_keeps_the_server_up(
    engine: Engine, settings: Settings, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = telegram_settings(settings, api, webhook=True).model_copy(
        update={"telegram_token": SecretStr("1:wrong")}
    )
    relais = relais_for(engine, wrong)
    channel = TelegramChannel(relais)
    with ServerThread(
        create_web_app(relais, channels=[channel]), lifespan="on"
    ).running() as server:
        wait_until(lambda: bool(api.calls("getMe")))
        time.sleep(0.1)
        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
        response = httpx.post(
            server.url + "/webhooks/telegram",
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert response.status_code == 503
    assert not channel.ready
    messages = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("RELAIS_TELEGRAM_TOKEN" in message for message in messages)
    assert not any("1:wrong" in message for message in messages)


def test_a_secret_telegram_would_refuse_is_refused_at_start_up(
    engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    bad = telegram_settings(settings, api, webhook=True).model_copy(
        update={"telegram_webhook_secret": SecretStr("pas de secret avec des espaces")}
    )
    with pytest.raises(ValueError, match="RELAIS_TELEGRAM_WEBHOOK_SECRET"):
        TelegramChannel(relais_for(engine, bad))


def test_after_deletion_no_table_holds_the_chat_id(
    webhook: Harness, database: DatabaseEngine
) -> None:
    """Not even the record of the confirmation sent once the contact was gone."""
    marie = webhook.user(user_id=987654321)
    marie.send("bonjour")
    marie.send("abonnez-moi")
    marie.send("parler à une personne")
    assert any("987654321" in value for _table, value in every_value(database))
    asked = marie.send("supprimer mes données")
    assert "987654321" not in asked
    marie.press(marie.labels()[0])
    webhook.drain()
    time.sleep(0.2)
    left = [(table, value) for table, value in every_value(database) if "987654321" in value]
    assert left == []
