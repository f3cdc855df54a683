"""WhatsApp fixtures: a fake Twilio on loopback, the channel, and a client for its webhooks."""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import httpx
import pytest
from pydantic import SecretStr

from bot.app import Relais
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.core.engine import Engine
from bot.settings import Settings
from bot.storage.types import utcnow
from bot.web.server import create_web_app
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL, LoopThread, WhatsAppChat

FAST_RETRIES = (0.01, 0.02, 0.04)


class Clock:
    """The sender's clock: the real time, unless a test moves it."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or utcnow()


@pytest.fixture
def wa_settings(settings: Settings, twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": WHATSAPP_FROM,
            "twilio_api_url": twilio.url,
            "twilio_content_api_url": twilio.url,
            # Choices as numbered text, the way these transcripts read them; the tests of
            # buttons and lists (test_interactive.py) turn the Content API on.
            "whatsapp_interactive": False,
            "whatsapp_rate": 1000.0,
        }
    )


@pytest.fixture
def relais(engine: Engine, wa_settings: Settings) -> Relais:
    return Relais(settings=wa_settings, database=engine.database, engine=engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sender(relais: Relais, clock: Clock) -> AsyncIterator[WhatsAppSender]:
    """The sender, with the test's clock and short retry delays."""
    sender = WhatsAppSender.from_settings(
        relais.settings,
        relais.database,
        relais.engine.services.catalogues,
        clock=clock,
        retry_delays=FAST_RETRIES,
    )
    yield sender
    await sender.aclose()


@pytest.fixture
async def whatsapp(relais: Relais, sender: WhatsAppSender) -> AsyncIterator[WhatsAppChannel]:
    channel = WhatsAppChannel(relais, sender=sender)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
async def client(relais: Relais, whatsapp: WhatsAppChannel) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the ASGI app, reaching it under its public URL as Twilio does."""
    app = create_web_app(relais, channels=[whatsapp])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
    ) as client:
        yield client


@pytest.fixture
def whatsapp_chat(
    relais: Relais, sender: WhatsAppSender, twilio: FakeTwilio
) -> Iterator[WhatsAppChat]:
    """A synchronous WhatsApp chat, for the core's transcripts."""
    bridge = LoopThread()
    channel = WhatsAppChannel(relais, sender=sender)
    app = create_web_app(relais, channels=[channel])
    bridge.run(channel.start())

    async def open_client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)

    client = bridge.run(open_client())
    chat = WhatsAppChat(
        engine=relais.engine, bridge=bridge, client=client, whatsapp=channel, twilio=twilio
    )
    yield chat
    bridge.run(client.aclose())
    bridge.run(channel.stop())
    bridge.close()
