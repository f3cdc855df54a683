"""A person on WhatsApp, as Twilio relays them: signed form posts in, REST calls out."""

import asyncio
import re
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from itertools import count
from typing import Any, TypeVar

import httpx
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp import WhatsAppChannel
from bot.core.messages import Choice, Outgoing
from bot.domain import Channel
from tests.transcript import Chat
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, Call, FakeTwilio

PUBLIC_URL = "https://relais.example.org"
INBOUND_URL = f"{PUBLIC_URL}/webhooks/whatsapp"
STATUS_URL = f"{PUBLIC_URL}/webhooks/whatsapp/status"
T = TypeVar("T")

_sids = count(1)
_CHOICE = re.compile(r"(\d+)\. (.+)")


def message_sid() -> str:
    """Return a new Twilio-like message SID."""
    return f"SM{next(_sids):032x}"


def inbound_form(number: str, body: str = "", **fields: str) -> dict[str, str]:
    """Return the form Twilio posts for a WhatsApp message from `number` (E.164)."""
    sid = fields.pop("MessageSid", None) or message_sid()
    form = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Marie Obame",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": number.lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": WHATSAPP_FROM,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{number}",
        "ApiVersion": "2010-04-01",
    }
    form.update(fields)
    return form


def status_form(sid: str, status: str, to: str, error_code: str | None = None) -> dict[str, str]:
    """Return the form of one of Twilio's status callbacks."""
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "ChannelToAddress": to.removeprefix("whatsapp:"),
        "To": to,
        "From": WHATSAPP_FROM,
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def signature(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Sign a request the way Twilio does."""
    return str(RequestValidator(token).compute_signature(url, form))


async def post_signed(
    client: httpx.AsyncClient, url: str, form: dict[str, str], *, signed_url: str | None = None
) -> httpx.Response:
    """Post a form with Twilio's signature (of `signed_url`, by default the URL posted to)."""
    headers = {"X-Twilio-Signature": signature(signed_url or url, form)}
    return await client.post(url, data=form, headers=headers)


def parse_body(body: str) -> Outgoing:
    """Read a WhatsApp body back into text and choices (numbered lines above the hint).

    The hint ("_Répondez 1, 2 ou 3_", "_Reply 1, 2 or 3_", ...) is the italic last line.
    """
    lines = body.split("\n")
    if not lines or not (lines[-1].startswith("_") and lines[-1].endswith("_")):
        return Outgoing(text=body)
    choices: list[Choice] = []
    end = len(lines) - 1
    start = end
    while start > 0 and (match := _CHOICE.fullmatch(lines[start - 1])):
        choices.insert(0, Choice(label=match.group(2), payload=match.group(1)))
        start -= 1
    return Outgoing(text="\n".join(lines[:start]).strip(), choices=tuple(choices))


class LoopThread:
    """An event loop in a thread, so synchronous transcripts can drive the ASGI app."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        """Run a coroutine on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def read_content(call: Call, twilio: FakeTwilio) -> Outgoing:
    """Read a message sent with a Content SID as a phone shows it: its text and what to tap."""
    content = twilio.contents[call.content_sid]
    body = call.variables.get("1", "")
    for kind in content["types"].values():
        choices = [
            Choice(label=entry.get("title") or entry.get("item"), payload=entry["id"])
            for entry in kind.get("actions") or kind.get("items") or []
        ]
        return Outgoing(text=body, choices=tuple(choices))
    return Outgoing(text=body)


@dataclass(kw_only=True)
class WhatsAppChat(Chat):
    """A person typing on WhatsApp: each message is a signed webhook, replies come from Twilio.

    Pressing a numbered choice means typing its number, as on a phone; a button or a list item
    sent through the Content API is tapped: Twilio posts its id as `ButtonPayload`.
    """

    sender: str = "+24177000001"
    channel: Channel = Channel.WHATSAPP
    bridge: LoopThread
    client: httpx.AsyncClient
    whatsapp: WhatsAppChannel
    twilio: FakeTwilio
    bodies: list[str] = field(default_factory=list)
    tappable: dict[str, tuple[str, str]] = field(default_factory=dict)

    def send(
        self, text: str = "", *, payload: str | None = None, message_id: str | None = None
    ) -> str:
        """Send a message through the webhook and return what Twilio was asked to deliver."""
        to = f"whatsapp:{self.sender}"
        seen = len(self.twilio.sent_to(to))
        tapped = self.tappable.get(payload) if payload is not None else None
        if tapped is not None:
            form = inbound_form(
                self.sender, tapped[0], ButtonPayload=tapped[1], ButtonText=tapped[0]
            )
        else:
            form = inbound_form(self.sender, payload if payload is not None else text)
        if message_id:
            form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = message_id
        response = self.bridge.run(post_signed(self.client, INBOUND_URL, form))
        assert response.status_code == 200, response.text
        self.bridge.run(self.whatsapp.drain())
        calls = self.twilio.sent_to(to)[seen:]
        self.bodies = [call.body or call.variables.get("1", "") for call in calls]
        self.last = [
            read_content(call, self.twilio) if call.content_sid else parse_body(call.body)
            for call in calls
        ]
        self.tappable = {
            choice.payload: (choice.label, choice.payload)
            for call, reply in zip(calls, self.last, strict=True)
            if call.content_sid
            for choice in reply.choices
        }
        return self.transcript()
