"""One reply of the outbox delivered now by a process that is not the server (the CLI).

`relais campaign send ID --test ...` queues its message in the reply outbox like the
console's test; it then sends that reply itself, through the channel's own outbox sender
(the same rendering, limits, retries and records as `relais serve`), so it works without a
server running, and reports what became of it. With a server running, whichever claims the
reply first sends it, once; the other waits for the outcome, up to a timeout.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.channels.queues import ReplySender
from bot.core.i18n import Catalogues
from bot.domain import Channel, ReplyStatus
from bot.settings import Settings
from bot.storage import replies
from bot.storage.database import new_session
from bot.storage.models import ReplyItem

# How long the CLI waits for its reply: retries asked by the provider included.
WAIT_SECONDS = 30.0
POLL = 0.2


class Fate(StrEnum):
    """What became of a reply sent from the command line."""

    SENT = "sent"
    FAILED = "failed"
    QUEUED = "queued"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A reply's fate, and why when it did not go."""

    fate: Fate
    reason: str | None = None


def configured(settings: Settings, channel: Channel) -> bool:
    """Tell whether this process has the credentials to send on a channel."""
    if channel is Channel.TELEGRAM:
        return settings.telegram_enabled
    if channel is Channel.WHATSAPP:
        return settings.whatsapp_enabled
    return False


@contextlib.asynccontextmanager
async def reply_sender(
    settings: Settings, database: DatabaseEngine, catalogues: Catalogues, channel: Channel
) -> AsyncIterator[ReplySender]:
    """Build the channel's outbox sender as the server builds it (provider clients closed after)."""
    if channel is Channel.TELEGRAM:
        from bot.channels.telegram.direct import telegram_replies

        async with telegram_replies(settings, database) as sender:
            yield sender
    elif channel is Channel.WHATSAPP:
        from bot.channels.whatsapp.outbox import WhatsAppReplies
        from bot.channels.whatsapp.sender import WhatsAppSender

        whatsapp = WhatsAppSender.from_settings(settings, database, catalogues)
        try:
            yield WhatsAppReplies(database, whatsapp, catalogues).queue
        finally:
            await whatsapp.aclose()
    else:
        msg = f"no outbox sender for {channel.value}"
        raise ValueError(msg)


async def deliver(
    database: DatabaseEngine,
    sender: ReplySender,
    item_id: int,
    *,
    wait: float | None = None,
) -> Outcome:
    """Send one queued reply now, or wait for whoever claimed it; say what became of it.

    A reply the provider asked to retry is retried within `wait` seconds (`WAIT_SECONDS`);
    past them, it stays in the outbox for `relais serve` to send, and the outcome says so.
    """
    deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
    reason: str | None = None
    while True:
        result = await sender.send_one(item_id)
        if result is not None:
            if result.sent:
                return Outcome(Fate.SENT)
            if result.retry_after is None:
                return Outcome(Fate.FAILED, result.reason)
            reason = result.reason
        item = await asyncio.to_thread(_reply, database, item_id)
        if item is None or item.status is ReplyStatus.SENT:
            return Outcome(Fate.SENT)
        if item.status is ReplyStatus.FAILED:
            return Outcome(Fate.FAILED, item.error)
        reason = item.error or reason
        if time.monotonic() >= deadline:
            return Outcome(Fate.QUEUED, reason)
        await asyncio.sleep(POLL)


def _reply(database: DatabaseEngine, item_id: int) -> ReplyItem | None:
    with new_session(database) as session:
        return replies.get_reply(session, item_id=item_id)
