"""The web chat at its edge: sessions the server issued, bounded bodies, clean text, headers."""

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from bot.app import Relais
from bot.core.engine import Engine
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Contact
from bot.web.server import create_web_app

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def client(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    relais = Relais(settings=settings, database=engine.database, engine=engine)
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        await client.get("/chat")
        yield client


async def test_a_cookie_the_server_did_not_issue_is_refused(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
    for forged in ["attacker-chosen", "a.b", "x" * 64, "." * 3, ""]:
        client.cookies.set("relais_chat", forged)
        response = await client.post("/chat/messages", json={"text": "bonjour"})
        assert response.status_code == 403, forged


async def test_a_page_reload_keeps_the_session(client: httpx.AsyncClient) -> None:
    cookie = client.cookies["relais_chat"]
    page = await client.get("/chat")
    assert "set-cookie" not in page.headers
    assert client.cookies["relais_chat"] == cookie


async def test_deep_json_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    body = b"[" * 5000 + b"]" * 5000
    response = await client.post("/chat/messages", content=body, headers=JSON)
    assert response.status_code == 400
    nested = b'{"text": ' + b'{"a": ' * 30 + b"1" + b"}" * 30 + b"}"
    assert (await client.post("/chat/messages", content=nested, headers=JSON)).status_code == 400


async def test_brackets_inside_strings_are_not_nesting(client: httpx.AsyncClient) -> None:
    text = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{{{{ \\" [['
    response = await client.post("/chat/messages", json={"text": text, "id": "b1"})
    assert response.status_code == 200


async def test_a_huge_body_is_refused_without_reading_it(client: httpx.AsyncClient) -> None:
    declared = await client.post(
        "/chat/messages",
        content=b"{}",
        headers={**JSON, "Content-Length": str(100 * 1024 * 1024)},
    )
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1000):
            yield b"x" * 1024

    streamed = await client.post("/chat/messages", content=chunks(), headers=JSON)
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    "text", ["\ud800", "Awa\u0000", "\udfff\ud800 bonjour", "😀" * 50, "\u202e\u200b", "\x1b[31m"]
)
async def test_unstorable_text_gets_an_answer(client: httpx.AsyncClient, text: str) -> None:
    # Escaped as \\uXXXX, the way a browser's JSON.stringify sends a lone surrogate.
    body = json.dumps({"text": text, "lang": "fr\u0000"})
    response = await client.post("/chat/messages", content=body, headers=JSON)
    assert response.status_code == 200
    assert response.json()["replies"]


async def test_nul_and_surrogates_never_reach_the_database(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    body = json.dumps({"text": "bonjour", "lang": "fr\u0000\ud800"})
    await client.post("/chat/messages", content=body, headers=JSON)
    with new_session(engine.database) as session:
        [contact] = session.exec(select(Contact)).all()
    assert contact.locale_hint == "fr"


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in [
        await client.get("/chat"),
        await client.get("/healthz"),
        await client.post("/chat/messages", json={"text": "salut"}),
        await client.get("/nowhere"),
    ]:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


async def test_the_page_runs_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    page = await client.get("/chat")
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    # Every script and style is a file of the app's own, none written inside the page.
    assert "<style" not in page.text
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all(' src="chat/assets/' in attributes for attributes in scripts)
    for path in re.findall(r'(?:src|href)="(chat/assets/[^"]+)"', page.text):
        asset = await client.get("/" + path)
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css"))
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/chat/assets/server.py")).status_code == 404


async def test_the_cookie_is_secure_behind_https(engine: Engine, settings: Settings) -> None:
    relais = Relais(
        settings=settings.model_copy(update={"public_url": "https://relais.example.org"}),
        database=engine.database,
        engine=engine,
    )
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        page = await client.get("/chat")
    cookie = page.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


async def test_a_resent_form_answer_is_applied_once(client: httpx.AsyncClient) -> None:
    async def say(text: str, message_id: str) -> str:
        response = await client.post("/chat/messages", json={"text": text, "id": message_id})
        return "\n".join(reply["text"] for reply in response.json()["replies"])

    await say("je veux pré-inscrire mon organisation", "f1")
    await say("oui", "f2")
    await say("association", "f3")
    first = await say("Les Amis de Lambaréné", "f4")
    again = await say("Les Amis de Lambaréné", "f4")
    assert again == first and "sigle" in first
    # The name was not taken as the acronym: the next answer is the acronym's.
    assert "secteur" in await say("ALA", "f5")


def test_digits_that_are_not_decimal_are_not_numbers() -> None:
    # "¹" and "²" are digits to str.isdigit() but int() refuses them: a Twilio form with
    # NumMedia=¹ once raised ValueError.
    from bot.channels.whatsapp.inbound import parse_inbound

    form = {
        "From": "whatsapp:+24177000000",
        "To": "whatsapp:+14155238886",
        "Body": "bonjour",
        "MessageSid": "SM" + "1" * 32,
        "NumMedia": "¹",
    }
    inbound = parse_inbound(form)
    assert inbound is not None
    assert inbound.incoming.text == "bonjour" and inbound.unreadable is None
