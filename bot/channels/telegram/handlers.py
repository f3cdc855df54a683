"""The conversation on Telegram: what people write or press, handed to the engine and answered.

The engine's replies are committed to the outbox with the turn and sent by the channel's
`ReplySender` (outbox.py); the short notices of the channel itself are sent at once.
"""

import asyncio
import logging
from collections.abc import Callable

from sqlmodel import Session
from telegram import CallbackQuery, ChatMember, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.channels.telegram import groups
from bot.channels.telegram.commands import GREETING, WORD_COMMANDS, command_name, deep_link
from bot.channels.telegram.outbox import reply_context
from bot.channels.telegram.render import MAX_TEXT, telegram_length
from bot.channels.telegram.sending import NO_PREVIEW, answer
from bot.channels.telegram.toolkit import Toolkit
from bot.core import i18n
from bot.core.i18n import _
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel
from bot.storage import contacts, deliveries
from bot.storage.database import new_session
from bot.storage.models import ReplyItem

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# Telegram posts as this account when a group administrator writes anonymously.
ANONYMOUS_ADMIN_ID = 1087968824
GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)


class Conversations:
    """The handlers of everything people send the bot, staff commands aside."""

    def __init__(self, kit: Toolkit, bot: ExtBot[int]) -> None:
        self._kit = kit
        self._bot = bot
        self._runtime = kit.runtime

    def handlers(self) -> list[BaseHandler[Update, Context, None]]:
        """Return the handlers in the order PTB must try them."""
        new_messages = filters.UpdateType.MESSAGE
        return [
            ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migration),
            CallbackQueryHandler(self._on_button),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, self._on_edited),
            CommandHandler("start", self._on_start, filters=new_messages),
            CommandHandler(list(WORD_COMMANDS), self._on_word, filters=new_messages),
            MessageHandler(new_messages & (filters.TEXT | filters.CAPTION), self._on_text),
            MessageHandler(
                new_messages & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
                self._on_unreadable,
            ),
        ]

    async def on_error(self, update: object, context: Context) -> None:
        """Log an update whose handler failed."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("Telegram update %s failed", update_id, exc_info=context.error)

    async def _on_text(self, update: Update, context: Context) -> None:
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or chat is None or not _from_a_person(user):
            return
        text = message.text or message.caption or ""
        username = self._bot.username
        if text.startswith("/"):
            # A command no handler took: one without its entity (typed in some clients, a
            # photo's caption) is still that command; "/preinscription" still means something.
            name, addressee, rest = command_name(text)
            if addressee is not None and addressee.casefold() != username.casefold():
                return
            if chat.type in GROUP_CHATS and addressee is None:
                return
            if name == "start":
                await self._start(update, rest.split()[0] if rest else None)
            else:
                # "/" or "/@" alone names no command: read as typed, not as an empty message.
                said = WORD_COMMANDS.get(name, f"{name} {rest}".strip()) or text
                await self._converse(update, text=said)
            return
        if chat.type == ChatType.PRIVATE:
            await self._converse(update, text=text)
        elif chat.type in GROUP_CHATS:
            addressed = groups.addressed_text(message, username=username, bot_id=self._bot.id)
            if addressed is not None:
                await self._converse(update, text=addressed or GREETING)

    async def _on_start(self, update: Update, context: Context) -> None:
        if not _from_a_person(update.effective_user):
            return
        await self._start(update, context.args[0] if context.args else None)

    async def _start(self, update: Update, argument: str | None) -> None:
        """Open what a deep link names, else greet (a form left half-way resumes)."""
        payload = deep_link(argument) if argument else None
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
            await answer(query)
            return
        # Answered at once so the client stops spinning; the choice is shown in place.
        await asyncio.gather(
            answer(query),
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
        kit = self._kit
        if chat.type == ChatType.PRIVATE:
            # "kicked" in a private chat: the person blocked the bot; "member": unblocked it.
            await kit.once(update, _mark_gone(address) if not joined else _mark_back(address))
            log.info("Telegram user %s %s the bot", address, "unblocked" if joined else "blocked")
            return
        if chat.type not in GROUP_CHATS:
            return
        if joined and not was_member:
            hint = change.from_user.language_code if change.from_user else None
            recorded = await kit.once(
                update,
                lambda session: groups.record_group(
                    session, address=address, title=chat.title, locale_hint=hint
                ),
            )
            if recorded is None:
                return
            log.info("Telegram group %s (%s) added the bot", address, chat.title)
            translator = kit.translator(hint)
            with i18n.using(translator):
                welcome = groups.group_welcome(
                    directorate=self._runtime.engine.services.pack.country.directorate,
                    locale=translator.locale.value,
                    username=self._bot.username,
                )
            await kit.sender.deliver(chat.id, [Outgoing(welcome)])
        elif was_member and not joined:
            await kit.once(update, _mark_gone(address))
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
        moved = await self._kit.once(
            update,
            lambda session: groups.move_group(session, old_address=str(old), new_address=str(new)),
        )
        if moved:
            log.info("Telegram group %s became supergroup %s", old, new)

    async def _notice(self, update: Update, text: Callable[[], str]) -> None:
        """Say something short of the channel's own, once per update, in the contact's language."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        hint = user.language_code if user else None
        address = str(chat.id)
        chosen = await self._kit.once(
            update,
            lambda session: _chosen_locale(session, address=address),
        )
        if chosen is None:
            return
        with i18n.using(self._kit.translator(chosen[0] or hint)):
            notice = text()
        await self._kit.sender.deliver(chat.id, [Outgoing(notice)])

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
        # In a busy group, answer in reply to the message that asked.
        reply_to = message.message_id if in_group and message is not None else None
        context = reply_context(reply_to=reply_to, thread_id=thread_id)
        sender = self._kit.sender
        claim_for = self._kit.replies.claimant()
        try:
            written = await sender.with_typing(
                chat.id,
                thread_id,
                lambda: self._handle(
                    incoming,
                    context=context,
                    group_title=chat.title,
                    in_group=in_group,
                    claim_for=claim_for,
                ),
            )
        except Exception:
            # Nothing was saved (the turn is one transaction): say so rather than stay silent.
            log.exception("Telegram update %s: the engine failed", update.update_id)
            with i18n.using(self._kit.translator(incoming.locale_hint)):
                apology = _(
                    "Désolé, un problème technique m'empêche de répondre. Réessayez dans un moment."
                )
            await sender.deliver(
                chat.id, [Outgoing(apology)], reply_to=reply_to, thread_id=thread_id
            )
            return
        # The replies were committed with the turn: the outbox sends them, even after a crash.
        self._kit.replies.hand(written)

    def _handle(
        self,
        incoming: Incoming,
        *,
        context: dict[str, int],
        group_title: str | None,
        in_group: bool,
        claim_for: str | None,
    ) -> list[ReplyItem]:
        if in_group:
            with new_session(self._runtime.database) as session:
                groups.ensure_group(session, address=incoming.sender, title=group_title)
                session.commit()
        return self._runtime.engine.handle_into_outbox(
            incoming, context=dict(context), claim_for=claim_for
        )


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


def _chosen_locale(session: Session, *, address: str) -> tuple[str | None]:
    contact = contacts.find_contact(session, channel=Channel.TELEGRAM, address=address)
    return (contact.locale if contact is not None else None,)
