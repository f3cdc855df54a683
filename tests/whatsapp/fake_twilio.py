"""A fake Twilio REST API on 127.0.0.1: answers like Twilio, records every call it receives."""

import base64
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_SID = "AC" + "5f" * 16
AUTH_TOKEN = "9b" * 16
WHATSAPP_FROM = "whatsapp:+14155238886"

# Twilio's own wording of the errors the tests provoke.
ERRORS = {
    21610: (400, "Attempt to send to unsubscribed recipient"),
    63016: (
        400,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    20429: (429, "Too Many Requests"),
    21211: (400, "The 'To' number is not a valid phone number."),
    20003: (401, "Authenticate"),
    20500: (500, "An internal server error has occurred"),
}


@dataclass(frozen=True)
class Call:
    """One request Twilio's API received."""

    path: str
    form: dict[str, str]
    at: float
    answered: int

    @property
    def to(self) -> str:
        """Return the recipient ("whatsapp:+241...")."""
        return self.form.get("To", "")

    @property
    def body(self) -> str:
        """Return the text sent."""
        return self.form.get("Body", "")


class FakeTwilio:
    """Serve `POST /2010-04-01/Accounts/{sid}/Messages.json` the way Twilio does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self.delay = 0.0
        # Set while messages pass; cleared by `hold`, when they wait unanswered.
        self._gate = threading.Event()
        self._gate.set()
        self._drop_held = False
        self.dropped = 0
        self.held = 0
        # Told of each accepted message (recipient, arrival time): lets a benchmark wait.
        self.on_call: Callable[[str, float], None] | None = None
        # What the account fetch reports: "active", "suspended" or "closed".
        self.account_status = "active"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every answer.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                fake._answer(self)

            def do_GET(self) -> None:
                fake._account(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL to give as RELAIS_TWILIO_API_URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "FakeTwilio":
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget the calls and the scripted failures."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
        self.delay = 0.0
        self._drop_held = False
        self.dropped = 0
        self.held = 0
        self.account_status = "active"
        self._gate.set()

    def hold(self) -> None:
        """Keep the next messages waiting, unanswered and unrecorded, until `release`."""
        self._gate.clear()

    def release(self, *, drop: bool = False) -> None:
        """Let the held messages through, or drop them: they never reached "Twilio"."""
        self._drop_held = drop
        self._gate.set()

    def fail(self, to: str, code: int, times: int = 1) -> None:
        """Answer the next `times` messages to `to` with Twilio's error `code`."""
        with self._lock:
            self._failures[to].extend([code] * times)

    @property
    def calls(self) -> list[Call]:
        """Return every call received so far."""
        with self._lock:
            return list(self._calls)

    def accepted(self) -> list[Call]:
        """Return the messages Twilio accepted, for anyone."""
        return [call for call in self.calls if call.answered == 201]

    def sent_to(self, to: str) -> list[Call]:
        """Return the messages Twilio accepted for one recipient."""
        return [call for call in self.calls if call.to == to and call.answered == 201]

    def _account(self, request: BaseHTTPRequestHandler) -> None:
        """Answer `GET /2010-04-01/Accounts/{sid}.json`, Twilio's fetch of the account."""
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}.json":
            _reply(request, 404, _error(20404, 404, "The requested resource was not found"))
        elif request.headers.get("Authorization") != expected_auth:
            _reply(request, 401, _error(20003, *ERRORS[20003]))
        else:
            _reply(
                request,
                200,
                {
                    "sid": ACCOUNT_SID,
                    "friendly_name": "DGES Relais",
                    "status": self.account_status,
                    "type": "Full",
                    "date_created": "Mon, 02 Nov 2026 10:00:00 +0000",
                    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}.json",
                },
            )

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(request.rfile.read(length).decode(), keep_blank_values=True))
        if self.delay:
            time.sleep(self.delay)
        if not self._gate.is_set():
            with self._lock:
                self.held += 1
            self._gate.wait()
            if self._drop_held:
                with self._lock:
                    self.dropped += 1
                request.close_connection = True
                return
        expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        with self._lock:
            failures = self._failures.get(form.get("To", ""))
            code = failures.popleft() if failures else None
        if request.path != expected_path:
            status, payload = 404, _error(20404, 404, "The requested resource was not found")
        elif request.headers.get("Authorization") != expected_auth:
            status, payload = 401, _error(20003, *ERRORS[20003])
        elif code is not None:
            status, message = ERRORS[code]
            payload = _error(code, status, message)
        else:
            status, payload = 201, _message(form)
        call = Call(request.path, form, time.perf_counter(), status)
        with self._lock:
            self._calls.append(call)
        if self.on_call is not None and status == 201:
            self.on_call(call.to, call.at)
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _error(code: int, status: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _message(form: dict[str, str]) -> dict[str, Any]:
    """Return the resource Twilio answers with when it accepts a message."""
    sid = "SM" + secrets.token_hex(16)
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"
        },
        "to": form.get("To"),
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }
