"""A real browser against the real server: Debian's Chromium driven by Playwright.

A plain module that any test folder imports: `serve` runs an ASGI app with uvicorn on
127.0.0.1 in a thread of its own (a port the system chose), `FaultInjector` makes the server
fail a request on demand, and `launch_chromium` opens a headless Chromium with a fresh profile.
Chromium talks only to that loopback server: its background traffic is switched off.
"""

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, sync_playwright
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
# A cheap Android phone's screen, in CSS pixels.
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1366, "height": 768}
START_TIMEOUT = 10.0


@dataclass
class FaultInjector:
    """ASGI middleware: the next requests to a path are handled, then answered 503.

    That is the worst failure for a chat: the server did the work and the answer was lost, so
    the page must retry with the same message id and the server must not apply it twice.
    """

    app: ASGIApp
    _armed: dict[str, int] = field(default_factory=dict)
    _slow: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    failed: list[str] = field(default_factory=list)

    def fail_next(self, path: str, times: int = 1) -> None:
        """Lose the answer of the next `times` requests to `path`."""
        with self._lock:
            self._armed[path] = self._armed.get(path, 0) + times

    def slow_next(self, path: str, seconds: float) -> None:
        """Hold the next request to `path` for `seconds` before handling it."""
        with self._lock:
            self._slow[path] = seconds

    def reset(self) -> None:
        """Fail and slow down nothing more."""
        with self._lock:
            self._armed.clear()
            self._slow.clear()
            self.failed.clear()

    def _take(self, path: str) -> bool:
        with self._lock:
            left = self._armed.get(path, 0)
            if left:
                self._armed[path] = left - 1
                self.failed.append(path)
            return bool(left)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; an armed path gets 503 instead of its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            delay = self._slow.pop(scope["path"], 0.0)
        if delay:
            await asyncio.sleep(delay)
        if not self._take(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def swallow(message: Message) -> None:
            pass

        await self.app(scope, receive, swallow)
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": b"temporarily unavailable"})


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        msg = "the test server did not start"
        raise RuntimeError(msg)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()


@contextmanager
def launch_chromium(profile: Path, *, locale: str = "fr-FR") -> Iterator[BrowserContext]:
    """Open headless Chromium with a fresh profile; yield its browser context.

    Skips the tests when Chromium is missing (`.ci/run` installs it).
    """
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            locale=locale,
            viewport=PHONE,
        )
        try:
            yield context
        finally:
            context.close()
