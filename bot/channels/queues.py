"""The workers between the database queues and a channel: updates in, replies out.

`InboxWorker` hands a channel's received updates to its handler, one conversation at a time
and in order, any number of conversations at once, from any number of processes.
`ReplySender` delivers the replies committed with each turn, in order per address, with
the channel's own retries. Both find their work in the database, so a restart resumes it.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.domain import Channel
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem, ReplyItem

log = logging.getLogger(__name__)

# Looking for work this often when nothing woke the worker (another process queued it).
POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one reply: sent (with the provider's id), to retry later, or refused."""

    sent: bool
    provider_id: str | None = None
    retry_after: float | None = None
    reason: str | None = None

    @classmethod
    def ok(cls, provider_id: str | None) -> "SendResult":
        """Return the result of a reply the provider accepted."""
        return cls(sent=True, provider_id=provider_id)

    @classmethod
    def later(cls, seconds: float, reason: str) -> "SendResult":
        """Return the result of a reply to send again after `seconds`."""
        return cls(sent=False, retry_after=seconds, reason=reason)

    @classmethod
    def refused(cls, reason: str) -> "SendResult":
        """Return the result of a reply the provider refused for good."""
        return cls(sent=False, reason=reason)


class _Loop:
    """Tasks that each claim one piece of work at a time, woken when work arrives."""

    def __init__(self, name: str, concurrency: int) -> None:
        self._name = name
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.worker = f"{name}-{uuid.uuid4().hex[:8]}"

    def wake(self) -> None:
        """Say that new work is waiting."""
        self._wake.set()

    async def start(self) -> None:
        """Start the tasks."""
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self._name}-{index}")
            for index in range(self._concurrency)
        ]

    async def stop(self) -> None:
        """Stop the tasks; claimed work left unfinished is taken again after its lease."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self) -> None:
        while True:
            try:
                worked = await self.step()
            except Exception:  # the loop must outlive one bad item or a database hiccup
                log.exception("%s: a step failed; trying again", self._name)
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def step(self) -> bool:
        """Do one piece of work; tell whether there was any."""
        raise NotImplementedError


class InboxWorker(_Loop):
    """Hand a channel's received updates to its handler, in order per conversation."""

    def __init__(
        self,
        database: DatabaseEngine,
        channel: Channel,
        handle: Callable[[InboxItem], Awaitable[None]],
        *,
        concurrency: int = 4,
    ) -> None:
        super().__init__(f"inbox-{channel.value}", concurrency)
        self._database = database
        self._channel = channel
        self._handle = handle

    def backlog(self) -> int:
        """Return how many updates wait (blocking: call it in a thread)."""
        with new_session(self._database) as session:
            return inbox.backlog(session, channel=self._channel)

    async def step(self) -> bool:
        """Handle the next update that may be handled now."""
        item = await asyncio.to_thread(self._claim)
        if item is None:
            return False
        try:
            await self._handle(item)
        except Exception as error:
            log.exception("%s update %s failed", self._channel, item.message_id)
            await asyncio.to_thread(self._give_back, item, f"{type(error).__name__}: {error}")
        else:
            await asyncio.to_thread(self._finish, item)
        return True

    def _claim(self) -> InboxItem | None:
        with new_session(self._database) as session:
            return inbox.claim_next(session, channel=self._channel, worker=self.worker)

    def _finish(self, item: InboxItem) -> None:
        with new_session(self._database) as session:
            inbox.finish(session, item_id=item.id or 0)
            session.commit()

    def _give_back(self, item: InboxItem, error: str) -> None:
        with new_session(self._database) as session:
            status = inbox.give_back(session, item=item, error=error)
            session.commit()
        log.warning("%s update %s: %s (now %s)", self._channel, item.message_id, error, status)


class ReplySender(_Loop):
    """Deliver a channel's committed replies, in order per address, retrying as told."""

    def __init__(
        self,
        database: DatabaseEngine,
        channel: Channel,
        send: Callable[[ReplyItem], Awaitable[SendResult]],
        *,
        concurrency: int = 8,
        lease: timedelta = replies.LEASE,
    ) -> None:
        super().__init__(f"replies-{channel.value}", concurrency)
        self._database = database
        self._channel = channel
        self._send = send
        self._lease = lease

    async def step(self) -> bool:
        """Send the next reply that may go now."""
        item = await asyncio.to_thread(self._claim)
        if item is None:
            return False
        try:
            result = await self._send(item)
        except Exception as error:
            log.exception("%s reply %s failed", self._channel, item.id)
            result = SendResult.later(5.0, f"{type(error).__name__}: {error}")
        await asyncio.to_thread(self._record, item, result)
        return True

    def _claim(self) -> ReplyItem | None:
        with new_session(self._database) as session:
            return replies.claim_next(
                session, channel=self._channel, worker=self.worker, lease=self._lease
            )

    def _record(self, item: ReplyItem, result: SendResult) -> None:
        with new_session(self._database) as session:
            if result.sent:
                replies.mark_sent(session, item_id=item.id or 0, provider_id=result.provider_id)
            elif result.retry_after is not None:
                replies.retry_later(
                    session, item=item, after=result.retry_after, reason=result.reason or ""
                )
            else:
                replies.mark_failed(session, item_id=item.id or 0, reason=result.reason or "")
            session.commit()
