"""Read Twilio's inbound-message form: the sender, the text or button, what cannot be read."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.channels.whatsapp.codes import WHATSAPP_PREFIX
from bot.core import payloads
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.storage.models import Contact, ProcessedMessage
from bot.storage.types import clip

_E164 = re.compile(r"\+[1-9]\d{6,14}")


class Unreadable(StrEnum):
    """What a message carried that the bot cannot read."""

    MEDIA = "media"
    LOCATION = "location"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message read out of Twilio's form: the Incoming, and what could not be read of it."""

    incoming: Incoming
    unreadable: Unreadable | None = None

    @property
    def has_words(self) -> bool:
        """Tell whether there is something for the engine: text or a button."""
        return bool(self.incoming.text.strip() or self.incoming.payload)


def parse_inbound(form: Mapping[str, str]) -> Inbound | None:
    """Read Twilio's inbound form; None when it has no message id or no valid sender."""
    message_id = form.get("MessageSid") or form.get("SmsMessageSid")
    sender = sender_of(form)
    if not message_id or sender is None:
        return None
    body = form.get("Body", "")
    # A tapped quick reply or list item carries the id it was created with: the same payloads
    # as buttons elsewhere, checked like them. Anything else is read as the button's words,
    # which Twilio also puts in Body.
    button = form.get("ButtonPayload") or form.get("ListId") or ""
    payload = button if button and payloads.parse(button) is not None else None
    media = form.get("NumMedia", "0")
    unreadable = None
    if media.isdecimal() and int(media) > 0:
        unreadable = Unreadable.MEDIA
    elif form.get("Latitude") and form.get("Longitude"):
        unreadable = Unreadable.LOCATION
    elif not body.strip() and payload is None:
        unreadable = Unreadable.NOTHING
    profile_name = clip(Contact, "name", " ".join((form.get("ProfileName") or "").split()))
    incoming = Incoming(
        channel=Channel.WHATSAPP,
        sender=sender,
        text=body,
        payload=payload,
        message_id=clip(ProcessedMessage, "message_id", message_id),
        profile_name=profile_name or None,
        phone=sender,
    )
    return Inbound(incoming, unreadable)


def sender_of(form: Mapping[str, str]) -> str | None:
    """Return the sender's number in E.164 (`WaId` is it without "+"; `From` is prefixed)."""
    wa_id = form.get("WaId", "")
    number = (
        f"+{wa_id}" if wa_id.isdecimal() else form.get("From", "").removeprefix(WHATSAPP_PREFIX)
    )
    return number if _E164.fullmatch(number) else None
