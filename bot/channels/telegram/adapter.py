"""The Telegram channel: python-telegram-bot as the transport, the engine behind it.

Webhook mode when RELAIS_TELEGRAM_WEBHOOK_SECRET is set (updates arrive on
POST /webhooks/telegram, inside the same ASGI app as the rest), long polling otherwise. Either
way updates go through one PTB Application: updates of different chats are handled at once,
those of one chat in order; the synchronous engine runs in worker threads.
"""

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommandScopeChat,
    CallbackQuery,
    Chat,
    ChatMember,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.base import Runtime
from bot.channels.delivery import SentMessage
from bot.channels.keyed_locks import KeyedLocks
from bot.channels.telegram import groups
from bot.channels.telegram.broadcast import Broadcasts, is_broadcast_button, parse_button
from bot.channels.telegram.commands import (
    GREETING,
    STAFF_COMMANDS,
    WORD_COMMANDS,
    command_list,
    command_name,
    deep_link,
)
from bot.channels.telegram.ptb import retry_after_seconds, use_timedelta_periods
from bot.channels.telegram.render import MAX_TEXT, TelegramMessage, render, telegram_length
from bot.channels.telegram.reports import (
    campaigns_text,
    events_text,
    export_csv,
    latest_text,
    stats_text,
)
from bot.core import i18n
from bot.core.i18n import Translator, _
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel, DeliveryStatus, Locale
from bot.services.stats import collect_stats, latest_registrations
from bot.settings import SettingsError
from bot.storage import contacts, deliveries
from bot.storage.database import new_session

log = logging.getLogger(__name__)

T = TypeVar("T")

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
# Telegram's updates are a few kilobytes; anything much larger is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024
# Updates waiting for their chat's previous one also hold a slot: keep plenty, the thread
# pool bounds the real work.
MAX_CONCURRENT_UPDATES = 256
# Network errors: tries, and the first pause (doubled each time).
SEND_ATTEMPTS = 4
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 60.0
# 429 Too Many Requests: PTB's limiter waits `retry_after` and tries again this many times.
RETRY_AFTER_RETRIES = 3
# Show "typing…" when the engine takes longer than this; Telegram shows it for 5 s.
TYPING_AFTER = 0.5
TYPING_REFRESH = 4.5
LATEST_REGISTRATIONS = 10
# Telegram posts as this account when a group administrator writes anonymously.
ANONYMOUS_ADMIN_ID = 1087968824
GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = ContextTypes.DEFAULT_TYPE


class TelegramChannel:
    """The Telegram front door, as a ChannelAdapter of the web server."""

    def __init__(self, relais: Runtime, *, typing_after: float = TYPING_AFTER) -> None:
        settings = relais.settings
        settings.check()
        token = settings.secret("telegram_token")
        if token is None:
            msg = "the Telegram channel needs RELAIS_TELEGRAM_TOKEN"
            raise SettingsError(msg)
        self._relais = relais
        self._catalogues = relais.engine.services.catalogues
        self._default_locale = settings.default_locale
        self._secret = settings.secret("telegram_webhook_secret")
        self._staff = frozenset(settings.staff_telegram_ids)
        self._broadcasts = Broadcasts(relais)
        self._typing_after = typing_after
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
        self._add_handlers()
        self._bootstrap_task: asyncio.Task[None] | None = None
        self._ready = False
        # httpx logs every request URL at INFO, and Bot API URLs carry the token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        use_timedelta_periods()

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
        return self._processor.handled

    def routes(self) -> list[BaseRoute]:
        """Return the webhook route in webhook mode; polling needs none."""
        if self._secret is None:
            return []
        return [Route(WEBHOOK_PATH, self._receive, methods=["POST"])]

    async def start(self) -> None:
        """Connect to Telegram in the background, so the server is up even if Telegram is not."""
        self._bootstrap_task = asyncio.create_task(self._bootstrap(), name="telegram-bootstrap")

    async def stop(self) -> None:
        """Finish the updates already received, then disconnect."""
        if self._bootstrap_task is not None:
            self._bootstrap_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._bootstrap_task
            self._bootstrap_task = None
        self._ready = False
        application = self._application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        # A start-up that failed half-way (a refused token) leaves the bot's HTTP client open
        # without the Application knowing it.
        await application.bot.shutdown()

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
        await _retrying(application.initialize, attempts=None)
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
            await _retrying(
                lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            )
        except TelegramError as error:
            log.error("Telegram refused the webhook %s: %s", url, error)
            return
        log.info("Telegram: @%s receives updates at %s", bot.username, url)

    async def _register_commands(self) -> None:
        bot = self._application.bot
        default = self._default_locale
        languages: list[tuple[Locale, str | None]] = [(default, None)]
        languages += [(locale, locale.value) for locale in Locale if locale is not default]
        for locale, language_code in languages:
            with i18n.using(self._catalogues.translator(locale)):
                commands = command_list(locale)
            try:
                await bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as error:
                log.warning("Telegram refused the %s command list: %s", locale.value, error)
        with i18n.using(self._catalogues.translator(default)):
            staff_commands = command_list(default, staff=True)
        for staff_id in sorted(self._staff):
            try:
                await bot.set_my_commands(staff_commands, scope=BotCommandScopeChat(staff_id))
            except TelegramError as error:
                # Telegram knows a chat only once the person has written to the bot.
                log.warning("no staff commands for Telegram user %s yet: %s", staff_id, error)

    # Webhook

    async def _receive(self, request: Request) -> Response:
        assert self._secret is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), self._secret.encode()):
            client = request.client.host if request.client else "?"
            log.warning("Telegram webhook: wrong or missing secret token (from %s)", client)
            return _error("wrong secret token", 403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
            return _error("update too large", 413)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return _error("update too large", 413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error("the body must be a JSON update", 400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _error("the body must be a JSON update", 400)
        if not self._ready:
            # Telegram tries again later.
            return _error("starting up", 503)
        try:
            update = Update.de_json(data, self._application.bot)
        except (AttributeError, KeyError, TypeError, ValueError):
            log.warning("Telegram webhook: unreadable update %s", data.get("update_id"))
            return _error("unreadable update", 400)
        await self._application.update_queue.put(update)
        return Response(status_code=200)

    # Handlers

    def _add_handlers(self) -> None:
        application = self._application
        new_messages = filters.UpdateType.MESSAGE
        application.add_handlers(
            [
                ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
                MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migration),
                CallbackQueryHandler(self._on_button),
                MessageHandler(filters.UpdateType.EDITED_MESSAGE, self._on_edited),
                CommandHandler("start", self._on_start, filters=new_messages),
                CommandHandler(list(WORD_COMMANDS), self._on_word, filters=new_messages),
                CommandHandler(list(STAFF_COMMANDS), self._on_staff, filters=new_messages),
                MessageHandler(new_messages & (filters.TEXT | filters.CAPTION), self._on_text),
                MessageHandler(
                    new_messages & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
                    self._on_unreadable,
                ),
            ]
        )
        application.add_error_handler(self._on_error)

    async def _on_text(self, update: Update, context: Context) -> None:
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or chat is None or not _from_a_person(user):
            return
        text = message.text or message.caption or ""
        username = self._application.bot.username
        if text.startswith("/"):
            # A command the bot has no handler for: "/preinscription" still means something.
            name, addressee, rest = command_name(text)
            if addressee is not None and addressee.casefold() != username.casefold():
                return
            if chat.type in GROUP_CHATS and addressee is None:
                return
            await self._converse(update, text=f"{name} {rest}".strip())
            return
        if chat.type == ChatType.PRIVATE:
            await self._converse(update, text=text)
        elif chat.type in GROUP_CHATS:
            addressed = groups.addressed_text(
                message, username=username, bot_id=self._application.bot.id
            )
            if addressed is not None:
                await self._converse(update, text=addressed or GREETING)

    async def _on_start(self, update: Update, context: Context) -> None:
        if not _from_a_person(update.effective_user):
            return
        payload = deep_link(context.args[0]) if context.args else None
        if payload is not None:
            await self._converse(update, payload=payload)
        else:
            await self._converse(update, text=GREETING)

    async def _on_word(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None or not _from_a_person(update.effective_user):
            return
        name, _addressee, _rest = command_name(message.text)
        await self._converse(update, text=WORD_COMMANDS[name])

    async def _on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None:
            return
        if chat is None or not query.data:
            await _answer(query)
            return
        if is_broadcast_button(query.data):
            await asyncio.gather(_answer(query), self._on_broadcast_button(update, query.data))
            return
        # Answered at once so the client stops spinning; the choice is shown in place.
        await asyncio.gather(
            _answer(query),
            _show_choice(query),
            self._converse(update, payload=query.data),
        )

    async def _on_edited(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        await self._notice(
            update,
            lambda: _(
                "Vous avez modifié un message : je ne lis que les nouveaux messages. "
                "Envoyez-le à nouveau si besoin."
            ),
        )

    async def _on_unreadable(self, update: Update, context: Context) -> None:
        await self._notice(
            update,
            lambda: _(
                "Je ne lis que les messages écrits. Écrivez votre question avec vos mots, "
                "ou /menu pour voir ce que je sais faire."
            ),
        )

    async def _on_membership(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        address = str(chat.id)
        joined = _is_member(change.new_chat_member)
        was_member = _is_member(change.old_chat_member)
        if chat.type == ChatType.PRIVATE:
            # "kicked" in a private chat: the person blocked the bot; "member": unblocked it.
            await self._once(update, _mark_gone(address) if not joined else _mark_back(address))
            log.info("Telegram user %s %s the bot", address, "unblocked" if joined else "blocked")
            return
        if chat.type not in GROUP_CHATS:
            return
        if joined and not was_member:
            hint = change.from_user.language_code if change.from_user else None
            recorded = await self._once(
                update,
                lambda session: groups.record_group(
                    session, address=address, title=chat.title, locale_hint=hint
                ),
            )
            if recorded is None:
                return
            log.info("Telegram group %s (%s) added the bot", address, chat.title)
            with i18n.using(self._translator(hint)):
                welcome = groups.group_welcome(
                    directorate=self._relais.engine.services.pack.country.directorate.acronym,
                    username=self._application.bot.username,
                )
            await self._deliver(chat.id, [Outgoing(welcome)])
        elif was_member and not joined:
            await self._once(update, _mark_gone(address))
            log.info("Telegram group %s (%s) removed the bot", address, chat.title)

    async def _on_migration(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        moved = await self._once(
            update,
            lambda session: groups.move_group(session, old_address=str(old), new_address=str(new)),
        )
        if moved:
            log.info("Telegram group %s became supergroup %s", old, new)

    async def _on_staff(self, update: Update, context: Context) -> None:
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or message.text is None or chat is None or user is None:
            return
        name, _addressee, _rest = command_name(message.text)
        translator = self._translator(user.language_code)
        if user.id not in self._staff:
            log.info("refused /%s to Telegram user %s", name, user.id)
            with i18n.using(translator):
                text = _(
                    "Désolé, cette commande est réservée aux agents de la {directorate}. "
                    "Écrivez /menu pour voir ce que je peux faire pour vous."
                ).format(directorate=self._relais.engine.services.pack.country.directorate.acronym)
            await self._deliver(chat.id, [Outgoing(text)])
            return
        if chat.type != ChatType.PRIVATE:
            with i18n.using(translator):
                text = _("Cette commande ne marche qu'en conversation privée avec moi.")
            await self._deliver(chat.id, [Outgoing(text)])
            return
        if await self._once(update, _noop) is None:
            return
        log.info("staff command /%s from Telegram user %s", name, user.id)
        if name == "diffusion":
            text = message.text.partition(" ")[2]
            with i18n.using(translator):
                reply = await asyncio.to_thread(self._broadcasts.compose, text)
            await self._deliver(chat.id, [reply])
            return
        if name == "export":
            await self._send_export(chat, translator)
            return
        database = self._relais.database
        if name == "stats":
            stats = await asyncio.to_thread(collect_stats, database)
            with i18n.using(translator):
                text = stats_text(stats, translator)
        elif name in ("campagnes", "evenements"):
            describe = campaigns_text if name == "campagnes" else events_text

            def staff_list() -> str:
                with i18n.using(translator):
                    return describe(database, translator)

            text = await asyncio.to_thread(staff_list)
        else:
            latest = await asyncio.to_thread(
                latest_registrations, database, limit=LATEST_REGISTRATIONS
            )
            with i18n.using(translator):
                text = latest_text(latest, translator)
        await self._deliver(chat.id, [Outgoing(text)])

    async def _on_broadcast_button(self, update: Update, data: str) -> None:
        chat, user = update.effective_chat, update.effective_user
        step = parse_button(data)
        if chat is None or user is None or user.id not in self._staff or step is None:
            return
        if await self._once(update, _noop) is None:
            return
        campaign_id, action = step
        translator = self._translator(user.language_code)
        with i18n.using(translator):
            if action == "cancel":
                reply = await asyncio.to_thread(self._broadcasts.cancel, campaign_id)
            elif action == "send":

                async def report(text: str) -> None:
                    await self._deliver(chat.id, [Outgoing(text)])

                await self._deliver(chat.id, [Outgoing(_("Envoi commencé…"))])
                reply = await self._broadcasts.send(campaign_id, report)
            else:
                reply = await asyncio.to_thread(self._broadcasts.choose, campaign_id, action)
        await self._deliver(chat.id, [reply])

    async def _send_export(self, chat: Chat, translator: Translator) -> None:
        data, count = await asyncio.to_thread(export_csv, self._relais.database)
        with i18n.using(translator):
            caption = i18n.ngettext(
                "{count} pré-inscription", "{count} pré-inscriptions", count
            ).format(count=translator.format_number(count))
        filename = f"inscriptions-{date.today().isoformat()}.csv"
        bot = self._application.bot
        try:
            sent = await _retrying(
                lambda: bot.send_document(chat.id, data, filename=filename, caption=caption)
            )
        except TelegramError as error:
            log.warning("could not send the export to Telegram chat %s: %s", chat.id, error)
            delivery = _failure(error)
        else:
            delivery = SentMessage(DeliveryStatus.SENT, f"{sent.chat.id}:{sent.message_id}")
        await asyncio.to_thread(self._record, str(chat.id), [delivery], answering=True, gone=False)

    async def _on_error(self, update: object, context: Context) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("Telegram update %s failed", update_id, exc_info=context.error)

    # Conversations

    async def _converse(
        self, update: Update, *, text: str = "", payload: str | None = None
    ) -> None:
        chat, user, message = update.effective_chat, update.effective_user, update.message
        if chat is None:
            return
        in_group = chat.type in GROUP_CHATS
        incoming = Incoming(
            channel=Channel.TELEGRAM,
            sender=str(chat.id),
            text=text,
            payload=payload,
            locale_hint=user.language_code if user else None,
            message_id=str(update.update_id),
            # In a group the conversation is the group's: no member's name is its name.
            profile_name=None if in_group or user is None else user.full_name,
        )
        thread_id = message.message_thread_id if message and message.is_topic_message else None
        try:
            replies = await self._with_typing(
                chat.id,
                thread_id,
                lambda: self._handle(incoming, group_title=chat.title, in_group=in_group),
            )
        except Exception:
            # Nothing was saved (the turn is one transaction): say so rather than stay silent.
            log.exception("Telegram update %s: the engine failed", update.update_id)
            with i18n.using(self._translator(incoming.locale_hint)):
                replies = [
                    Outgoing(
                        _(
                            "Désolé, un problème technique m'empêche de répondre. "
                            "Réessayez dans un moment."
                        )
                    )
                ]
        # In a busy group, answer in reply to the message that asked.
        reply_to = message.message_id if in_group and message is not None else None
        await self._deliver(chat.id, replies, reply_to=reply_to, thread_id=thread_id)

    def _handle(
        self, incoming: Incoming, *, group_title: str | None, in_group: bool
    ) -> list[Outgoing]:
        if in_group:
            with new_session(self._relais.database) as session:
                groups.ensure_group(session, address=incoming.sender, title=group_title)
                session.commit()
        return self._relais.engine.handle(incoming)

    async def _with_typing(self, chat_id: int, thread_id: int | None, work: Callable[[], T]) -> T:
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
            await self._application.bot.send_chat_action(
                chat_id, ChatAction.TYPING, message_thread_id=thread_id
            )
        except TelegramError as error:
            log.debug("no typing indicator in Telegram chat %s: %s", chat_id, error)

    async def _notice(self, update: Update, text: Callable[[], str]) -> None:
        """Say something short of the channel's own, once per update, in the contact's language."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        hint = user.language_code if user else None
        address = str(chat.id)
        chosen = await self._once(
            update,
            lambda session: _chosen_locale(session, address=address),
        )
        if chosen is None:
            return
        with i18n.using(self._translator(chosen[0] or hint)):
            notice = text()
        await self._deliver(chat.id, [Outgoing(notice)])

    async def send(self, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Send messages the person did not ask for (reminders, campaigns).

        Rate-limited and recorded like replies; a chat that blocked the bot or removed it is
        marked opted out.
        """
        await self._deliver(chat_id, messages, answering=False)

    async def _deliver(
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
                result = await self._send(chat_id, message, reply_to=reply_to, thread_id=thread_id)
            except Forbidden as error:
                log.info("Telegram chat %s is gone: %s", chat_id, error)
                sent.append(_failure(error))
                gone = True
                break
            except TelegramError as error:
                log.warning("Telegram refused a message to chat %s: %s", chat_id, error)
                sent.append(_failure(error))
                continue
            # The chat id changes when a group turned into a supergroup on the way.
            chat_id, reply_to = result.chat.id, None
            sent.append(SentMessage(DeliveryStatus.SENT, f"{result.chat.id}:{result.message_id}"))
        if chat_id != first_id:
            log.info("Telegram chat %s is now %s", first_id, chat_id)
        if not sent:
            return
        await asyncio.to_thread(
            self._record, str(chat_id), sent, answering=answering and not gone, gone=gone
        )

    async def _send(
        self,
        chat_id: int,
        message: TelegramMessage,
        *,
        reply_to: int | None,
        thread_id: int | None,
    ) -> Message:
        bot = self._application.bot
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
            return await _retrying(lambda: send(chat_id))
        except ChatMigrated as migrated:
            new_id = migrated.new_chat_id
            await asyncio.to_thread(self._move, str(chat_id), str(new_id))
            return await _retrying(lambda: send(new_id))

    # Database work, run in threads

    async def _once(self, update: Update, action: Callable[[Session], T]) -> T | None:
        """Run `action` in a transaction unless this update was already handled; else None."""

        def run() -> T | None:
            with new_session(self._relais.database) as session:
                if not contacts.claim_message(
                    session, channel=Channel.TELEGRAM, message_id=str(update.update_id)
                ):
                    log.info("duplicate Telegram update %s ignored", update.update_id)
                    return None
                result = action(session)
                session.commit()
                return result

        return await asyncio.to_thread(run)

    def _record(
        self, address: str, sent: list[SentMessage], *, answering: bool, gone: bool
    ) -> None:
        with new_session(self._relais.database) as session:
            contact = contacts.find_contact(session, channel=Channel.TELEGRAM, address=address)
            contact_id = contact.id if contact is not None else None
            for delivery in sent:
                # The text is not kept: replies can hold the person's data (the summary of a
                # pre-registration), which must go when they ask for it to be deleted.
                deliveries.record_outbound(
                    session,
                    channel=Channel.TELEGRAM,
                    contact_id=contact_id,
                    text=None,
                    status=delivery.status,
                    provider_id=delivery.provider_id,
                    error_code=delivery.error_code,
                    error_reason=delivery.error_reason,
                )
            if gone:
                deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address=address)
            elif answering and contact is not None and contact.opted_out_at is not None:
                # They wrote again: they can be reached again.
                deliveries.clear_opt_out(session, contact_id=contact.id or 0)
            session.commit()

    def _move(self, old_address: str, new_address: str) -> None:
        with new_session(self._relais.database) as session:
            groups.move_group(session, old_address=old_address, new_address=new_address)
            session.commit()

    def _translator(self, hint: str | None) -> Translator:
        return self._catalogues.translator(i18n.parse_locale(hint) or self._default_locale)


class _ChatOrderedProcessor(BaseUpdateProcessor):
    """Handle updates of different chats at once, and those of one chat one after the other.

    A person who types two answers quickly must have them read in order: the engine's own
    lock serialises them but does not keep their order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = KeyedLocks()
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


async def _retrying(call: Callable[[], Awaitable[T]], *, attempts: int | None = SEND_ATTEMPTS) -> T:
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
            error_text = str(error)
        except NetworkError as error:
            pause = delay
            delay = min(delay * 2, MAX_BACKOFF)
            error_text = str(error)
        attempt += 1
        if attempts is not None and attempt >= attempts:
            raise
        log.warning("Telegram unreachable (%s): trying again in %.1f s", error_text, pause)
        await asyncio.sleep(pause)


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as error:
        # Too old, or already answered (a retried update): the client has stopped waiting.
        log.debug("callback query %s not answered: %s", query.id, error)


async def _show_choice(query: CallbackQuery) -> None:
    """Write the chosen button under its question and remove the keyboard."""
    message = query.message
    if not isinstance(message, Message) or not message.text or message.reply_markup is None:
        return
    label = next(
        (
            button.text
            for row in message.reply_markup.inline_keyboard
            for button in row
            if button.callback_data == query.data
        ),
        None,
    )
    if label is None:
        return
    text = f"{message.text}\n\n✓ {label}"
    try:
        if telegram_length(text) <= MAX_TEXT:
            await message.edit_text(text, link_preview_options=NO_PREVIEW)
        else:
            await message.edit_reply_markup(None)
    except TelegramError as error:
        log.debug("pressed button not shown in chat %s: %s", message.chat.id, error)


def _is_member(member: ChatMember) -> bool:
    if member.status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.OWNER,
    ):
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(
        getattr(member, "is_member", False)
    )


def _from_a_person(user: User | None) -> bool:
    """Tell whether a message comes from a person (other bots could start a loop)."""
    return user is None or not user.is_bot or user.id == ANONYMOUS_ADMIN_ID


def _mark_gone(address: str) -> Callable[[Session], bool]:
    return lambda session: deliveries.mark_opted_out(
        session, channel=Channel.TELEGRAM, address=address
    )


def _mark_back(address: str) -> Callable[[Session], bool]:
    def clear(session: Session) -> bool:
        contact = contacts.find_contact(session, channel=Channel.TELEGRAM, address=address)
        if contact is None or contact.id is None:
            return False
        deliveries.clear_opt_out(session, contact_id=contact.id)
        return True

    return clear


def _noop(session: Session) -> bool:
    return True


def _chosen_locale(session: Session, *, address: str) -> tuple[str | None]:
    contact = contacts.find_contact(session, channel=Channel.TELEGRAM, address=address)
    return (contact.locale if contact is not None else None,)


def _failure(error: TelegramError) -> SentMessage:
    code = {Forbidden: "403", RetryAfter: "429", BadRequest: "400", Conflict: "409"}
    error_code = next((value for kind, value in code.items() if isinstance(error, kind)), None)
    return SentMessage(
        DeliveryStatus.FAILED,
        error_code=error_code or type(error).__name__[:16],
        error_reason=str(error),
    )


def _polling_error(error: TelegramError) -> None:
    if isinstance(error, Conflict):
        log.error("another process is polling with this token: %s", error)
    else:
        log.warning("Telegram polling: %s (trying again)", error)


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)
