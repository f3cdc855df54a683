"""Sending on Telegram: replies in order, retried on network errors, each one recorded."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session
from telegram import CallbackQuery, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.channels.delivery import SentMessage
from bot.channels.telegram import groups
from bot.channels.telegram.ptb import retry_after_seconds
from bot.channels.telegram.render import TelegramMessage, render
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import OutboundMessage
from bot.storage.types import clip

log = logging.getLogger(__name__)

T = TypeVar("T")

# Network errors: tries, and the first pause (doubled each time).
SEND_ATTEMPTS = 4
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 60.0
# Show "typing…" when the engine takes longer than this; Telegram shows it for 5 s.
TYPING_AFTER = 0.5
TYPING_REFRESH = 4.5
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Sender:
    """Send to Telegram chats and record every message; a chat that is gone is opted out."""

    def __init__(
        self, bot: ExtBot[int], database: DatabaseEngine, *, typing_after: float = TYPING_AFTER
    ) -> None:
        self._bot = bot
        self._database = database
        self._typing_after = typing_after

    async def deliver(
        self,
        chat_id: int,
        replies: Sequence[Outgoing],
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        answering: bool = True,
    ) -> None:
        """Send replies in order and record them; a blocked chat is marked opted out."""
        if not replies:
            return
        first_id = chat_id
        sent: list[SentMessage] = []
        gone = False
        for message in (part for reply in replies for part in render(reply)):
            try:
                result = await self.send_message(
                    chat_id, message, reply_to=reply_to, thread_id=thread_id
                )
            except Forbidden as error:
                log.info("Telegram chat %s is gone: %s", chat_id, error)
                sent.append(failure(error))
                gone = True
                break
            except TelegramError as error:
                log.warning("Telegram refused a message to chat %s: %s", chat_id, error)
                sent.append(failure(error))
                continue
            # The chat id changes when a group turned into a supergroup on the way.
            chat_id, reply_to = result.chat.id, None
            sent.append(SentMessage(DeliveryStatus.SENT, f"{result.chat.id}:{result.message_id}"))
        if chat_id != first_id:
            log.info("Telegram chat %s is now %s", first_id, chat_id)
        if not sent:
            return
        await self.record(str(chat_id), sent, answering=answering and not gone, gone=gone)

    async def deliver_document(
        self, chat_id: int, data: bytes, *, filename: str, caption: str
    ) -> None:
        """Send a file in answer to a message, and record it."""
        bot = self._bot
        try:
            sent = await retrying(
                lambda: bot.send_document(chat_id, data, filename=filename, caption=caption)
            )
        except TelegramError as error:
            log.warning("could not send %s to Telegram chat %s: %s", filename, chat_id, error)
            delivery = failure(error)
        else:
            delivery = SentMessage(DeliveryStatus.SENT, f"{sent.chat.id}:{sent.message_id}")
        await self.record(str(chat_id), [delivery], answering=True, gone=False)

    async def with_typing(self, chat_id: int, thread_id: int | None, work: Callable[[], T]) -> T:
        """Run blocking work in a thread, showing "typing…" if it takes a while."""
        task = asyncio.ensure_future(asyncio.to_thread(work))
        timeout = self._typing_after
        while True:
            done, _pending = await asyncio.wait({task}, timeout=timeout)
            if done:
                return task.result()
            await self._typing(chat_id, thread_id)
            timeout = TYPING_REFRESH

    async def _typing(self, chat_id: int, thread_id: int | None) -> None:
        try:
            await self._bot.send_chat_action(
                chat_id, ChatAction.TYPING, message_thread_id=thread_id
            )
        except TelegramError as error:
            log.debug("no typing indicator in Telegram chat %s: %s", chat_id, error)

    async def send_message(
        self,
        chat_id: int,
        message: TelegramMessage,
        *,
        reply_to: int | None,
        thread_id: int | None,
    ) -> Message:
        """Send one message, retried on network errors, following a group to its supergroup."""
        bot = self._bot
        reply = (
            ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        )

        def send(target: int) -> Awaitable[Message]:
            return bot.send_message(
                target,
                message.text,
                reply_markup=message.keyboard,
                reply_parameters=reply,
                message_thread_id=thread_id,
                link_preview_options=NO_PREVIEW,
            )

        try:
            return await retrying(lambda: send(chat_id))
        except ChatMigrated as migrated:
            new_id = migrated.new_chat_id
            await asyncio.to_thread(self._move, str(chat_id), str(new_id))
            return await retrying(lambda: send(new_id))

    async def record(
        self, address: str, sent: list[SentMessage], *, answering: bool, gone: bool
    ) -> None:
        """Record sent and refused messages; opt a chat that is gone out, one that wrote back in."""
        await asyncio.to_thread(self._record, address, sent, answering=answering, gone=gone)

    def _record(
        self, address: str, sent: list[SentMessage], *, answering: bool, gone: bool
    ) -> None:
        with new_session(self._database) as session:
            self.write_record(session, address, sent, answering=answering, gone=gone)
            session.commit()

    @staticmethod
    def write_record(
        session: Session, address: str, sent: list[SentMessage], *, answering: bool, gone: bool
    ) -> None:
        """Write what `record` records, in the caller's transaction."""
        # The text is not kept: replies can hold the person's data (the summary of a
        # pre-registration), which must go when they ask for it to be deleted.
        deliveries.record_deliveries(
            session,
            channel=Channel.TELEGRAM,
            address=address,
            sent=sent,
        )
        if gone:
            deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address=address)
        elif answering:
            # They wrote again: they can be reached again.
            deliveries.reachable_again(session, channel=Channel.TELEGRAM, address=address)

    def _move(self, old_address: str, new_address: str) -> None:
        with new_session(self._database) as session:
            groups.move_group(session, old_address=old_address, new_address=new_address)
            session.commit()


async def retrying(call: Callable[[], Awaitable[T]], *, attempts: int | None = SEND_ATTEMPTS) -> T:
    """Call the Bot API, waiting and trying again on network errors (`None`: forever).

    A timeout may hide a message that did arrive: a rare duplicate is better than a lost
    answer. 429 is handled by the rate limiter; Telegram's refusals (4xx) are not retried.
    """
    attempt = 0
    delay = FIRST_BACKOFF
    while True:
        try:
            return await call()
        except BadRequest:
            raise
        except RetryAfter as error:
            # Only reached once the rate limiter has used up its own retries.
            pause = retry_after_seconds(error)
            failed: TelegramError = error
        except NetworkError as error:
            pause = delay
            delay = min(delay * 2, MAX_BACKOFF)
            failed = error
        attempt += 1
        if attempts is not None and attempt >= attempts:
            # Out of the except block: a bare `raise` would have nothing to raise.
            raise failed
        log.warning("Telegram unreachable (%s): trying again in %.1f s", failed, pause)
        await asyncio.sleep(pause)


async def answer(query: CallbackQuery) -> None:
    """Tell the client a button press was received, so it stops showing a spinner."""
    try:
        await query.answer()
    except TelegramError as error:
        # Too old, or already answered (a retried update): the client has stopped waiting.
        log.debug("callback query %s not answered: %s", query.id, error)


def failure(error: TelegramError) -> SentMessage:
    """Describe a message Telegram refused, as it is recorded."""
    code = {Forbidden: "403", RetryAfter: "429", BadRequest: "400", Conflict: "409"}
    error_code = next((value for kind, value in code.items() if isinstance(error, kind)), None)
    return SentMessage(
        DeliveryStatus.FAILED,
        error_code=error_code or clip(OutboundMessage, "error_code", type(error).__name__),
        error_reason=str(error),
    )
