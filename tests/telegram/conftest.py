"""Fixtures of the Telegram tests: the fake Bot API, and Relais served in either mode."""

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.app import Relais
from bot.core.engine import Engine
from bot.settings import Settings
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.harness import Harness, serve

SECRET = "webhook-secret_0123456789"
PUBLIC_URL = "https://relais.example.org"
STAFF_ID = 4242


def telegram_settings(settings: Settings, api: FakeBotApi, *, webhook: bool) -> Settings:
    """The test settings with Telegram enabled, pointed at the fake Bot API."""
    return settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "telegram_api_url": api.base_url,
            "telegram_webhook_secret": SecretStr(SECRET) if webhook else None,
            "public_url": PUBLIC_URL,
            "staff_telegram_ids": [STAFF_ID],
            # Telegram's 30 messages/s would make the tests wait: the limiter is tested apart.
            "telegram_rate": 10_000.0,
        }
    )


def relais_for(engine: Engine, settings: Settings) -> Relais:
    """A Relais over the test engine with other settings."""
    return Relais(settings=settings, database=engine.database, engine=engine)


@pytest.fixture
def webhook(engine: Engine, settings: Settings, api: FakeBotApi) -> Iterator[Harness]:
    """Relais serving Telegram in webhook mode."""
    relais = relais_for(engine, telegram_settings(settings, api, webhook=True))
    with serve(relais, api) as harness:
        yield harness


@pytest.fixture(params=["webhook", "polling"])
def telegram(
    request: pytest.FixtureRequest, engine: Engine, settings: Settings, api: FakeBotApi
) -> Iterator[Harness]:
    """Relais serving Telegram, once in webhook mode and once by long polling."""
    relais = relais_for(
        engine, telegram_settings(settings, api, webhook=request.param == "webhook")
    )
    with serve(relais, api) as harness:
        yield harness
