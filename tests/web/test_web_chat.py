"""The browser chat and the health check, through the ASGI app."""

import pytest
from starlette.testclient import TestClient

from bot.app import Relais
from bot.core.engine import Engine
from bot.settings import Settings
from bot.web.server import create_web_app


@pytest.fixture
def client(engine: Engine, settings: Settings) -> TestClient:
    relais = Relais(settings=settings, database=engine.database, engine=engine)
    return TestClient(create_web_app(relais))


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_chat_page_works_on_a_phone_and_in_arabic(client: TestClient) -> None:
    page = client.get("/chat", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert 'name="viewport"' in page.text
    assert "Envoyer" in page.text
    assert "relais_chat" in page.headers["set-cookie"]
    arabic = client.get("/chat", headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.text


def test_a_conversation_with_buttons(client: TestClient) -> None:
    client.get("/chat")
    menu = client.post("/chat/messages", json={"payload": "menu", "id": "1"}).json()
    [reply] = menu["replies"]
    labels = {choice["label"]: choice["payload"] for choice in reply["choices"]}
    assert "Créer une organisation" in labels
    guides = client.post(
        "/chat/messages", json={"payload": labels["Créer une organisation"], "id": "2"}
    ).json()
    assert "Association" in [c["label"] for c in guides["replies"][0]["choices"]]
    typed = client.post("/chat/messages", json={"text": "cmt creer une asso", "id": "3"}).json()
    assert "35/62" in typed["replies"][0]["text"]
    retry = client.post("/chat/messages", json={"text": "cmt creer une asso", "id": "3"}).json()
    assert retry == {"replies": []}


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    assert client.post("/chat/messages", json={"text": "hi"}).status_code == 403
    client.get("/chat")
    assert client.post("/chat/messages", content=b"{not json").status_code == 400
    assert client.post("/chat/messages", json={"text": 42}).status_code == 400
    assert client.post("/chat/messages", json=["text"]).status_code == 400
    assert client.post("/chat/messages", content=b"x" * 20_000).status_code == 413
