"""The Telegram channel as the web server runs it: the PTB Application, its start and stop.

Webhook mode when RELAIS_TELEGRAM_WEBHOOK_SECRET is set: updates arrive on
POST /webhooks/telegram, inside the same ASGI app as the rest, and are written to the inbox
before Telegram gets its 200 (webhook.py); an `InboxWorker` hands them to the Application,
those of one chat in order, and resumes after a restart. Long polling otherwise: PTB's
updater fetches the updates, held in memory until handled (Telegram forgets an update once
the next getUpdates confirms it, so a crash can lose the few fetched and not yet handled).
Either way the engine's replies are committed with the turn and a `ReplySender` sends them
(outbox.py). What the updates do is in handlers.py (people), staff.py and broadcast.py (the
staff); sending.py sends.
"""

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from contextlib import suppress
from typing import Any

from starlette.routing import BaseRoute, Route
from telegram import BotCommandScopeChat, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor, ContextTypes

from bot.channels.base import Runtime
from bot.channels.queues import InboxWorker, ReplySender
from bot.channels.telegram.broadcast import BroadcastFlow
from bot.channels.telegram.commands import command_list
from bot.channels.telegram.handlers import Conversations
from bot.channels.telegram.outbox import OutboxReplies
from bot.channels.telegram.ptb import use_timedelta_periods
from bot.channels.telegram.sending import TYPING_AFTER, Sender, retrying
from bot.channels.telegram.staff import StaffCommands
from bot.channels.telegram.toolkit import Toolkit
from bot.channels.telegram.webhook import SECRET_HEADER, Webhook
from bot.core import i18n
from bot.core.messages import Outgoing
from bot.domain import Channel, Locale
from bot.locks import TaskLocks
from bot.settings import SettingsError
from bot.storage import exclusive, inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem

log = logging.getLogger(__name__)

__all__ = ["SECRET_HEADER", "WEBHOOK_PATH", "TelegramChannel"]

WEBHOOK_PATH = "/webhooks/telegram"
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
# Polling: updates waiting for their chat's previous one also hold a slot: keep plenty, the
# thread pool bounds the real work.
MAX_CONCURRENT_UPDATES = 256
# Webhook: updates of this many chats handled at once. The engine's turns hold the GIL and
# the database's write lock: more tasks only wait on each other.
INBOX_CONCURRENCY = 4
# Replies to this many chats sent at once: each waits a round trip to Telegram (the rate
# limiter spaces them).
REPLY_CONCURRENCY = 8
# 429 Too Many Requests: PTB's limiter waits `retry_after` and tries again this many times.
RETRY_AFTER_RETRIES = 3
DRAIN_STEP = 0.02
POLLING_TAKEN = (
    "another relais process already polls Telegram for updates with this token "
    "(RELAIS_TELEGRAM_TOKEN) on this database: run only one, or set "
    "RELAIS_TELEGRAM_WEBHOOK_SECRET and RELAIS_PUBLIC_URL (webhook mode) to share the updates "
    "between processes"
)

Context = ContextTypes.DEFAULT_TYPE


class TelegramChannel:
    """The Telegram front door, as a ChannelAdapter of the web server."""

    def __init__(self, runtime: Runtime, *, typing_after: float = TYPING_AFTER) -> None:
        settings = runtime.settings
        settings.check()
        token = settings.secret("telegram_token")
        if token is None:
            msg = "the Telegram channel needs RELAIS_TELEGRAM_TOKEN"
            raise SettingsError(msg)
        use_timedelta_periods()
        self._relais = runtime
        self._secret = settings.secret("telegram_webhook_secret")
        self._processor = _ChatOrderedProcessor(MAX_CONCURRENT_UPDATES)
        builder = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_api_url)
            .rate_limiter(
                AIORateLimiter(
                    overall_max_rate=settings.telegram_rate,
                    overall_time_period=1,
                    max_retries=RETRY_AFTER_RETRIES,
                )
            )
            .concurrent_updates(self._processor)
            .job_queue(None)
        )
        if self._secret:
            builder = builder.updater(None)
        self._application = builder.build()
        bot = self._application.bot
        database = runtime.database
        self._sender = Sender(bot, database, typing_after=typing_after)
        self._replies = ReplySender(
            database,
            Channel.TELEGRAM,
            OutboxReplies(self._sender).send,
            concurrency=REPLY_CONCURRENCY,
        )
        self._inbox = InboxWorker(
            database, Channel.TELEGRAM, self._handle_item, concurrency=INBOX_CONCURRENCY
        )
        self._webhook = (
            Webhook(
                database,
                secret=self._secret,
                bot=bot,
                ready=lambda: self._ready,
                worker=self._inbox,
            )
            if self._secret
            else None
        )
        kit = Toolkit(runtime, self._sender, replies=self._replies)
        self._staff = kit.staff
        broadcasts = BroadcastFlow(kit)
        conversations = Conversations(kit, bot)
        self._log_error = conversations.on_error
        # One group, tried in order: the broadcast buttons before the others, the staff's
        # commands before the text handler would read them as words.
        self._application.add_handlers(
            [
                broadcasts.handler(),
                *StaffCommands(kit, broadcasts).handlers(),
                *conversations.handlers(),
            ]
        )
        self._application.add_error_handler(self._on_error)
        self._bootstrap_task: asyncio.Task[None] | None = None
        self._ready = False
        self._from_inbox = 0
        # The updates of the inbox being handled, with the error their handler raised.
        self._handling: dict[int, BaseException | None] = {}
        # httpx logs every request URL at INFO, and Bot API URLs carry the token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # Telegram hands each update to one getUpdates caller: a second poller steals updates
        # from the first (both fail with "Conflict" in turn). Refuse to be that second one.
        self._poller: exclusive.Held | None = None
        if self._secret is None:
            self._poller = exclusive.hold(database, f"telegram-polling:{token}")
            if self._poller is None:
                raise SettingsError(POLLING_TAKEN)

    @property
    def webhook_mode(self) -> bool:
        """Tell whether updates arrive by webhook (else by long polling)."""
        return self._secret is not None

    @property
    def ready(self) -> bool:
        """Tell whether the bot is connected and updates are being handled."""
        return self._ready

    @property
    def updates_handled(self) -> int:
        """Return how many updates were handled (answered or deliberately ignored)."""
        return self._processor.handled + self._from_inbox

    def routes(self) -> list[BaseRoute]:
        """Return the webhook route in webhook mode; polling needs none."""
        if self._webhook is None:
            return []
        return [Route(WEBHOOK_PATH, self._webhook.receive, methods=["POST"])]

    async def start(self) -> None:
        """Connect to Telegram in the background, so the server is up even if Telegram is not."""
        self._bootstrap_task = asyncio.create_task(self._bootstrap(), name="telegram-bootstrap")

    async def stop(self) -> None:
        """Finish the updates and the sends under way, then disconnect.

        What is left in the inbox and the outbox is handled at the next start.
        """
        if self._bootstrap_task is not None:
            self._bootstrap_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._bootstrap_task
            self._bootstrap_task = None
        self._ready = False
        await self._inbox.stop()
        application = self._application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await self._replies.stop()
        await application.shutdown()
        # A start-up that failed half-way (a refused token) leaves the bot's HTTP client open
        # without the Application knowing it.
        await application.bot.shutdown()
        if self._poller is not None:
            self._poller.release()
            self._poller = None

    async def send(self, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Send messages the person did not ask for (reminders, campaigns).

        Rate-limited and recorded like replies; a chat that blocked the bot or removed it is
        marked opted out.
        """
        await self._sender.deliver(chat_id, messages, answering=False)

    async def drain(self) -> None:
        """Wait until every update received is handled and every reply sent."""
        # The work is in the database, done by tasks and threads (or other processes): look.
        while not await asyncio.to_thread(self._idle):  # noqa: ASYNC110
            await asyncio.sleep(DRAIN_STEP)

    def _idle(self) -> bool:
        # One transaction: a turn's replies are committed before its update is marked done.
        with new_session(self._relais.database) as session:
            return (
                inbox.backlog(session, channel=Channel.TELEGRAM) == 0
                and replies.pending_count(session, channel=Channel.TELEGRAM) == 0
            )

    # The inbox

    async def _handle_item(self, item: InboxItem) -> None:
        """Handle one update of the inbox; raise if its handler failed, to try it again."""
        bot = self._application.bot
        try:
            update = Update.de_json(item.body, bot)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # Checked by the webhook already: only a PTB upgrade could make it unreadable.
            log.info("Telegram update %s cannot be read, dropped: %s", item.message_id, error)
            return
        self._handling[update.update_id] = None
        try:
            await self._application.process_update(update)
        finally:
            failed = self._handling.pop(update.update_id, None)
            self._from_inbox += 1
        if failed is not None:
            raise failed

    async def _on_error(self, update: object, context: Context) -> None:
        """Keep the error of an inbox update for its worker; log the others."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id in self._handling and context.error is not None:
            self._handling[update_id] = context.error
            return
        await self._log_error(update, context)

    # Start-up

    async def _bootstrap(self) -> None:
        try:
            await self._connect()
        except InvalidToken:
            # PTB's message repeats the token: say what to do instead.
            log.error("Telegram refused the token: check RELAIS_TELEGRAM_TOKEN (from @BotFather)")
        except Exception:
            log.exception("the Telegram channel could not start")

    async def _connect(self) -> None:
        application = self._application
        await retrying(application.initialize, attempts=None)
        await application.start()
        bot = application.bot
        if application.updater is not None:
            # PTB deletes any webhook first: Telegram refuses getUpdates while one is set.
            await application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
                error_callback=_polling_error,
            )
            log.info("Telegram: @%s is polling for updates", bot.username)
        await self._replies.start()
        if self._webhook is not None:
            await self._inbox.start()
        self._ready = True
        if self._secret is not None:
            await self._register_webhook()
        await self._register_commands()

    async def _register_webhook(self) -> None:
        public_url = self._relais.settings.public_url
        if not public_url:
            log.warning(
                "Telegram webhook mode without RELAIS_PUBLIC_URL: the webhook is not registered "
                "(set it, or call setWebhook yourself with the secret token)"
            )
            return
        url = public_url.rstrip("/") + WEBHOOK_PATH
        secret = self._secret
        bot = self._application.bot
        try:
            await retrying(
                lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            )
        except TelegramError as error:
            log.error("Telegram refused the webhook %s: %s", url, error)
            return
        log.info("Telegram: @%s receives updates at %s", bot.username, url)

    async def _register_commands(self) -> None:
        bot = self._application.bot
        default = self._relais.settings.default_locale
        catalogues = self._relais.engine.services.catalogues
        languages: list[tuple[Locale, str | None]] = [(default, None)]
        languages += [(locale, locale.value) for locale in Locale if locale is not default]
        for locale, language_code in languages:
            with i18n.using(catalogues.translator(locale)):
                commands = command_list(locale)
            try:
                await bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as error:
                log.warning("Telegram refused the %s command list: %s", locale.value, error)
        with i18n.using(catalogues.translator(default)):
            staff_commands = command_list(default, staff=True)
        for staff_id in sorted(self._staff):
            try:
                await bot.set_my_commands(staff_commands, scope=BotCommandScopeChat(staff_id))
            except TelegramError as error:
                # Telegram knows a chat only once the person has written to the bot.
                log.warning("no staff commands for Telegram user %s yet: %s", staff_id, error)


class _ChatOrderedProcessor(BaseUpdateProcessor):
    """Handle updates of different chats at once, and those of one chat one after the other.

    A person who types two answers quickly must have them read in order: the engine's own
    lock serialises them but does not keep their order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = TaskLocks()
        self.handled = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update, then handle this one."""
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                await coroutine
            else:
                async with self._locks.hold(chat.id):
                    await coroutine
        finally:
            self.handled += 1

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _polling_error(error: TelegramError) -> None:
    if isinstance(error, Conflict):
        log.error("another process is polling with this token: %s", error)
    else:
        log.warning("Telegram polling: %s (trying again)", error)
