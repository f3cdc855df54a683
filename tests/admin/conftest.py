"""Console fixtures: the web app over a fresh database, accounts, and a real headless browser."""

import os
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher

from bot.app import Relais
from bot.core.engine import Engine
from bot.domain import StaffRole
from bot.services.staff import StaffService
from bot.settings import Settings
from bot.web.admin import auth
from bot.web.server import create_web_app
from tests.admin.helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ADMIN = "admin@dges.example"
AGENT = "agent@dges.example"
# The README's screenshots are refreshed with RELAIS_SCREENSHOTS=docs/screenshots; a plain
# test run writes them to a scratch folder and leaves the checkout as it was.
SCREENSHOTS = Path(
    os.environ.get("RELAIS_SCREENSHOTS") or Path(tempfile.gettempdir()) / "relais-screenshots"
).resolve()
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def no_slowdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the failed sign-in slowdown out of the tests' time (its size is tested apart)."""
    monkeypatch.setattr(auth, "SLOWDOWN", 0.0)


@pytest.fixture
def relais(engine: Engine, settings: Settings) -> Relais:
    """The application around the test's engine and database."""
    return Relais(settings=settings, database=engine.database, engine=engine)


@pytest.fixture
def staff(relais: Relais) -> StaffService:
    """The staff service, hashing with cheap argon2 parameters, with an admin and an agent."""
    service = StaffService(relais.database, hasher=PasswordHasher(time_cost=1, memory_cost=8192))
    service.add_account(ADMIN, StaffRole.ADMIN, PASSWORD)
    service.add_account(AGENT, StaffRole.AGENT, PASSWORD)
    return service


@pytest.fixture
async def client(relais: Relais, staff: StaffService) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the whole web app, keeping cookies like a browser."""
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(relais: Relais, staff: StaffService) -> Iterator[str]:
    """The web app served by uvicorn on a loopback port; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_web_app(relais), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-downloads"))
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
            viewport={"width": 1100, "height": 800},
            locale="fr-FR",
        )
        try:
            yield context
        finally:
            context.close()
