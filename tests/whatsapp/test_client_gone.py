"""A client that hangs up before its body is read gets nothing written and no traceback logged."""

import logging
from typing import Any

import httpx
import pytest

from bot.app import Relais
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.sender import STATUS_PATH
from bot.channels.whatsapp.webhook import INBOUND_PATH
from bot.web.server import create_web_app


async def _post_then_hang_up(
    app: Any, path: str, content_type: str, cookie: str
) -> list[dict[str, Any]]:
    """Call the app as uvicorn does when the client closes the socket mid-body."""
    received = [
        {"type": "http.request", "body": b"Body=bonj", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"relais.test"),
            (b"content-type", content_type.encode()),
            (b"content-length", b"100"),
            (b"x-twilio-signature", b"anything"),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("relais.test", 443),
    }
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (INBOUND_PATH, "application/x-www-form-urlencoded"),
        (STATUS_PATH, "application/x-www-form-urlencoded"),
        ("/chat/messages", "application/json"),
        ("/admin/login", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_client_that_hangs_up_mid_body_leaves_one_info_line(
    relais: Relais,
    whatsapp: WhatsAppChannel,
    caplog: pytest.LogCaptureFixture,
    path: str,
    content_type: str,
) -> None:
    app = create_web_app(relais, channels=[whatsapp])
    # The web chat reads a body only from a session it issued.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://relais.test"
    ) as client:
        page = await client.get("/chat")
    cookie = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    with caplog.at_level(logging.INFO):
        sent = await _post_then_hang_up(app, path, content_type, cookie)
    starts = [message for message in sent if message["type"] == "http.response.start"]
    assert [start["status"] for start in starts] == [400]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert not [record for record in caplog.records if record.exc_info]
    gone = [record for record in caplog.records if "hung up" in record.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO
