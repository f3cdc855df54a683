"""`relais campaign send ID --test ...`: through the reply outbox, delivered by the CLI itself."""

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.channels import direct
from bot.channels.queues import ReplySender, SendResult
from bot.domain import Channel, ReplyStatus
from bot.storage import contacts, replies
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import CampaignRun, ReplyItem
from bot.storage.types import utcnow
from tests.cli.conftest import Relais, cli_env, runner_for
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio


@pytest.fixture
def db(sqlite_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(sqlite_url)
    yield engine
    engine.dispose()


def telegram_cli(sqlite_url: str, api_url: str) -> Relais:
    return runner_for(
        {
            **cli_env(sqlite_url),
            "RELAIS_TELEGRAM_TOKEN": TOKEN,
            "RELAIS_TELEGRAM_API_URL": api_url,
            "RELAIS_TELEGRAM_RATE": "10000",
        }
    )


def create_campaign(relais: Relais) -> str:
    created = relais("campaign", "create", "--name", "Formation", "--message", "Formation le 3")
    assert created.exit_code == 0, created.stderr
    return created.stdout.splitlines()[0]


def outbox(db: DatabaseEngine) -> list[ReplyItem]:
    with new_session(db) as session:
        return list(session.exec(select(ReplyItem).order_by(ReplyItem.id)).all())  # type: ignore[arg-type]


def no_run(db: DatabaseEngine) -> bool:
    with new_session(db) as session:
        return session.exec(select(CampaignRun)).first() is None


def test_a_telegram_test_goes_through_the_outbox_with_its_retries(
    sqlite_url: str, db: DatabaseEngine, bot_api: FakeBotApi
) -> None:
    bot_api.reset()
    relais = telegram_cli(sqlite_url, bot_api.base_url)
    campaign_id = create_campaign(relais)
    # Telegram asks to slow down once: the channel's own limiter waits and sends it.
    bot_api.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=0
    )
    result = relais("campaign", "send", campaign_id, "--test", "telegram:4242")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "test to telegram:4242: sent"
    [sent] = bot_api.sent(4242)
    assert "Formation le 3" in sent.params["text"]
    [item] = outbox(db)
    assert (item.channel, item.address, item.status) == (Channel.TELEGRAM, "4242", "sent")
    assert item.context.get(replies.NOTICE) is True
    assert no_run(db)


def test_a_telegram_test_to_a_chat_that_blocked_the_bot_fails(
    sqlite_url: str, db: DatabaseEngine, bot_api: FakeBotApi
) -> None:
    bot_api.reset()
    bot_api.block(4343)
    relais = telegram_cli(sqlite_url, bot_api.base_url)
    campaign_id = create_campaign(relais)
    result = relais("campaign", "send", campaign_id, "--test", "telegram:4343")
    assert result.exit_code == 1
    assert "test to telegram:4343: failed (the chat is gone" in result.stdout
    [item] = outbox(db)
    assert item.status == ReplyStatus.FAILED


def test_nobody_delivered_it_is_said_and_the_reply_stays_queued(
    sqlite_url: str, db: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on: Telegram unreachable
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/bot"
    monkeypatch.setattr(direct, "WAIT_SECONDS", 0.5)
    relais = telegram_cli(sqlite_url, closed)
    campaign_id = create_campaign(relais)
    result = relais("campaign", "send", campaign_id, "--test", "telegram:4444")
    assert result.exit_code == 1
    assert result.stdout.startswith("test to telegram:4444: not sent yet (NetworkError")
    assert "stays in the outbox, a running `relais serve` sends it" in result.stdout
    [item] = outbox(db)
    assert item.status == ReplyStatus.PENDING and item.not_before is not None


def test_a_bad_test_address_is_refused_like_the_console_refuses_it(sqlite_url: str) -> None:
    relais = telegram_cli(sqlite_url, "http://127.0.0.1:9/bot")
    campaign_id = create_campaign(relais)
    result = relais("campaign", "send", campaign_id, "--test", "whatsapp:12")
    assert result.exit_code == 2
    assert 'whatsapp address "12" is not a valid phone number' in result.stderr


def test_a_whatsapp_test_goes_through_the_outbox(
    sqlite_url: str, db: DatabaseEngine, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.reset()
    relais = runner_for(
        {
            **cli_env(sqlite_url),
            "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "RELAIS_TWILIO_API_URL": fake_twilio.url,
            "RELAIS_TWILIO_CONTENT_API_URL": fake_twilio.url,
            "RELAIS_WHATSAPP_RATE": "1000",
            "RELAIS_PUBLIC_URL": "https://relais.example.org",
        }
    )
    campaign_id = create_campaign(relais)
    with new_session(db) as session:
        # The member wrote an hour ago: free text reaches them within WhatsApp's window.
        member = contacts.get_or_create_contact(
            session, channel=Channel.WHATSAPP, address="+24177001122"
        )
        member.last_inbound_at = utcnow() - timedelta(hours=1)
        session.add(member)
        session.commit()
    result = relais("campaign", "send", campaign_id, "--test", "whatsapp:077 00 11 22")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "test to whatsapp:+24177001122: sent"
    [sent] = fake_twilio.sent_to("whatsapp:+24177001122")
    assert "Formation le 3" in sent.body
    [item] = outbox(db)
    assert item.status == ReplyStatus.SENT and item.provider_id
    assert no_run(db)


async def test_a_reply_another_process_holds_is_waited_for(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        [item] = replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address="5",
            contact_id=None,
            message_id=None,
            replies=[("Bonjour", [])],
            context={replies.NOTICE: True},
        )
        session.commit()
        item_id = item.id or 0
    with new_session(db) as session:
        held = replies.claim_next(session, channel=Channel.TELEGRAM, worker="server")
        assert held is not None and held.id == item_id

    async def never(_item: ReplyItem) -> SendResult:
        msg = "sent twice"
        raise AssertionError(msg)

    sender = ReplySender(db, Channel.TELEGRAM, never, concurrency=1)
    waited = await direct.deliver(db, sender, item_id, wait=0.3)
    assert waited.fate is direct.Fate.QUEUED

    async def server_sends() -> None:
        await asyncio.sleep(0.2)
        with new_session(db) as session:
            replies.mark_failed(session, item_id=item_id, reason="Forbidden: blocked")
            session.commit()

    task = asyncio.create_task(server_sends())
    outcome = await direct.deliver(db, sender, item_id, wait=5)
    await task
    assert outcome == direct.Outcome(direct.Fate.FAILED, "Forbidden: blocked")
