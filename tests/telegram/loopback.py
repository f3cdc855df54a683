"""Serving an ASGI app on loopback in a thread, and waiting for what it does."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout} s waiting for {condition}"
            raise AssertionError(msg)
        time.sleep(0.002)


class ServerThread:
    """An ASGI app served by uvicorn in a background thread, on a free loopback port."""

    def __init__(self, app: Any, *, lifespan: str = "off") -> None:
        # IPPROTO_TCP, not 0: asyncio only turns Nagle off on sockets that say they are TCP,
        # and with Nagle on every keep-alive response waits 40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_config=None, log_level="warning", access_log=False, lifespan=lifespan
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        """Return the base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving; return once the server accepts connections."""
        self._thread.start()
        wait_until(lambda: self._server.started or not self._thread.is_alive(), timeout=10)
        if not self._server.started:
            msg = "the server did not start"
            raise RuntimeError(msg)

    def stop(self) -> None:
        """Stop serving (the app's shutdown runs first) and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()

    @contextmanager
    def running(self) -> Iterator["ServerThread"]:
        """Serve for the duration of a with-block."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
