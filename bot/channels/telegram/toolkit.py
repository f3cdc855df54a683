"""What every handler of the Telegram channel works with: runtime, senders, languages, staff."""

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from telegram import Update

from bot.channels.base import Runtime
from bot.channels.queues import ReplySender
from bot.channels.telegram.sending import Sender
from bot.core import i18n
from bot.core.i18n import Translator
from bot.domain import Channel
from bot.storage import contacts
from bot.storage.database import new_session

log = logging.getLogger(__name__)

T = TypeVar("T")


class Toolkit:
    """The runtime and the senders, with the helpers the conversation and staff handlers share."""

    def __init__(self, runtime: Runtime, sender: Sender, *, replies: ReplySender) -> None:
        self.runtime = runtime
        self.sender = sender
        # Told of each turn's replies once they are in the outbox, so that they go out at once.
        self.replies = replies
        self.staff = frozenset(runtime.settings.staff_telegram_ids)
        self._catalogues = runtime.engine.services.catalogues
        self._default_locale = runtime.settings.default_locale

    @property
    def directorate(self) -> str:
        """Return the acronym of the directorate the bot speaks for."""
        directorate = self.runtime.engine.services.pack.country.directorate
        return directorate.short(i18n.current_locale().value)

    def translator(self, hint: str | None) -> Translator:
        """Return the translator of a Telegram language code, or of the default language."""
        return self._catalogues.translator(i18n.parse_locale(hint) or self._default_locale)

    async def once(self, update: Update, action: Callable[[Session], T]) -> T | None:
        """Run `action` in a transaction unless this update was already handled; else None."""

        def run() -> T | None:
            with new_session(self.runtime.database) as session:
                if not contacts.claim_message(
                    session, channel=Channel.TELEGRAM, message_id=str(update.update_id)
                ):
                    log.info("duplicate Telegram update %s ignored", update.update_id)
                    return None
                result = action(session)
                session.commit()
                return result

        return await asyncio.to_thread(run)

    async def claim(self, update: Update) -> bool:
        """Mark the update handled; False when it already was (Telegram sent it again)."""
        return await self.once(update, _claimed) is not None


def _claimed(session: Session) -> bool:
    return True
