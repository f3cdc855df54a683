"""`RELAIS_COUNTRY=dz`: the web chat serves the Algerian assistant, in French and Arabic."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.app import Relais, build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.web.server import create_web_app


@pytest.fixture
async def client(
    database: DatabaseEngine, services_by_pack: Callable[[str], Services]
) -> AsyncIterator[httpx.AsyncClient]:
    services = services_by_pack("dz")
    engine = Engine(database=database, services=services, router=build_router())
    relais = Relais(settings=services.settings, database=database, engine=engine)
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        yield client


async def say(client: httpx.AsyncClient, text: str, number: int) -> dict[str, str]:
    response = await client.post("/chat/messages", json={"text": text, "id": str(number)})
    assert response.status_code == 200
    reply: dict[str, str] = response.json()["replies"][0]
    return reply


async def test_the_algerian_assistant_in_french_and_arabic(client: httpx.AsyncClient) -> None:
    await client.get("/chat")
    french = await say(client, "comment créer une association ?", 1)
    assert french["lang"] == "fr"
    assert "12-06" in french["text"] and "DGES" not in french["text"]
    arabic = await say(client, "كيف أنشئ جمعية؟", 2)
    assert arabic["lang"] == "ar"
    assert "12-06" in arabic["text"] and "جمعية" in arabic["text"]
    assert "Gabon" not in arabic["text"] and "الغابون" not in arabic["text"]
    consent = await say(client, "أريد التسجيل المسبق لجمعيتي", 3)
    assert "18-07" in consent["text"]
