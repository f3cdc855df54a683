"""Replies from the outbox to Telegram: each committed reply rendered, sent, and its fate told.

The `ReplySender` of bot/channels/queues.py claims the replies in order per chat and calls
`OutboxReplies.send`; what it returns says whether the reply went, must be tried again later
(Telegram unreachable, 429) or was refused for good (4xx, a chat that blocked the bot).
"""

import logging
from datetime import datetime

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.delivery import SentMessage
from bot.channels.queues import SendResult
from bot.channels.telegram.ptb import retry_after_seconds
from bot.channels.telegram.render import CallbackDataTooLong, render
from bot.channels.telegram.sending import Sender, failure
from bot.core.messages import Choice, Outgoing
from bot.domain import DeliveryStatus
from bot.storage import replies
from bot.storage.models import ReplyItem
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

# Telegram unreachable even after the sender's own quick retries: wait this long, doubled
# each attempt, before the outbox tries the reply again.
FIRST_RETRY = 5.0
MAX_RETRY = 300.0
GONE = "the chat is gone (bot blocked or removed)"

# Keys of ReplyItem.context, written by the conversation handlers.
REPLY_TO = "reply_to"
THREAD_ID = "thread_id"


def reply_context(*, reply_to: int | None, thread_id: int | None) -> dict[str, int]:
    """Return what sending a reply needs to know of the message it answers."""
    context: dict[str, int] = {}
    if reply_to is not None:
        context[REPLY_TO] = reply_to
    if thread_id is not None:
        context[THREAD_ID] = thread_id
    return context


def outgoing(item: ReplyItem) -> Outgoing:
    """Return a committed reply as the engine wrote it."""
    return Outgoing(item.text, tuple(Choice(label, payload) for label, payload in item.choices))


class OutboxReplies:
    """Send committed replies to Telegram chats, recording every message like direct sends.

    What it remembers lives in this process: the parts of a long reply already sent (a retry
    sends only the rest), the supergroups groups became, and the chats found gone (replies
    queued for them before are not tried).
    """

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._parts_sent: dict[int, int] = {}
        self._moved: dict[int, int] = {}
        self._gone: dict[str, datetime] = {}

    async def send(self, item: ReplyItem) -> SendResult:
        """Send one reply; tell the outbox whether it went, is to retry, or was refused."""
        gone_at = self._gone.get(item.address)
        if gone_at is not None and item.created_at <= gone_at:
            return SendResult.refused(GONE)
        try:
            parts = render(outgoing(item))
        except CallbackDataTooLong as error:
            log.error("Telegram reply %s cannot be sent: %s", item.id, error)
            return SendResult.refused(str(error))
        key = item.id or 0
        address = int(item.address)
        chat_id = self._moved.get(address, address)
        context = item.context or {}
        # The message answered is in the old group, not in its supergroup.
        reply_to = context.get(REPLY_TO) if chat_id == address else None
        thread_id = context.get(THREAD_ID)
        done = self._parts_sent.pop(key, 0)
        records: list[SentMessage] = []
        provider_id: str | None = None
        result: SendResult | None = None
        gone = False
        for part in parts[done:]:
            try:
                message = await self._sender.send_message(
                    chat_id, part, reply_to=reply_to, thread_id=thread_id
                )
            except Forbidden as error:
                log.info("Telegram chat %s is gone: %s", chat_id, error)
                records.append(failure(error))
                result, gone = SendResult.refused(GONE), True
                break
            except BadRequest as error:
                records.append(_refused(chat_id, error))
                result = result or SendResult.refused(str(error))
            except (RetryAfter, NetworkError) as error:
                result = self._later(item, error)
                if result.retry_after is None:
                    records.append(failure(error))
                else:
                    self._parts_sent[key] = done
                break
            except TelegramError as error:
                records.append(_refused(chat_id, error))
                result = result or SendResult.refused(str(error))
            else:
                provider_id = f"{message.chat.id}:{message.message_id}"
                records.append(SentMessage(DeliveryStatus.SENT, provider_id))
                # The chat id changes when a group turned into a supergroup on the way.
                chat_id, reply_to = message.chat.id, None
            done += 1
        if chat_id != address:
            self._moved[address] = chat_id
        if gone:
            self._gone[item.address] = utcnow()
        result = result or SendResult.ok(provider_id)
        if not records:
            return result
        address_now = str(chat_id)
        return result.with_writes(
            lambda session: self._sender.write_record(
                session, address_now, records, answering=not gone, gone=gone
            )
        )

    def _later(self, item: ReplyItem, error: TelegramError) -> SendResult:
        """Return when to try a reply again after Telegram could not take it."""
        if isinstance(error, RetryAfter):
            pause = retry_after_seconds(error)
        else:
            pause = min(FIRST_RETRY * 2 ** max(item.attempts - 1, 0), MAX_RETRY)
        if item.attempts >= replies.MAX_ATTEMPTS:
            log.error("Telegram reply %s to chat %s given up: %s", item.id, item.address, error)
            return SendResult.refused(f"{type(error).__name__}: {error}")
        log.warning(
            "Telegram reply %s to chat %s: %s (trying again in %.0f s)",
            item.id,
            item.address,
            error,
            pause,
        )
        return SendResult.later(pause, f"{type(error).__name__}: {error}")


def _refused(chat_id: int, error: TelegramError) -> SentMessage:
    log.warning("Telegram refused a message to chat %s: %s", chat_id, error)
    return failure(error)
