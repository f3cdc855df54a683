"""Drive Relais over Telegram: real update JSON in (webhook POST or getUpdates), calls out."""

import asyncio
import itertools
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.app import Relais
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.web.server import create_web_app
from tests.telegram.fake_api import BOT_ID, BOT_USERNAME, Call, FakeBotApi
from tests.telegram.loopback import ServerThread, wait_until

_update_ids = itertools.count(500_000)
_message_ids = itertools.count(1)
_query_ids = itertools.count(1)


class Harness:
    """Relais served by uvicorn with its Telegram channel, talking to the fake Bot API."""

    def __init__(
        self,
        api: FakeBotApi,
        channel: TelegramChannel,
        server: ServerThread,
        secret: str | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.api = api
        self.channel = channel
        self.server = server
        self.loop = loop
        self.secret = secret
        self._delivered = 0

    @property
    def webhook_url(self) -> str:
        """Return the URL Telegram would post updates to."""
        return self.server.url + WEBHOOK_PATH

    def post(
        self, content: bytes | None = None, *, json: Any = None, secret: str | None = None
    ) -> httpx.Response:
        """Post to the webhook as Telegram would, with the right secret unless told otherwise."""
        headers = {SECRET_HEADER: (self.secret or "") if secret is None else secret}
        if secret == "":
            headers = {}
        return httpx.post(self.webhook_url, content=content, json=json, headers=headers, timeout=10)

    def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot (webhook or getUpdates); wait until it is answered."""
        if self.channel.webhook_mode:
            response = self.post(json=update)
            assert response.status_code == 200, response.text
        else:
            self.api.push_update(update)
            self._delivered += 1
            wait_until(lambda: self.channel.updates_handled >= self._delivered, timeout=10)
        self.drain()

    def drain(self) -> None:
        """Wait until the inbox is empty and every reply has reached the fake Bot API."""
        self.run(asyncio.wait_for(self.channel.drain(), 10))

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine in the server's event loop (where the channel lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def user(self, user_id: int = 7001, **kwargs: Any) -> "TelegramUser":
        """Return a person writing to the bot in a private chat."""
        return TelegramUser(self, user_id=user_id, **kwargs)


@contextmanager
def serve(relais: Relais, api: FakeBotApi, **options: Any) -> Iterator[Harness]:
    """Serve Relais with a Telegram channel until the with-block ends."""
    channel = TelegramChannel(relais, **options)
    loops: list[asyncio.AbstractEventLoop] = []
    start = channel.start

    async def start_and_note_the_loop() -> None:
        loops.append(asyncio.get_running_loop())
        await start()

    channel.start = start_and_note_the_loop  # type: ignore[method-assign]
    server = ServerThread(create_web_app(relais, channels=[channel]), lifespan="on")
    with server.running():
        wait_until(lambda: channel.ready, timeout=10)
        secret = relais.settings.secret("telegram_webhook_secret")
        yield Harness(api, channel, server, secret, loops[0])


def next_update_id() -> int:
    """Return a fresh update id."""
    return next(_update_ids)


@dataclass
class TelegramUser:
    """A person talking to the bot; quacks like tests.transcript.Chat for verify_dialog."""

    harness: Harness
    user_id: int = 7001
    first_name: str = "Marie"
    last_name: str | None = "Obame"
    language_code: str | None = "fr"
    chat: dict[str, Any] | None = None
    last: list[Call] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        """Return the id of the chat the person writes in."""
        return int((self.chat or {}).get("id", self.user_id))

    @property
    def sender(self) -> dict[str, Any]:
        """Return the person as Telegram describes them."""
        sender: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
        }
        if self.last_name:
            sender["last_name"] = self.last_name
        if self.language_code:
            sender["language_code"] = self.language_code
        return sender

    def message(self, text: str | None = None, **extra: Any) -> dict[str, Any]:
        """Return the JSON of a message from this person."""
        chat = self.chat or {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.sender,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def update(self, **content: Any) -> dict[str, Any]:
        """Wrap content in an update with a fresh id."""
        return {"update_id": next_update_id(), **content}

    def send(
        self, text: str = "", *, payload: str | None = None, message_id: str | None = None
    ) -> str:
        """Send a text (or press a button by its payload); return what the bot answered."""
        if payload is not None:
            return self.exchange(self.button_update(payload))
        return self.exchange(self.update(message=self.message(text)))

    def press(self, label: str) -> str:
        """Press the button of the last replies whose label starts with `label`."""
        for call in reversed(self.last):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label):
                        return self.exchange(
                            self.button_update(button["callback_data"], on=call.result)
                        )
        msg = f"no button {label!r} among {self.labels()}"
        raise AssertionError(msg)

    def button_update(self, data: str, *, on: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the update of a button press on a message of the bot."""
        query = {
            "id": str(next(_query_ids)),
            "from": self.sender,
            "chat_instance": "instance",
            "data": data,
        }
        query["message"] = on or {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": self.chat or {"id": self.user_id, "type": "private", "first_name": "x"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Relais"},
            "text": "…",
        }
        return self.update(callback_query=query)

    def exchange(self, update: dict[str, Any]) -> str:
        """Deliver an update; keep and return the messages the bot sent to this chat."""
        mark = len(self.harness.api.calls())
        self.harness.deliver(update)
        self.last = [
            call
            for call in self.harness.api.calls()[mark:]
            if call.method == "sendMessage" and call.ok and call.chat_id == self.chat_id
        ]
        return self.transcript()

    def transcript(self) -> str:
        """Return the last replies as text, buttons in brackets."""
        parts = []
        for call in self.last:
            parts.append(call.params["text"])
            parts.extend(f"[{label}]" for label in _labels(call))
        return "\n".join(parts)

    def labels(self) -> list[str]:
        """Return the labels of the buttons of the last replies."""
        return [label for call in self.last for label in _labels(call)]


def in_group(user: TelegramUser, group: dict[str, Any]) -> TelegramUser:
    """Return the same person, writing in a group."""
    return TelegramUser(
        user.harness,
        user_id=user.user_id,
        first_name=user.first_name,
        last_name=user.last_name,
        language_code=user.language_code,
        chat=group,
    )


def mention(text: str) -> dict[str, Any]:
    """Return a message's text and entities, @-mentioning the bot at the start."""
    handle = f"@{BOT_USERNAME}"
    return {
        "text": f"{handle} {text}",
        "entities": [{"type": "mention", "offset": 0, "length": len(handle)}],
    }


def _labels(call: Call) -> list[str]:
    keyboard = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in keyboard for button in row]
