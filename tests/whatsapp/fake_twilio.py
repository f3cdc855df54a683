"""A fake Twilio REST API on 127.0.0.1: answers like Twilio, records every call it receives."""

import base64
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

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
    21655: (400, "The ContentSid is Invalid"),
    21656: (400, "The ContentVariables Parameter is invalid"),
    21658: (400, "Parameter exceeded character limit"),
    70002: (400, "Bad request"),
}
CONTENT_PATH = "/v1/Content"
# The Content API's limits (twilio/quick-reply, twilio/list-picker).
CONTENT_LIMITS = {
    "body": 1024,
    "title": 20,
    "item": 24,
    "button": 20,
    "id": 200,
    "description": 72,
}
# What a template variable may not hold: a line break, a tab, more than 4 spaces in a row.
_BAD_VARIABLE = re.compile(r"[\n\r\t]| {5,}")


@dataclass(frozen=True)
class Call:
    """One request Twilio's API received."""

    path: str
    form: dict[str, str]
    at: float
    answered: int
    json: dict[str, Any] | None = None

    @property
    def to(self) -> str:
        """Return the recipient ("whatsapp:+241...")."""
        return self.form.get("To", "")

    @property
    def body(self) -> str:
        """Return the text sent."""
        return self.form.get("Body", "")

    @property
    def content_sid(self) -> str:
        """Return the Content SID a message was sent with ("" for text)."""
        return self.form.get("ContentSid", "")

    @property
    def variables(self) -> dict[str, str]:
        """Return the values of a content message's variables."""
        return dict(json.loads(self.form.get("ContentVariables") or "{}"))


# Twilio's list of messages: 50 a page unless asked, 1000 at most.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class FakeTwilio:
    """Serve `POST /2010-04-01/Accounts/{sid}/Messages.json` the way Twilio does.

    `GET` on the same path lists the messages accepted, as Twilio's log does: newest first,
    filtered by `To`, `From` and `DateSent` (`DateSent>=`, `DateSent<=`: dates), in pages.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        # The Content API's items by SID, and the errors scripted for the next creations.
        self.contents: dict[str, dict[str, Any]] = {}
        # Templates made in Twilio's console are not listed here, so an unknown SID is sent;
        # one deleted (`forget_content`) is refused, as Twilio refuses it.
        self.deleted_contents: set[str] = set()
        self._content_failures: deque[int] = deque()
        self.delay = 0.0
        # Set while messages pass; cleared by `hold`, when they wait unanswered.
        self._gate = threading.Event()
        self._gate.set()
        self._drop_held = False
        self.dropped = 0
        self.held = 0
        # The resources of the messages accepted, as the list shows them; the list requests.
        self._log: list[dict[str, Any]] = []
        self.listings: list[dict[str, str]] = []
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
                if self.path.startswith(CONTENT_PATH):
                    fake._answer_fetch(self)
                elif urlsplit(self.path).path.endswith("/Messages.json"):
                    fake._list(self)
                else:
                    fake._account(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
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
            self._content_failures.clear()
            self._log.clear()
            self.listings.clear()
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

    def fail_content(self, code: int, times: int = 1) -> None:
        """Answer the next `times` Content API creations with Twilio's error `code`."""
        with self._lock:
            self._content_failures.extend([code] * times)

    def forget_content(self, sid: str) -> None:
        """Delete a content, as someone would in Twilio's console."""
        with self._lock:
            self.contents.pop(sid, None)
            self.deleted_contents.add(sid)

    def content_creations(self) -> list[Call]:
        """Return the Content API creations Twilio accepted."""
        return [c for c in self.calls if c.path == CONTENT_PATH and c.answered == 201]

    @property
    def calls(self) -> list[Call]:
        """Return every call received so far."""
        with self._lock:
            return list(self._calls)

    def accepted(self) -> list[Call]:
        """Return the messages Twilio accepted, for anyone (not the Content API's templates)."""
        return [c for c in self.calls if c.answered == 201 and c.path != CONTENT_PATH]

    def sent_to(self, to: str) -> list[Call]:
        """Return the messages Twilio accepted for one recipient."""
        return [call for call in self.calls if call.to == to and call.answered == 201]

    def _account(self, request: BaseHTTPRequestHandler) -> None:
        """Answer `GET /2010-04-01/Accounts/{sid}.json`, Twilio's fetch of the account."""
        if request.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}.json":
            _send_json(request, 404, _error(20404, 404, "The requested resource was not found"))
        elif not self._authorised(request):
            _send_json(request, 401, _error(20003, *ERRORS[20003]))
        else:
            _send_json(
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

    def _authorised(self, request: BaseHTTPRequestHandler) -> bool:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        if request.path == CONTENT_PATH:
            self._answer_create(request, raw)
            return
        form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
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
        elif form.get("ContentSid") in self.deleted_contents:
            status, payload = 400, _error(21655, *ERRORS[21655])
        elif form.get("ContentSid") and _bad_variables(form.get("ContentVariables") or "{}"):
            status, payload = 400, _error(21656, *ERRORS[21656])
        else:
            status, payload = 201, _message(form)
        call = Call(request.path, form, time.perf_counter(), status)
        with self._lock:
            self._calls.append(call)
            if status == 201:
                # By the time anyone lists it, the message has left Twilio's queue.
                self._log.append(
                    {**payload, "status": "sent", "date_sent": payload["date_created"]}
                )
        if self.on_call is not None and status == 201:
            self.on_call(call.to, call.at)
        _send_json(request, status, payload)

    def _answer_create(self, request: BaseHTTPRequestHandler, raw: bytes) -> None:
        """Serve `POST https://content.twilio.com/v1/Content` (a JSON body)."""
        try:
            definition = json.loads(raw)
        except ValueError:
            definition = None
        with self._lock:
            scripted = self._content_failures.popleft() if self._content_failures else None
        if not self._authorised(request):
            status, payload = 401, _error(20003, *ERRORS[20003])
        elif request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            status, payload = 400, _error(70002, *ERRORS[70002])
        elif scripted is not None:
            status, message = ERRORS[scripted]
            payload = _error(scripted, status, message)
        else:
            refusal = _content_refusal(definition)
            if refusal is not None:
                status, payload = 400, _error(refusal, *ERRORS[refusal])
            else:
                status, payload = 201, _content(definition)
                with self._lock:
                    self.contents[payload["sid"]] = payload
        with self._lock:
            self._calls.append(
                Call(
                    request.path,
                    {},
                    time.perf_counter(),
                    status,
                    definition if isinstance(definition, dict) else None,
                )
            )
        _send_json(request, status, payload)

    def _answer_fetch(self, request: BaseHTTPRequestHandler) -> None:
        """Serve `GET https://content.twilio.com/v1/Content/{sid}`."""
        sid = request.path.removeprefix(CONTENT_PATH + "/")
        with self._lock:
            found = self.contents.get(sid) if request.path.startswith(CONTENT_PATH + "/") else None
        if not self._authorised(request):
            _send_json(request, 401, _error(20003, *ERRORS[20003]))
        elif found is None:
            message = f"The requested resource {request.path} was not found"
            _send_json(request, 404, _error(20404, 404, message))
        else:
            _send_json(request, 200, found)

    def _list(self, request: BaseHTTPRequestHandler) -> None:
        """Answer `GET .../Messages.json` with one page of the log, as Twilio shapes it."""
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        with self._lock:
            self.listings.append(query)
            log = list(self._log)
        if url.path != expected_path:
            status, payload = 404, _error(20404, 404, "The requested resource was not found")
        elif not self._authorised(request):
            status, payload = 401, _error(20003, *ERRORS[20003])
        else:
            status, payload = 200, _page(url.path, query, log)
        _send_json(request, status, payload)


def _send_json(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _bad_variables(variables: str) -> bool:
    """Tell whether template variables are not JSON, or one holds what Twilio refuses."""
    try:
        values = json.loads(variables)
    except ValueError:
        return True
    if not isinstance(values, dict):
        return True
    return any(not isinstance(v, str) or not v or _BAD_VARIABLE.search(v) for v in values.values())


def _content_refusal(definition: Any) -> int | None:
    """Return the error Twilio gives a content it cannot create, None when it is valid."""
    if not isinstance(definition, dict) or not definition.get("language"):
        return 70002
    types = {k: v for k, v in (definition.get("types") or {}).items() if v is not None}
    if not types:
        return 70002
    for name, kind in types.items():
        if name == "twilio/quick-reply":
            choices = [(a.get("title") or "", a.get("id") or "") for a in kind.get("actions") or []]
            title_limit = CONTENT_LIMITS["title"]
        elif name == "twilio/list-picker":
            choices = [(i.get("item") or "", i.get("id") or "") for i in kind.get("items") or []]
            title_limit = CONTENT_LIMITS["item"]
            descriptions = [i.get("description") or "" for i in kind.get("items") or []]
            if not all(descriptions):
                return 70002
            if any(len(text) > CONTENT_LIMITS["description"] for text in descriptions):
                return 21658
            button = kind.get("button") or ""
            if not button or len(button) > CONTENT_LIMITS["button"]:
                return 21658
        else:
            continue
        if not kind.get("body") or not 1 <= len(choices) <= 10:
            return 70002
        if len(kind["body"]) > CONTENT_LIMITS["body"]:
            return 21658
        if any(not t or not i for t, i in choices):
            return 70002
        if any(len(t) > title_limit or len(i) > CONTENT_LIMITS["id"] for t, i in choices):
            return 21658
        if len({i for _t, i in choices}) != len(choices):
            return 70002
    return None


def _content(definition: dict[str, Any]) -> dict[str, Any]:
    """Return the resource the Content API answers with when it creates a content."""
    sid = "HX" + secrets.token_hex(16)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    url = f"https://content.twilio.com/v1/Content/{sid}"
    return {
        "account_sid": ACCOUNT_SID,
        "date_created": now,
        "date_updated": now,
        "friendly_name": definition.get("friendly_name") or "",
        "language": definition["language"],
        "links": {
            "approval_create": f"{url}/ApprovalRequests/whatsapp",
            "approval_fetch": f"{url}/ApprovalRequests",
        },
        "sid": sid,
        "types": {k: v for k, v in definition["types"].items() if v is not None},
        "url": url,
        "variables": definition.get("variables") or {},
    }


class _Server(ThreadingHTTPServer):
    """The HTTP server, quiet when a client died before its answer (a killed process)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _page(path: str, query: dict[str, str], log: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one page of Twilio's message list for the filters of `query`."""
    messages = [message for message in log if _matches(message, query)]
    messages.sort(key=lambda message: _sent_at(message) or 0.0, reverse=True)
    size = max(1, min(int(query.get("PageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE))
    page = int(query.get("Page") or 0)
    token = query.get("PageToken", "")
    start = page * size
    if token.startswith("PA"):
        # The token names the last message of the previous page: go on right after it.
        sids = [message["sid"] for message in messages]
        start = sids.index(token[2:]) + 1 if token[2:] in sids else len(messages)
    chosen = messages[start : start + size]
    filters = {
        key: value for key, value in query.items() if key not in {"Page", "PageSize", "PageToken"}
    }

    def uri(number: int, after: str | None = None) -> str:
        extra = {"PageSize": str(size), "Page": str(number)}
        if after is not None:
            extra["PageToken"] = "PA" + after
        return f"{path}?{urlencode({**filters, **extra})}"

    more = start + size < len(messages)
    return {
        "end": start + len(chosen) - 1 if chosen else start,
        "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1, chosen[-1]["sid"]) if more and chosen else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "messages": chosen,
        "start": start,
        "uri": uri(page, token[2:] or None),
    }


def _matches(message: dict[str, Any], query: dict[str, str]) -> bool:
    if "To" in query and message.get("to") != query["To"]:
        return False
    if "From" in query and message.get("from") != query["From"]:
        return False
    sent = _sent_at(message)
    day = time.strftime("%Y-%m-%d", time.gmtime(sent)) if sent is not None else None
    # Twilio's DateSent filters compare dates; a message not sent yet has none.
    for key, keep in (
        ("DateSent", lambda day, wanted: day == wanted),
        ("DateSent>", lambda day, wanted: day >= wanted),
        ("DateSent<", lambda day, wanted: day <= wanted),
    ):
        if key in query and (day is None or not keep(day, query[key][:10])):
            return False
    return True


def _sent_at(message: dict[str, Any]) -> float | None:
    value = message.get("date_sent")
    return parsedate_to_datetime(value).timestamp() if value else None


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
