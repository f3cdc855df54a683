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
        # Tasks doing a step now; the others are free to start work at once.
        self._busy = 0
        self.worker = f"{name}-{uuid.uuid4().hex[:8]}"

    @property
    def running(self) -> bool:
        """Tell whether the tasks are started and not stopping."""
        return bool(self._tasks) and not self._stopping

    @property
    def free_tasks(self) -> int:
        """Return how many tasks could start work at once (none while stopped)."""
        return self._concurrency - self._busy if self.running else 0

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
                self._busy += 1
                try:
                    worked = await self.step()
                finally:
                    self._busy -= 1
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


class _HandingLoop(_Loop, Generic[Work]):
    """A loop that also takes work written already claimed for it in this process.

    What a process just wrote (an update it received, a turn's replies) can be claimed in the
    same transaction when nothing earlier of its conversation waits, and handed to its own
    worker: one claim transaction fewer. Such work is claimed under a name of its own, so that
    work the loop claimed from the queue is never taken for it. It is taken only while a task
    is free to begin it: work kept here while a provider hangs would hold its lease without
    being done, where in the queue any process may take it; what finds no free task goes
    back to the queue at once.
    """

    def __init__(self, name: str, concurrency: int) -> None:
        super().__init__(name, concurrency)
        self.handed_name = f"handed-{self.worker}"
        self._units: collections.deque[list[Work]] = collections.deque()
        self._handed_ids: set[int] = set()
        self._giving_back: set[asyncio.Task[None]] = set()

    def claimant(self) -> str | None:
        """Return the name to claim new work under, or None to leave it to the queue."""
        return self.handed_name if len(self._units) < self.free_tasks else None

    def hand(self, unit: list[Work]) -> None:
        """Take work written claimed under `claimant()`; wake a task for the queue anyway.

        Work an update handled again returns (written the first time) is left alone: it is
        done by whoever holds it, or from the queue.
        """
        ids = {item.id or 0 for item in unit}
        ours = all(item.status == CLAIMED and item.claimed_by == self.handed_name for item in unit)
        if unit and ours and not ids & self._handed_ids:
            if len(self._units) < self.free_tasks:
                self._handed_ids |= ids
                self._units.append(unit)
            else:
                self._give_back_soon([item.id or 0 for item in unit])
        self.wake()

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop as `_Loop.stop` does, and give the work handed over but not begun back."""
        await super().stop(grace=grace)
        left = [item.id or 0 for unit in self._units for item in unit]
        self._units.clear()
        self._handed_ids.clear()
        if self._giving_back:
            await asyncio.wait(self._giving_back)
        if left:
            await asyncio.to_thread(self._release, left)

    def _take_handed(self) -> list[Work] | None:
        return self._units.popleft() if self._units else None

    def _done_with(self, unit: list[Work]) -> None:
        self._handed_ids -= {item.id or 0 for item in unit}

    def _give_back_soon(self, item_ids: list[int]) -> None:
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self._release, item_ids))
        self._giving_back.add(task)
        task.add_done_callback(self._given_back)

    def _given_back(self, task: "asyncio.Task[None]") -> None:
        self._giving_back.discard(task)
        # Back in the queue only now: a task woken earlier may have found nothing.
        self.wake()

    def _release(self, item_ids: list[int]) -> None:
        """Give work claimed under `handed_name` back to the queue (blocking)."""
        raise NotImplementedError


class InboxWorker(_HandingLoop[InboxItem]):
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
        """Handle the next update that may be handled now: one handed over first.

        Under load one step goes on from update to update: the commit that marks one handled
        claims the next from the queue, one transaction fewer per update.
        """
        handed = self._take_handed()
        if handed is not None:
            try:
                item: InboxItem | None = await self._run_item(handed[0])
            finally:
                self._done_with(handed)
        else:
            item = await asyncio.to_thread(self._claim)
            if item is None:
                return False
        while item is not None:
            item = await self._run_item(item)
        return True

    async def _run_item(self, item: InboxItem) -> InboxItem | None:
        """Handle one update; return the next one claimed when it was marked handled."""
        try:
            await self._handle(item)
        except Exception as error:
            log.exception("%s update %s failed", self._channel, item.message_id)
            await asyncio.to_thread(self._give_back, item, f"{type(error).__name__}: {error}")
            return None
        # Work handed over goes first: a task is free for it, but this one may as well take it.
        claim = not self._stopping and not self._units
        return await asyncio.to_thread(self._finish, item, claim_next=claim)

    def _claim(self) -> InboxItem | None:
        with new_session(self._database) as session:
            return inbox.claim_next(session, channel=self._channel, worker=self.worker)

    def _release(self, item_ids: list[int]) -> None:
        with new_session(self._database) as session:
            inbox.release(session, item_ids=item_ids, worker=self.handed_name)
            session.commit()

    def _finish(self, item: InboxItem, *, claim_next: bool) -> InboxItem | None:
        with new_session(self._database) as session:
            inbox.finish(session, item_id=item.id or 0)
            if claim_next:
                return inbox.claim_next(session, channel=self._channel, worker=self.worker)
            session.commit()
            return None

    def _give_back(self, item: InboxItem, error: str) -> None:
        with new_session(self._database) as session:
            status = inbox.give_back(session, item=item, error=error)
            session.commit()
        log.warning("%s update %s: %s (now %s)", self._channel, item.message_id, error, status)


class ReplySender(_HandingLoop[ReplyItem]):
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
        """Send the next reply that may go now: a turn handed over first, else one claimed.

        Under load one step goes on from reply to reply: the commit that records one claims
        the next from the queue, one transaction fewer per reply.
        """
        claimed: ReplyItem | None = None
        turn = self._take_handed()
        if turn is not None:
            try:
                for position, item in enumerate(turn):
                    last = position == len(turn) - 1
                    result, claimed = await self._deliver(item, claim_next=last)
                    if not result.sent:
                        # A later reply must not overtake it: the rest wait in the queue.
                        later = [rest.id or 0 for rest in turn[position + 1 :]]
                        if later:
                            await asyncio.to_thread(self._release, later)
                        break
            finally:
                self._done_with(turn)
        else:
            claimed = await asyncio.to_thread(self._claim)
            if claimed is None:
                return False
        while claimed is not None:
            _result, claimed = await self._deliver(claimed, claim_next=True)
        return True

    async def _deliver(
        self, item: ReplyItem, *, claim_next: bool = False
    ) -> tuple[SendResult, ReplyItem | None]:
        """Send one claimed reply and record what became of it, claiming the next if asked."""
        try:
            result = await self._send(item)
        except Exception as error:
            log.exception("%s reply %s failed", self._channel, item.id)
            result = SendResult.later(5.0, f"{type(error).__name__}: {error}")
        # Work handed over goes first: a task is free for it, but this one may as well take it.
        claim = claim_next and not self._stopping and not self._units
        return result, await asyncio.to_thread(self._record, item, result, claim_next=claim)

    def _release(self, item_ids: list[int]) -> None:
        with new_session(self._database) as session:
            replies.release(session, item_ids=item_ids, worker=self.handed_name)
            session.commit()

    async def send_one(self, item_id: int) -> SendResult | None:
        """Send one given reply now, the way `step` sends any; None if it may not go now.

        For a process that is not the server (the CLI's test sends): the reply is claimed
        like any other, so a server running meanwhile does not send it twice.
        """
        item = await asyncio.to_thread(self._claim_one, item_id)
        if item is None:
            return None
        result, _none = await self._deliver(item)
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

    def _record(
        self, item: ReplyItem, result: SendResult, *, claim_next: bool = False
    ) -> ReplyItem | None:
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
            if claim_next:
                return replies.claim_next(
                    session, channel=self._channel, worker=self.worker, lease=self._lease
                )
            session.commit()
            return None
