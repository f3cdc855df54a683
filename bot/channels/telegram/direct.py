"""The Telegram outbox sender of a process that is not the server (see bot/channels/direct.py)."""

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import Engine as DatabaseEngine
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.channels.queues import ReplySender, SendResult
from bot.channels.telegram.outbox import FIRST_RETRY, OutboxReplies
from bot.channels.telegram.ptb import use_timedelta_periods
from bot.channels.telegram.sending import Sender
from bot.domain import Channel
from bot.settings import Settings, SettingsError
from bot.storage.models import ReplyItem

# As the server's bot: Telegram's 429s are waited out this many times before the outbox's retry.
RETRY_AFTER_RETRIES = 3


@contextlib.asynccontextmanager
async def telegram_replies(
    settings: Settings, database: DatabaseEngine
) -> AsyncIterator[ReplySender]:
    """Yield a sender of Telegram outbox replies, with the server's limits; close it after."""
    token = settings.secret("telegram_token")
    if token is None:
        msg = "the Telegram channel needs RELAIS_TELEGRAM_TOKEN"
        raise SettingsError(msg)
    use_timedelta_periods()
    bot: ExtBot[int] = ExtBot(
        token,
        base_url=settings.telegram_api_url,
        rate_limiter=AIORateLimiter(
            overall_max_rate=settings.telegram_rate,
            overall_time_period=1,
            max_retries=RETRY_AFTER_RETRIES,
        ),
    )
    outbox = OutboxReplies(Sender(bot, database))
    started = False

    async def send(item: ReplyItem) -> SendResult:
        nonlocal started
        if not started:
            try:
                await bot.initialize()
            except TelegramError as error:
                # Telegram unreachable: the reply waits in the outbox like any other.
                return SendResult.later(FIRST_RETRY, f"{type(error).__name__}: {error}")
            started = True
        return await outbox.send(item)

    try:
        yield ReplySender(database, Channel.TELEGRAM, send, concurrency=1)
    finally:
        if started:
            await bot.shutdown()
