"""The browser chat and the health check, through the ASGI app."""

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import Relais
from bot.core.engine import Engine
from bot.settings import Settings
from bot.web.server import create_web_app


@pytest.fixture
async def client(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    relais = Relais(settings=settings, database=engine.database, engine=engine)
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        yield client


async def test_the_root_opens_the_chat(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 307 and response.headers["location"] == "/chat"


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_chat_page_works_on_a_phone_and_in_arabic(client: httpx.AsyncClient) -> None:
    page = await client.get("/chat", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert 'name="viewport"' in page.text
    assert "Envoyer" in page.text
    assert "relais_chat" in page.headers["set-cookie"]
    arabic = await client.get("/chat", headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.text


async def test_a_conversation_with_buttons(client: httpx.AsyncClient) -> None:
    await client.get("/chat")
    menu = (await client.post("/chat/messages", json={"payload": "menu", "id": "1"})).json()
    [reply] = menu["replies"]
    labels = {choice["label"]: choice["payload"] for choice in reply["choices"]}
    assert "Créer une organisation" in labels
    guides = (
        await client.post(
            "/chat/messages", json={"payload": labels["Créer une organisation"], "id": "2"}
        )
    ).json()
    assert "Association" in [c["label"] for c in guides["replies"][0]["choices"]]
    typed = await client.post("/chat/messages", json={"text": "cmt creer une asso", "id": "3"})
    assert "35/62" in typed.json()["replies"][0]["text"]
    retry = await client.post("/chat/messages", json={"text": "cmt creer une asso", "id": "3"})
    # A retry after a lost answer gets the same answer, and is not applied twice.
    assert retry.json() == typed.json()


async def test_bad_requests_get_clear_errors(client: httpx.AsyncClient) -> None:
    assert (await client.post("/chat/messages", json={"text": "hi"})).status_code == 403
    await client.get("/chat")
    json_type = {"Content-Type": "application/json"}
    not_json = await client.post("/chat/messages", content=b"{not json", headers=json_type)
    assert not_json.status_code == 400
    assert (await client.post("/chat/messages", content=b'{"text": "hi"}')).status_code == 415
    assert (await client.post("/chat/messages", json={"text": 42})).status_code == 400
    assert (await client.post("/chat/messages", json=["text"])).status_code == 400
    assert (await client.post("/chat/messages", content=b"x" * 20_000)).status_code == 413


async def test_each_reply_says_the_language_it_is_written_in(client: httpx.AsyncClient) -> None:
    await client.get("/chat")
    french = (await client.post("/chat/messages", json={"text": "bonjour", "id": "1"})).json()
    assert {reply["lang"] for reply in french["replies"]} == {"fr"}
    english = await client.post(
        "/chat/messages", json={"text": "hello", "id": "2", "lang": "en-GB"}
    )
    assert {reply["lang"] for reply in english.json()["replies"]} == {"en"}
    offer = (await client.post("/chat/messages", json={"text": "langue", "id": "3"})).json()
    choices = [choice for reply in offer["replies"] for choice in reply["choices"]]
    arabic = next(c["payload"] for c in choices if c["label"] == "العربية")
    switched = (await client.post("/chat/messages", json={"payload": arabic, "id": "5"})).json()
    assert switched["replies"] and {r["lang"] for r in switched["replies"]} == {"ar"}
