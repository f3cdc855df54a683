"""Forget, at start and then every hour, what is kept only for a while.

Provider message ids, handled updates and sent replies are kept as long as a provider may
retry a webhook (days at most), so that a retry is recognised and nothing is answered twice;
the conversation's messages are kept `RELAIS_MESSAGE_RETENTION_DAYS` for the staff; the
reports of the console's contact imports an hour. A server
that runs for months forgets them as it goes, not only when it restarts.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.storage import contacts, imports, inbox, messages, replies
from bot.storage.database import new_session
from bot.storage.types import utcnow

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)

# Providers retry a webhook for hours at most (Telegram, Twilio); a month is ample.
PROVIDER_RETRIES_KEPT = timedelta(days=30)
INTERVAL_SECONDS = 3600.0


def forget_expired(
    database: DatabaseEngine, *, message_retention: timedelta, now: datetime | None = None
) -> dict[str, int]:
    """Drop what is past its keeping time, in one transaction; return how many of each."""
    now = now or utcnow()
    retries = now - PROVIDER_RETRIES_KEPT
    # A reply or update is kept no longer than the messages themselves.
    handled = max(retries, now - message_retention)
    with new_session(database) as session:
        dropped = {
            "provider message ids": contacts.forget_processed_messages(session, before=retries),
            "handled updates": inbox.forget_handled(session, before=handled),
            "sent replies": replies.forget_sent(session, before=handled),
            "conversation messages": messages.forget_messages(
                session, before=now - message_retention
            ),
            "contact imports": imports.forget_imports(session, before=now - imports.KEEP),
        }
        session.commit()
    return dropped


class RetentionLoop:
    """A background task of the server, shaped like a channel adapter (no routes)."""

    def __init__(
        self,
        database: DatabaseEngine,
        *,
        message_retention: timedelta,
        interval: float = INTERVAL_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._retention = message_retention
        self._interval = interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def routes(self) -> list["BaseRoute"]:
        """Return no routes: this runs in the background only."""
        return []

    async def start(self) -> None:
        """Start forgetting every interval (the start itself was done by the builder)."""
        self._task = asyncio.create_task(self._loop(), name="relais-retention")

    async def stop(self) -> None:
        """Stop; nothing is lost, the next start forgets what is due."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> dict[str, int]:
        """Forget what is due now; return how many of each."""
        dropped = await asyncio.to_thread(
            forget_expired, self._database, message_retention=self._retention, now=self._clock()
        )
        if any(dropped.values()):
            log.info("forgot %s", ", ".join(f"{count} {what}" for what, count in dropped.items()))
        return dropped

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once()
            except Exception:  # the loop must outlive a database hiccup
                log.exception("forgetting expired data failed; trying again later")
