"""The workers between the database queues and a channel: updates in, replies out.

`InboxWorker` hands a channel's received updates to its handler, one conversation at a time
and in order, any number of conversations at once, from any number of processes.
`ReplySender` delivers the replies committed with each turn, in order per address, with
the channel's own retries. Both find their work in the database, so a restart resumes it.
"""

import asyncio
import collections
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine as DatabaseEngine

from bot import metrics
from bot.domain import Channel
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem, ReplyItem

log = logging.getLogger(__name__)

# Looking for work this often when nothing woke the worker (another process queued it): each
# of a loop's tasks looks `concurrency` times less often, so that idle tasks do not keep the
# database busy.
POLL_SECONDS = 0.5
# On stop, work under way gets this long to finish: one cut short stays claimed, and holds
# back its conversation, until its lease runs out.
STOP_GRACE = 10.0


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
    """Tasks that each claim one piece of work at a time, woken when work arrives.

    A wake-up rouses one resting task, not all: on SQLite every claim takes the write lock,
    and tasks that all rush to claim one item make each other wait.
    """

    def __init__(self, name: str, concurrency: int) -> None:
        self._name = name
        self._concurrency = concurrency
        self._resting: collections.deque[asyncio.Future[None]] = collections.deque()
        # A wake-up while no task rested: the next to finish looks again before resting.
        self._missed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.worker = f"{name}-{uuid.uuid4().hex[:8]}"

    def wake(self) -> None:
        """Say that new work is waiting."""
        while self._resting:
            waiter = self._resting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._missed = True

    async def start(self) -> None:
        """Start the tasks."""
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self._name}-{index}")
            for index in range(self._concurrency)
        ]

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop claiming, let work under way finish for `grace` seconds, then cancel the rest.

        Claimed work left unfinished is taken again after its lease.
        """
        self._stopping = True
        for waiter in self._resting:
            if not waiter.done():
                waiter.set_result(None)
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=STOP_GRACE if grace is None else grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self) -> None:
        while not self._stopping:
            try:
                worked = await self.step()
            except Exception:  # the loop must outlive one bad item or a database hiccup
                log.exception("%s: a step failed; trying again", self._name)
                worked = False
            if not worked and not self._stopping:
                await self._rest()

    async def _rest(self) -> None:
        """Wait for a wake-up, or for the time to look again."""
        if self._missed:
            self._missed = False
            return
        waiter = asyncio.get_running_loop().create_future()
        self._resting.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, POLL_SECONDS * self._concurrency)
        finally:
            with contextlib.suppress(ValueError):
                self._resting.remove(waiter)

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

    async def send_one(self, item_id: int) -> SendResult | None:
        """Send one given reply now, the way `step` sends any; None if it may not go now.

        For a process that is not the server (the CLI's test sends): the reply is claimed
        like any other, so a server running meanwhile does not send it twice.
        """
        item = await asyncio.to_thread(self._claim_one, item_id)
        if item is None:
            return None
        try:
            result = await self._send(item)
        except Exception as error:
            log.exception("%s reply %s failed", self._channel, item.id)
            result = SendResult.later(5.0, f"{type(error).__name__}: {error}")
        await asyncio.to_thread(self._record, item, result)
        return result

    def _claim(self) -> ReplyItem | None:
        with new_session(self._database) as session:
            return replies.claim_next(
                session, channel=self._channel, worker=self.worker, lease=self._lease
            )

    def _claim_one(self, item_id: int) -> ReplyItem | None:
        with new_session(self._database) as session:
            return replies.claim_reply(
                session, item_id=item_id, worker=self.worker, lease=self._lease
            )

    def _record(self, item: ReplyItem, result: SendResult) -> None:
        if result.sent:
            metrics.sent(self._channel, "reply")
        else:
            metrics.send_failed(
                self._channel, result.reason, retried=result.retry_after is not None
            )
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
