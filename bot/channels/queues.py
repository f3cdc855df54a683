"""The workers between the database queues and a channel: updates in, replies out.

`InboxWorker` hands a channel's received updates to its handler, one conversation at a time
and in order, any number of conversations at once, from any number of processes.
`ReplySender` delivers the replies committed with each turn, in order per address, with
the channel's own retries. Both find their work in the database, so a restart resumes it.
"""

import asyncio
import collections
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session

from bot import metrics
from bot.domain import Channel
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem, ReplyItem

log = logging.getLogger(__name__)

# The status a queue row has while a worker holds it (InboxStatus and ReplyStatus alike).
CLAIMED = "claimed"

# Looking for work this often when nothing woke the worker (another process queued it): each
# of a loop's tasks looks `concurrency` times less often, so that idle tasks do not keep the
# database busy.
POLL_SECONDS = 0.5
# On stop, work under way gets this long to finish: one cut short stays claimed, and holds
# back its conversation, until its lease runs out.
STOP_GRACE = 10.0


class _Claimable(Protocol):
    """A row of a queue table: an inbox item, a reply."""

    @property
    def id(self) -> int | None: ...

    @property
    def status(self) -> str: ...

    @property
    def claimed_by(self) -> str | None: ...


Work = TypeVar("Work", bound=_Claimable)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one reply: sent (with the provider's id), to retry later, or refused."""

    sent: bool
    provider_id: str | None = None
    retry_after: float | None = None
    reason: str | None = None
    #: what the channel records of the send (deliveries, opt-outs), written in the same
    #: transaction as the reply's new status: one commit per reply, not two
    writes: Callable[[Session], None] | None = field(default=None, compare=False)

    def with_writes(self, writes: Callable[[Session], None]) -> "SendResult":
        """Return this result with the channel's own records to write along with it."""
        return dataclasses.replace(self, writes=writes)

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

    @property
    def running(self) -> bool:
        """Tell whether the tasks are started and not stopping."""
        return bool(self._tasks) and not self._stopping

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


class _Handover(Generic[Work]):
    """Work written already claimed for a worker of this process, started without a claim.

    What a process just wrote (an update it received, a turn's replies) can be claimed in the
    same transaction when nothing earlier of its conversation waits, and handed to its own
    worker: one claim transaction fewer. Such work is claimed under a name of its own, so that
    work the worker claimed from the queue is never taken for it; only as much as the tasks
    can start at once is taken, so that none outlives its lease waiting here.
    """

    def __init__(self, worker: str, capacity: int) -> None:
        self.name = f"{worker}-handed"
        self._capacity = capacity
        self._units: collections.deque[list[Work]] = collections.deque()
        self._ids: set[int] = set()

    def claimant(self, *, running: bool) -> str | None:
        """Return the name to claim new work under, or None to leave it to the queue."""
        return self.name if running and len(self._units) < self._capacity else None

    def offer(self, unit: list[Work]) -> bool:
        """Keep a unit of work written claimed under this name; False for any other."""
        ids = {item.id or 0 for item in unit}
        ours = all(item.status == CLAIMED and item.claimed_by == self.name for item in unit)
        if not unit or not ours or ids & self._ids:
            return False
        self._ids |= ids
        self._units.append(unit)
        return True

    def take(self) -> list[Work] | None:
        """Return the oldest unit handed over, if any."""
        return self._units.popleft() if self._units else None

    def done(self, unit: list[Work]) -> None:
        """Forget a unit once handled."""
        self._ids -= {item.id or 0 for item in unit}

    def drain(self) -> list[int]:
        """Forget every unit not begun and return their ids, to give back to the queue."""
        left = [item.id or 0 for unit in self._units for item in unit]
        self._units.clear()
        self._ids.clear()
        return left


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
        self._handover: _Handover[InboxItem] = _Handover(self.worker, concurrency)

    def backlog(self) -> int:
        """Return how many updates wait (blocking: call it in a thread)."""
        with new_session(self._database) as session:
            return inbox.backlog(session, channel=self._channel)

    def claimant(self) -> str | None:
        """Return the name to claim an update just received under (see `_Handover`)."""
        return self._handover.claimant(running=self.running)

    def hand(self, item: InboxItem | None) -> None:
        """Take an update received and claimed under `claimant()`; else look in the queue."""
        if item is not None:
            self._handover.offer([item])
        self.wake()

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop as `_Loop.stop` does, and give the updates handed over but not begun back."""
        await super().stop(grace=grace)
        left = self._handover.drain()
        if left:
            await asyncio.to_thread(self._release, left)

    async def step(self) -> bool:
        """Handle the next update that may be handled now: one handed over first."""
        handed = self._handover.take()
        if handed is not None:
            try:
                await self._run_item(handed[0])
            finally:
                self._handover.done(handed)
            return True
        item = await asyncio.to_thread(self._claim)
        if item is None:
            return False
        await self._run_item(item)
        return True

    async def _run_item(self, item: InboxItem) -> None:
        try:
            await self._handle(item)
        except Exception as error:
            log.exception("%s update %s failed", self._channel, item.message_id)
            await asyncio.to_thread(self._give_back, item, f"{type(error).__name__}: {error}")
        else:
            await asyncio.to_thread(self._finish, item)

    def _claim(self) -> InboxItem | None:
        with new_session(self._database) as session:
            return inbox.claim_next(session, channel=self._channel, worker=self.worker)

    def _release(self, item_ids: list[int]) -> None:
        with new_session(self._database) as session:
            inbox.release(session, item_ids=item_ids, worker=self._handover.name)
            session.commit()

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
        # Turns' replies written already claimed for this sender, each turn's in order.
        self._handover: _Handover[ReplyItem] = _Handover(self.worker, concurrency)

    def claimant(self) -> str | None:
        """Return the name to write a turn's replies claimed under (see `_Handover`)."""
        return self._handover.claimant(running=self.running)

    def hand(self, items: list[ReplyItem]) -> None:
        """Take a turn's replies to send now if they were written claimed for this sender.

        Replies an update handled again returns (written the first time) are left alone:
        they are sent by whoever holds them, or from the queue.
        """
        self._handover.offer(items)
        self.wake()

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop as `_Loop.stop` does, and give the replies handed over but not begun back."""
        await super().stop(grace=grace)
        left = self._handover.drain()
        if left:
            await asyncio.to_thread(self._release, left)

    async def step(self) -> bool:
        """Send the next reply that may go now: a turn handed over first, else one claimed."""
        turn = self._handover.take()
        if turn is not None:
            try:
                for position, item in enumerate(turn):
                    if not await self._deliver(item):
                        # A later reply must not overtake it: the rest wait in the queue.
                        later = [rest.id or 0 for rest in turn[position + 1 :]]
                        await asyncio.to_thread(self._release, later)
                        break
            finally:
                self._handover.done(turn)
            return True
        claimed = await asyncio.to_thread(self._claim)
        if claimed is None:
            return False
        await self._deliver(claimed)
        return True

    async def _deliver(self, item: ReplyItem) -> bool:
        """Send one claimed reply and record what became of it; tell whether it went."""
        try:
            result = await self._send(item)
        except Exception as error:
            log.exception("%s reply %s failed", self._channel, item.id)
            result = SendResult.later(5.0, f"{type(error).__name__}: {error}")
        await asyncio.to_thread(self._record, item, result)
        return result.sent

    def _release(self, item_ids: list[int]) -> None:
        with new_session(self._database) as session:
            replies.release(session, item_ids=item_ids, worker=self._handover.name)
            session.commit()

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
            if result.writes is not None:
                result.writes(session)
            if result.sent:
                replies.mark_sent(session, item_id=item.id or 0, provider_id=result.provider_id)
            elif result.retry_after is not None:
                replies.retry_later(
                    session, item=item, after=result.retry_after, reason=result.reason or ""
                )
            else:
                replies.mark_failed(session, item_id=item.id or 0, reason=result.reason or "")
            session.commit()
