"""The Rasa HTTP parser against a fake Rasa server on loopback, and its fallback."""

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from nlu import ParseResult, load_parser
from nlu.embedded import EmbeddedParser
from nlu.rasa_http import RasaHttpParser, RasaUnavailableError


@dataclass
class FakeRasa:
    """What the fake server answers, and what it received."""

    url: str = ""
    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)


def rasa_answer(text: str) -> dict[str, Any]:
    """Return what a Rasa server would answer for text."""
    return {
        "text": text,
        "intent": {"name": "greet", "confidence": 0.97},
        "entities": [
            {
                "entity": "province",
                "start": 0,
                "end": 4,
                "value": "Woleu-Ntem",
                "extractor": "RegexEntityExtractor",
            }
        ],
        "intent_ranking": [
            {"name": "greet", "confidence": 0.97},
            {"name": "goodbye", "confidence": 0.03},
        ],
        "response_selector": {"all_retrieval_intents": []},
    }


def make_handler(state: FakeRasa) -> type[BaseHTTPRequestHandler]:
    """Build a request handler class bound to state."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(body),
                    "client_port": self.client_address[1],
                }
            )
            if state.mode == "slow":
                state.released.wait(timeout=5)
                return
            if state.mode == "error":
                self.reply(500, b'{"error": "model not loaded"}')
            elif state.mode == "garbage":
                self.reply(200, b"<html>not json</html>")
            elif state.mode == "wrong_shape":
                self.reply(200, b'{"intent": "greet"}')
            else:
                answer = rasa_answer(json.loads(body)["text"])
                self.reply(200, json.dumps(answer).encode())

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """Run a fake Rasa server on a free loopback port for one test."""
    state = FakeRasa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_url() -> str:
    """Return the URL of a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class RecordingParser:
    """A fallback parser that records what it was asked."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def parse(self, text: str) -> ParseResult:
        self.texts.append(text)
        return ParseResult.out_of_scope(text, confidence=0.42)


def test_parses_through_rasa_over_http(fake_rasa: FakeRasa) -> None:
    with RasaHttpParser(fake_rasa.url + "/") as parser:
        first = parser.parse("Oyem, bonjour")
        parser.parse("encore")

    assert first.intent == "greet"
    assert first.confidence == 0.97
    assert first.entity("province") == "Woleu-Ntem"
    expected = rasa_answer("Oyem, bonjour")
    del expected["response_selector"]
    assert first.to_dict() == expected
    assert [request["path"] for request in fake_rasa.requests] == ["/model/parse"] * 2
    assert fake_rasa.requests[0]["json"] == {"text": "Oyem, bonjour"}
    assert fake_rasa.requests[0]["content_type"] == "application/json"
    # One client for the parser's life: the second request reuses the connection.
    assert fake_rasa.requests[0]["client_port"] == fake_rasa.requests[1]["client_port"]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "HTTP 500"),
        ("garbage", "JSONDecodeError"),
        ("wrong_shape", "unexpected answer"),
        ("slow", "ReadTimeout"),
    ],
)
def test_falls_back_when_rasa_misbehaves(
    fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture, mode: str, reason: str
) -> None:
    fake_rasa.mode = mode
    fallback = RecordingParser()

    with (
        caplog.at_level(logging.WARNING, logger="nlu.rasa_http"),
        RasaHttpParser(fake_rasa.url, timeout=0.3, fallback=fallback) as parser,
    ):
        result = parser.parse("bonjour")

    assert result.confidence == 0.42
    assert fallback.texts == ["bonjour"]
    assert len(fake_rasa.requests) == 1
    assert reason in caplog.text
    assert "using the fallback parser" in caplog.text


def test_falls_back_when_rasa_is_down(closed_url: str, caplog: pytest.LogCaptureFixture) -> None:
    fallback = RecordingParser()

    with (
        caplog.at_level(logging.WARNING, logger="nlu.rasa_http"),
        RasaHttpParser(closed_url, fallback=fallback) as parser,
    ):
        result = parser.parse("salut")

    assert result.intent == "out_of_scope"
    assert fallback.texts == ["salut"]
    assert "ConnectError" in caplog.text


def test_without_fallback_a_failure_raises(closed_url: str) -> None:
    with RasaHttpParser(closed_url) as parser, pytest.raises(RasaUnavailableError):
        parser.parse("salut")


def test_load_parser_with_rasa_falls_back_to_the_embedded_parser(
    fake_rasa: FakeRasa, small_data_dir: Path, tmp_path: Path
) -> None:
    parser = load_parser(rasa_url=fake_rasa.url, data_dir=small_data_dir, cache_dir=tmp_path)
    assert isinstance(parser, RasaHttpParser)
    assert isinstance(parser.fallback, EmbeddedParser)
    try:
        assert parser.parse("Oyem").entity("province") == "Woleu-Ntem"
        fake_rasa.mode = "error"
        result = parser.parse("comment créer une asso")
    finally:
        parser.close()

    assert result.intent == "how_to_create"
    assert result.entity("org_type") == "association"
    assert len(fake_rasa.requests) == 2
