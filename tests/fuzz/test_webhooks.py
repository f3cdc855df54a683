"""The HTTP doors fed hostile requests, on SQLite and PostgreSQL: a 2xx or a 4xx, never a 500.

Telegram's webhook gets updates of any shape (numbers for strings, missing parts, huge ids,
`my_chat_member` without members, entity offsets out of range, callback data as a number);
Twilio's gets forms of any content under a valid signature; `/chat/messages` gets JSON of any
shape. Nothing is logged at ERROR, and every update acknowledged is handled, not set aside.
"""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.app import Relais, build_router
from bot.channels.whatsapp import WhatsAppChannel
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import Channel, InboxStatus
from bot.settings import Settings
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import InboxItem
from bot.web.server import create_web_app
from tests.fuzz.logs import no_error_logged
from tests.fuzz.strategies import JSON, PAYLOAD, TEXT, TWILIO_CHANGES, UPDATE_PARTS, telegram_update
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.harness import Harness, serve
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import INBOUND_URL, PUBLIC_URL, inbound_form, message_sid, signature

JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def any_relais(database_url: str, services: Services, settings: Settings) -> Iterator[Relais]:
    database = create_db_engine(database_url)
    engine = Engine(database=database, services=services, router=build_router())
    yield Relais(settings=settings, database=database, engine=engine)
    database.dispose()


# The web chat


@pytest.fixture
async def web(any_relais: Relais) -> AsyncIterator[httpx.AsyncClient]:
    app = create_web_app(any_relais, channels=[])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        await client.get("/chat")
        yield client


CHAT_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "text": st.one_of(TEXT, JSON),
            "payload": st.one_of(PAYLOAD, JSON),
            "id": st.one_of(st.text(max_size=80), JSON),
            "lang": st.one_of(st.sampled_from(["fr", "en", "ar", "fr\x00", "x" * 90]), JSON),
        },
    ),
)


@given(body=CHAT_BODIES)
async def test_the_web_chat_answers_or_refuses_any_json(web: httpx.AsyncClient, body: Any) -> None:
    # Lone surrogates cannot be UTF-8: they reach the server as JSON escapes, as a browser sends.
    content = json.dumps(body).encode()
    with no_error_logged():
        response = await web.post("/chat/messages", content=content, headers=JSON_HEADERS)
    assert response.status_code in (200, 400, 413), response.text
    if response.status_code == 200:
        replies = response.json()["replies"]
        assert replies or (isinstance(body, dict) and body.get("id"))


# Telegram


@pytest.fixture(scope="module")
def fuzz_bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def telegram(any_relais: Relais, fuzz_bot_api: FakeBotApi) -> Iterator[Harness]:
    fuzz_bot_api.reset()
    settings = any_relais.settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "telegram_api_url": fuzz_bot_api.base_url,
            "telegram_webhook_secret": SecretStr("fuzz-secret"),
            "public_url": PUBLIC_URL,
            "telegram_rate": 10_000.0,
        }
    )
    relais = Relais(settings=settings, database=any_relais.database, engine=any_relais.engine)
    with serve(relais, fuzz_bot_api) as harness:
        yield harness


def _inbox_status(database: DatabaseEngine, update_id: int) -> InboxStatus | None:
    with new_session(database) as session:
        item = session.exec(
            select(InboxItem).where(
                col(InboxItem.channel) == Channel.TELEGRAM,
                col(InboxItem.message_id) == str(update_id),
            )
        ).first()
        return item.status if item else None


@given(parts=UPDATE_PARTS)
def test_telegram_updates_of_any_shape_are_handled_or_refused(
    telegram: Harness, parts: dict[str, Any]
) -> None:
    update = telegram_update(parts)
    with no_error_logged():
        response = telegram.post(json.dumps(update).encode())
        telegram.drain()
    # 413: huge texts in several fields make an update larger than Telegram's.
    assert response.status_code in (200, 400, 413), response.text
    status = _inbox_status(telegram.channel._relais.database, update["update_id"])
    if response.status_code == 200:
        assert status is InboxStatus.DONE
    else:
        assert status is None


# WhatsApp


@pytest.fixture(scope="module")
def fuzz_twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
async def whatsapp(
    any_relais: Relais, fuzz_twilio: FakeTwilio
) -> AsyncIterator[tuple[httpx.AsyncClient, WhatsAppChannel]]:
    fuzz_twilio.reset()
    settings = any_relais.settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": WHATSAPP_FROM,
            "twilio_api_url": fuzz_twilio.url,
            "twilio_content_api_url": fuzz_twilio.url,
            "whatsapp_rate": 1000.0,
        }
    )
    relais = Relais(settings=settings, database=any_relais.database, engine=any_relais.engine)
    channel = WhatsAppChannel(relais)
    await channel.start()
    app = create_web_app(relais, channels=[channel])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client, channel
    await channel.stop()


@given(changes=TWILIO_CHANGES, number=st.integers(24160000000, 24169999999))
async def test_twilio_forms_of_any_content_are_answered_or_refused(
    whatsapp: tuple[httpx.AsyncClient, WhatsAppChannel], changes: dict[str, str], number: int
) -> None:
    client, channel = whatsapp
    form = {**inbound_form(f"+{number}", "bonjour", MessageSid=message_sid()), **changes}
    # A lone surrogate goes out as the bytes a forger would send (no valid UTF-8); the
    # signature covers the form as any reader decodes it.
    body = urlencode({key: value.encode("utf-8", "surrogatepass") for key, value in form.items()})
    headers = {
        "X-Twilio-Signature": signature(INBOUND_URL, dict(parse_qsl(body, keep_blank_values=True))),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    with no_error_logged():
        response = await client.post(INBOUND_URL, content=body, headers=headers)
        await channel.drain()
    assert response.status_code in (200, 400), response.text
