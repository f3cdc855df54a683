"""HTTP/1.1 requests pipelined on one connection are all answered, in order."""

import socket

from bot.app import Relais
from bot.core.engine import Engine
from bot.settings import Settings
from bot.web.server import create_web_app
from tests.telegram.loopback import ServerThread


def test_pipelined_requests_are_all_answered(engine: Engine, settings: Settings) -> None:
    relais = Relais(settings=settings, database=engine.database, engine=engine)
    with (
        ServerThread(create_web_app(relais)).running() as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection,
    ):
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: relais.test\r\n\r\n" * 3)
        received = b""
        while received.count(b"HTTP/1.1 200") < 3:
            chunk = connection.recv(65536)
            assert chunk, f"connection closed after {received.count(b'HTTP/1.1 ')} answers"
            received += chunk
    assert received.count(b"HTTP/1.1 200") == 3
