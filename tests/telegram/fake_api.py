"""A fake Telegram Bot API on 127.0.0.1 that answers the real JSON and records every call.

It speaks the methods Relais uses (getMe, sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, setWebhook, deleteWebhook, getUpdates, setMyCommands, sendDocument,
sendChatAction), hands out queued updates to getUpdates, and can be told to fail: 429 with
`parameters.retry_after`, 403 "bot was blocked by the user", a group migration, a 502; or to
hold calls unanswered, as a slow Telegram would, until released.
"""

import asyncio
import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.telegram.loopback import ServerThread, wait_until

TOKEN = "123456789:AAF-fake-token-for-the-tests"
BOT_ID = 123456789
BOT_USERNAME = "RelaisTestBot"
BLOCKED = "Forbidden: bot was blocked by the user"
DEACTIVATED = "Forbidden: user is deactivated"

# Parameters PTB sends JSON-encoded inside the form; the others are plain strings.
_JSON_PARAMETERS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
_INT_PARAMETERS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "message_thread_id",
    "max_connections",
}
_SENDING = {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
# The longest a getUpdates waits for an update: short, so that tests stop quickly.
_LONG_POLL_CAP = 0.05


@dataclass
class Call:
    """One request the bot made, with what the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str | None, bytes]]
    at: float
    status: int = 0
    result: Any = None

    @property
    def ok(self) -> bool:
        """Tell whether the fake answered with success."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """Return the chat the call was about, if any."""
        return self.params.get("chat_id")


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    chat_id: int | None
    parameters: dict[str, Any] | None
    times: int
    after: int = 0


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    blocked: dict[int, str] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1000
    holding: set[str] = field(default_factory=set)
    held: list[Call] = field(default_factory=list)


class FakeBotApi:
    """The Bot API of one bot, served over real HTTP on a free loopback port."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        self._listeners: list[Callable[[Call], None]] = []
        self._server = ServerThread(
            Starlette(
                routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
            )
        )
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Relais",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @property
    def base_url(self) -> str:
        """Return the value of RELAIS_TELEGRAM_API_URL that reaches this fake."""
        return f"http://127.0.0.1:{self._server.port}/bot"

    def start(self) -> None:
        """Serve in a background thread."""
        self._server.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def reset(self) -> None:
        """Forget every call, update, failure and message."""
        with self._lock:
            self._state = _State()

    # What the tests look at

    def calls(self, method: str | None = None) -> list[Call]:
        """Return the calls made so far, of one method or all."""
        with self._lock:
            return [call for call in self._state.calls if method is None or call.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Return the messages delivered (sendMessage answered with success), to a chat or all."""
        return [
            call
            for call in self.calls("sendMessage")
            if call.ok and (chat_id is None or call.chat_id == chat_id)
        ]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until a condition about the calls holds."""
        wait_until(condition, timeout)

    def listen(self, listener: Callable[[Call], None]) -> None:
        """Call `listener` (in the server's thread) with each call once it is answered."""
        self._listeners.append(listener)

    # What the tests make happen

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        with self._lock:
            self._state.updates.append(update)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        chat_id: int | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make `times` calls of a method (to a chat, or any) fail, once `after` went through."""
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        with self._lock:
            self._state.failures.append(
                _Failure(method, status, description, chat_id, parameters or None, times, after)
            )

    def hold(self, method: str) -> None:
        """Keep the calls of a method waiting, unanswered, until `release()`."""
        with self._lock:
            self._state.holding.add(method)

    def release(self) -> None:
        """Let the held calls go on; those whose client went away are not carried out."""
        with self._lock:
            self._state.holding.clear()

    def held(self) -> list[Call]:
        """Return the calls waiting to be released."""
        with self._lock:
            return list(self._state.held)

    def block(self, chat_id: int, description: str = BLOCKED) -> None:
        """Refuse everything sent to a chat with 403, as when a person blocked the bot."""
        with self._lock:
            self._state.blocked[chat_id] = description

    # The HTTP side

    async def _endpoint(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        try:
            params, files = await _read(request)
        except ClientDisconnect:
            # The client died mid-request (a server killed on purpose): nobody reads an answer,
            # and Telegram never saw the call.
            return Response(status_code=400)
        call = Call(method=method, params=params, files=files, at=time.perf_counter())
        with self._lock:
            self._state.calls.append(call)
        if token != TOKEN:
            return self._finish(call, _refusal(401, "Unauthorized"))
        if await self._held_until_released(call, request):
            # Never carried out: what Telegram does with a request that did not arrive whole.
            return self._finish(call, _refusal(499, "the client went away"))
        refusal = self._refusal_for(call)
        if refusal is not None:
            return self._finish(call, refusal)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return self._finish(call, _refusal(404, "Not Found: method not found"))
        result = await handler(params, files)
        return self._finish(call, JSONResponse({"ok": True, "result": result}), result)

    async def _held_until_released(self, call: Call, request: Request) -> bool:
        """Wait while the call's method is held; tell whether its client went away meanwhile."""
        state = self._state
        with self._lock:
            if call.method not in state.holding:
                return False
            state.held.append(call)
        while True:
            with self._lock:
                if call.method not in state.holding:
                    state.held.remove(call)
                    break
            await asyncio.sleep(0.005)
        return await request.is_disconnected()

    def _finish(self, call: Call, response: JSONResponse, result: Any = None) -> JSONResponse:
        with self._lock:
            call.status = response.status_code
            call.result = result
        for listener in self._listeners:
            listener(call)
        return response

    def _refusal_for(self, call: Call) -> JSONResponse | None:
        chat_id = call.chat_id
        with self._lock:
            for failure in self._state.failures:
                if failure.method != call.method or failure.times <= 0:
                    continue
                if failure.chat_id is not None and failure.chat_id != chat_id:
                    continue
                if failure.after > 0:
                    failure.after -= 1
                    continue
                failure.times -= 1
                return _refusal(failure.status, failure.description, failure.parameters)
            if call.method in _SENDING and chat_id in self._state.blocked:
                return _refusal(403, self._state.blocked[chat_id])
        return None

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        with self._lock:
            self._state.next_message_id += 1
            message_id = self._state.next_message_id
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": self.bot_user,
                **{key: value for key, value in content.items() if value is not None},
            }
            self._state.messages[(chat_id, message_id)] = message
        return message

    async def _getMe(self, params: dict[str, Any], files: Any) -> Any:
        return self.bot_user

    async def _sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        return self._new_message(
            params["chat_id"], text=params["text"], reply_markup=params.get("reply_markup")
        )

    async def _sendDocument(self, params: dict[str, Any], files: Any) -> Any:
        filename, _content = files["document"]
        document = {
            "file_id": f"document-{len(self.calls('sendDocument'))}",
            "file_unique_id": "unique",
            "file_name": filename,
            "mime_type": "text/csv",
        }
        return self._new_message(
            params["chat_id"], document=document, caption=params.get("caption")
        )

    async def _editMessageText(self, params: dict[str, Any], files: Any) -> Any:
        return self._edit(params, text=params["text"])

    async def _editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        return self._edit(params)

    def _edit(self, params: dict[str, Any], **changes: Any) -> Any:
        key = (params["chat_id"], params["message_id"])
        with self._lock:
            message = self._state.messages.get(key)
            if message is None:
                return True
            message.update(changes)
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return dict(message)

    async def _answerCallbackQuery(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _sendChatAction(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _setWebhook(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _deleteWebhook(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _setMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), _LONG_POLL_CAP)
        while True:
            with self._lock:
                # Asking from an offset confirms every update before it: Telegram forgets them.
                self._state.updates = [
                    update for update in self._state.updates if update["update_id"] >= offset
                ]
                ready = self._state.updates[:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.005)


def _refusal(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Someone"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Groupe"}


async def _read(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str | None, bytes]]]:
    """Read the parameters of a Bot API request: form, multipart (files) or JSON."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    files: dict[str, tuple[str | None, bytes]] = {}
    raw: dict[str, str] = {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[str(name)] = (part.get_filename(), content)
            else:
                raw[str(name)] = content.decode()
    elif content_type.startswith("application/json"):
        return json.loads(body or b"{}"), files
    else:
        raw = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return {name: _decode(name, value) for name, value in raw.items()}, files


def _decode(name: str, value: str) -> Any:
    if name in _JSON_PARAMETERS:
        return json.loads(value)
    if name in _INT_PARAMETERS:
        try:
            return int(value)
        except ValueError:
            return value
    return value
