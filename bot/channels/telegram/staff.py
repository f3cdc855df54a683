"""Staff commands on Telegram: one handler per command for the staff's ids, a refusal for others.

Only the ids of RELAIS_STAFF_TELEGRAM_IDS, in a private chat, reach a command's handler: PTB's
filters decide before any of its code runs. Everyone else (and the staff in a group) reaches
the refusal registered after them.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.channels.telegram.broadcast import BroadcastFlow
from bot.channels.telegram.commands import StaffCommand, command_name
from bot.channels.telegram.reports import (
    campaigns_text,
    events_text,
    export_csv,
    latest_text,
    stats_text,
)
from bot.channels.telegram.toolkit import Toolkit
from bot.core import i18n
from bot.core.i18n import Translator, _
from bot.core.messages import Outgoing
from bot.services.stats import collect_stats, latest_registrations

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
# What a command does once it is allowed: the chat, the text after the command, the language.
Action = Callable[[int, str, Translator], Coroutine[Any, Any, None]]
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]

LATEST_REGISTRATIONS = 10


class StaffCommands:
    """The staff's commands: figures, registrations, the export, campaigns, events, broadcasts."""

    def __init__(self, kit: Toolkit, broadcasts: BroadcastFlow) -> None:
        self._kit = kit
        self._broadcasts = broadcasts
        self._database = kit.runtime.database

    def handlers(self) -> list[BaseHandler[Update, Context, None]]:
        """Return one handler per command for the staff in private, then the refusal of others."""
        staff_in_private = (
            filters.UpdateType.MESSAGE
            & filters.User(user_id=self._kit.staff)
            & filters.ChatType.PRIVATE
        )
        actions: dict[StaffCommand, Action] = {
            StaffCommand.STATS: self._stats,
            StaffCommand.REGISTRATIONS: self._registrations,
            StaffCommand.EXPORT: self._export,
            StaffCommand.BROADCAST: self._broadcasts.start,
            StaffCommand.CAMPAIGNS: self._campaigns,
            StaffCommand.EVENTS: self._events,
        }
        handlers: list[BaseHandler[Update, Context, None]] = [
            CommandHandler(command.value, self._allowed(command, action), filters=staff_in_private)
            for command, action in actions.items()
        ]
        # After them, so PTB reaches it only for a command none of them took.
        handlers.append(
            CommandHandler(
                [command.value for command in StaffCommand],
                self._refuse,
                filters=filters.UpdateType.MESSAGE,
            )
        )
        return handlers

    def _allowed(self, command: StaffCommand, action: Action) -> Callback:
        async def run(update: Update, context: Context) -> None:
            message, chat, user = update.message, update.effective_chat, update.effective_user
            if message is None or message.text is None or chat is None or user is None:
                return
            if not await self._kit.claim(update):
                return
            log.info("staff command /%s from Telegram user %s", command.value, user.id)
            text = message.text.partition(" ")[2]
            await action(chat.id, text, self._kit.translator(user.language_code))

        return run

    async def _refuse(self, update: Update, context: Context) -> None:
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or message.text is None or chat is None or user is None:
            return
        with i18n.using(self._kit.translator(user.language_code)):
            if user.id not in self._kit.staff:
                name, _addressee, _rest = command_name(message.text)
                log.info("refused /%s to Telegram user %s", name, user.id)
                text = _(
                    "Désolé, cette commande est réservée aux agents de la {directorate}. "
                    "Écrivez /menu pour voir ce que je peux faire pour vous."
                ).format(directorate=self._kit.directorate)
            else:
                text = _("Cette commande ne marche qu'en conversation privée avec moi.")
        await self._kit.sender.deliver(chat.id, [Outgoing(text)])

    async def _stats(self, chat_id: int, text: str, translator: Translator) -> None:
        stats = await asyncio.to_thread(collect_stats, self._database)
        with i18n.using(translator):
            unit = self._kit.runtime.engine.services.pack.territory.region.word
            reply = stats_text(stats, translator, unit.get(translator.locale.value))
        await self._kit.sender.deliver(chat_id, [Outgoing(reply)])

    async def _registrations(self, chat_id: int, text: str, translator: Translator) -> None:
        latest = await asyncio.to_thread(
            latest_registrations, self._database, limit=LATEST_REGISTRATIONS
        )
        with i18n.using(translator):
            reply = latest_text(latest, translator)
        await self._kit.sender.deliver(chat_id, [Outgoing(reply)])

    async def _export(self, chat_id: int, text: str, translator: Translator) -> None:
        data, count = await asyncio.to_thread(export_csv, self._database)
        with i18n.using(translator):
            caption = i18n.ngettext(
                "{count} pré-inscription", "{count} pré-inscriptions", count
            ).format(count=translator.format_number(count))
        filename = f"inscriptions-{date.today().isoformat()}.csv"
        await self._kit.sender.deliver_document(chat_id, data, filename=filename, caption=caption)

    async def _campaigns(self, chat_id: int, text: str, translator: Translator) -> None:
        await self._listing(chat_id, translator, campaigns_text)

    async def _events(self, chat_id: int, text: str, translator: Translator) -> None:
        await self._listing(chat_id, translator, events_text)

    async def _listing(
        self,
        chat_id: int,
        translator: Translator,
        describe: Callable[[DatabaseEngine, Translator], str],
    ) -> None:
        database = self._database

        def listing() -> str:
            with i18n.using(translator):
                return describe(database, translator)

        reply = await asyncio.to_thread(listing)
        await self._kit.sender.deliver(chat_id, [Outgoing(reply)])
