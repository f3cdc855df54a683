"""Deliver each run of a campaign to every recipient exactly once, whatever crashes happen.

The outbox has one row per (run, contact) under a unique key. Rows are claimed in small
batches through the database (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock
elsewhere), so two dispatchers never take the same row. A claim is a lease: a dispatcher killed
after claiming leaves rows that another takes over once the lease expires.

Each row is marked "sending" (committed) just before its request leaves and gets its result
just after; at most `in_flight` rows of a channel are between the two at any instant. A row
found "sending" after its dispatcher died may or may not have reached the provider:
- on a channel whose provider keeps a log (WhatsApp: Twilio's message list), the log is
  searched from the moment of the mark, and the row is marked sent, or sent now;
- elsewhere (Telegram) it is recorded as unsure and not sent again, because a duplicate is
  worse than a miss for most campaigns; staff who think otherwise resend the unsure rows.
"""

import asyncio
import functools
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from aiolimiter import AsyncLimiter
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot import metrics
from bot.campaigns.audience import audience_batch, parse_audience
from bot.campaigns.delivery import (
    BulkSender,
    CampaignMessage,
    Delivery,
    Outcome,
    Recipient,
    Reconciling,
)
from bot.domain import Channel, OutboxStatus
from bot.storage.database import new_session
from bot.storage.models import Campaign, CampaignRun, Contact, OutboxItem
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts

log = logging.getLogger(__name__)

CLAIM_BATCH = 200
LEASE = timedelta(minutes=2)
SLICES_PER_SECOND = 20
# Sends of one channel between their "sending" mark and their result being written: what a
# crash can leave unsure at most, whatever the rate, the batch size or the machine's load.
IN_FLIGHT = 8
# Where the provider keeps a log (WhatsApp), a crash leaves nothing unsure: the bound there only
# keeps enough requests going to reach the channel's rate across the provider's latency.
LOGGED_IN_FLIGHT = 32
INTERRUPTED = "interrupted while sending: it may not have arrived (see --resend-unsure)"
MAX_ATTEMPTS = 5
BACKOFF = (5.0, 30.0, 120.0, 600.0)


@dataclass(frozen=True, slots=True)
class Claim:
    """An outbox row this dispatcher holds."""

    item_id: int
    recipient: Recipient
    # Set when an earlier send of this row was cut off: when its "sending" mark was made.
    interrupted_at: datetime | None = None


Progress = Callable[[Counter[OutboxStatus], int], None]


class Dispatcher:
    """Materialise runs into the outbox and drain it through the channels' senders."""

    def __init__(
        self,
        database: DatabaseEngine,
        senders: dict[Channel, BulkSender],
        *,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        lease: timedelta = LEASE,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        if in_flight < 1:
            msg = f"in_flight must be at least 1, not {in_flight}"
            raise ValueError(msg)
        self._database = database
        self._lease = lease
        self._writes = _GroupCommit(self._mark_sending, self._record)
        self._senders = senders
        self._clock = clock
        self._worker = worker or uuid.uuid4().hex[:12]
        # Spread sends evenly (no burst of a whole second's worth): every message marked
        # "sending" is one the provider gets at once, so few are in flight if the process dies.
        self._limiters = {
            channel: AsyncLimiter(max(sender.rate / SLICES_PER_SECOND, 1.0), 1 / SLICES_PER_SECOND)
            for channel, sender in senders.items()
        }
        self._reconciling = [
            channel for channel, sender in senders.items() if isinstance(sender, Reconciling)
        ]
        self._in_flight = {
            channel: asyncio.Semaphore(in_flight_bound(in_flight, channel in self._reconciling))
            for channel in senders
        }
        # Rows whose provider log could not be read: they keep their "sending" moment.
        self._unresolved: set[int] = set()

    def materialise(self, run_id: int) -> int:
        """Write one outbox row per recipient of a run (again after a crash: no duplicate)."""
        with new_session(self._database) as session:
            run = session.get(CampaignRun, run_id)
            if run is None:
                msg = f"no campaign run {run_id}"
                raise LookupError(msg)
            if run.materialised:
                return 0
            campaign = session.get(Campaign, run.campaign_id)
            assert campaign is not None
            audience = parse_audience(campaign.audience)
            session.commit()
        added = 0
        last_id = 0
        while True:
            with new_session(self._database) as session:
                batch = audience_batch(session, audience, after_id=last_id)
                for contact_id, channel in batch:
                    added += insert_ignoring_conflicts(
                        session,
                        OutboxItem,
                        {
                            "run_id": run_id,
                            "contact_id": contact_id,
                            "channel": channel,
                            "status": OutboxStatus.PENDING,
                            "attempts": 0,
                            "updated_at": utcnow(),
                        },
                    )
                session.commit()
            if not batch:
                break
            last_id = batch[-1][0]
        with new_session(self._database) as session:
            run = session.get(CampaignRun, run_id)
            assert run is not None
            run.materialised = True
            session.add(run)
            session.commit()
        return added

    def claim(self, run_id: int, limit: int = CLAIM_BATCH) -> list[Claim]:
        """Take up to `limit` pending (or abandoned) rows of a run for this dispatcher."""
        now = self._clock()
        with new_session(self._database) as session:
            expired = col(OutboxItem.claimed_at) < now - self._lease
            cut_off = sa.and_(col(OutboxItem.status) == OutboxStatus.SENDING, expired)
            checkable = col(OutboxItem.channel).in_(self._reconciling)
            # The first statement writes: on SQLite it takes the write lock for the claim.
            session.execute(
                sa.update(OutboxItem)
                .where(col(OutboxItem.run_id) == run_id, cut_off, sa.not_(checkable))
                .values(status=OutboxStatus.UNSURE, error=INTERRUPTED, updated_at=now)
            )
            ready = sa.or_(col(OutboxItem.not_before).is_(None), col(OutboxItem.not_before) <= now)
            abandoned = sa.and_(col(OutboxItem.status) == OutboxStatus.CLAIMED, expired)
            candidates = (
                select(OutboxItem.id)
                .where(
                    OutboxItem.run_id == run_id,
                    sa.or_(
                        sa.and_(col(OutboxItem.status) == OutboxStatus.PENDING, ready),
                        abandoned,
                        sa.and_(cut_off, checkable),
                    ),
                )
                .order_by(col(OutboxItem.id))
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            ids = [int(row or 0) for row in session.exec(candidates).all()]
            if not ids:
                session.commit()
                return []
            session.execute(
                sa.update(OutboxItem)
                .where(col(OutboxItem.id).in_(ids))
                .values(
                    status=OutboxStatus.CLAIMED,
                    claimed_by=self._worker,
                    claimed_at=now,
                    attempts=OutboxItem.attempts + 1,
                    updated_at=now,
                )
            )
            rows = session.execute(
                select(OutboxItem.id, OutboxItem.sending_at, Contact)
                .join(Contact, col(Contact.id) == col(OutboxItem.contact_id))
                .where(col(OutboxItem.id).in_(ids))
            ).all()
            session.commit()
        claims = [
            Claim(
                interrupted_at=sending_at,
                item_id=int(item_id),
                recipient=Recipient(
                    contact_id=contact.id or 0,
                    channel=contact.channel,
                    address=contact.address,
                    kind=contact.kind,
                    locale=contact.locale,
                    last_inbound_at=contact.last_inbound_at,
                ),
            )
            for item_id, sending_at, contact in rows
        ]
        orphans = set(ids) - {claim.item_id for claim in claims}
        if orphans:
            # The contact deleted their data after the run was prepared: nothing to send.
            self._record({item: Delivery(Outcome.SKIPPED, "contact deleted") for item in orphans})
        return claims

    async def drain(
        self,
        run_id: int,
        messages: Callable[[Recipient], CampaignMessage],
        *,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Counter[OutboxStatus]:
        """Send every pending row of a run; return the final counts by status."""
        total = self.counts(run_id)
        while not should_stop():
            claims = await asyncio.to_thread(self.claim, run_id)
            if not claims:
                if not self._waiting(run_id):
                    break
                await asyncio.sleep(1.0)
                continue
            await asyncio.gather(
                *(self._deliver(claim, messages(claim.recipient)) for claim in claims)
            )
            await self._writes.flushed()
            if progress is not None:
                progress(self.counts(run_id), sum(total.values()))
        return self.counts(run_id)

    async def _deliver(self, claim: Claim, message: CampaignMessage) -> None:
        sender = self._senders.get(claim.recipient.channel)
        if sender is None:
            reason = f"no {claim.recipient.channel.value} channel configured"
            await self._writes.finished(claim.item_id, Delivery(Outcome.SKIPPED, reason))
            return
        channel = claim.recipient.channel
        # The slot is held until the result is written, not only sent: a row stays unsure
        # from its "sending" mark until then.
        async with self._in_flight[channel]:
            if claim.interrupted_at is not None and isinstance(sender, Reconciling):
                found = await self._reconcile(sender, claim, message)
                if found is not None:
                    await self._writes.finished(claim.item_id, found)
                    return
            async with self._limiters[channel]:
                await self._writes.starting(claim.item_id)
            try:
                result = await sender.deliver(claim.recipient, message)
            except Exception as error:  # a bug in one send must not stop the run
                log.exception("sending outbox item %s failed", claim.item_id)
                result = Delivery(Outcome.RETRY, f"unexpected error: {error}")
            _count(channel, result)
            await self._writes.finished(claim.item_id, result)

    async def _reconcile(
        self, sender: Reconciling, claim: Claim, message: CampaignMessage
    ) -> Delivery | None:
        """Look a cut-off send up in the provider's log: its result, or None to send it now."""
        assert claim.interrupted_at is not None
        try:
            found = await sender.reconcile(claim.recipient, message, claim.interrupted_at)
        except Exception as error:  # a bug in one check must not stop the run
            log.exception("checking outbox item %s with the provider failed", claim.item_id)
            found = Delivery(Outcome.RETRY, f"unexpected error while checking: {error}")
        if found is not None and found.outcome is Outcome.RETRY:
            self._unresolved.add(claim.item_id)
        log.info(
            "outbox item %s, cut off while sending: %s",
            claim.item_id,
            "not at the provider, sending it" if found is None else found.outcome.value,
        )
        return found

    def _mark_sending(self, item_ids: list[int]) -> None:
        now = self._clock()
        with new_session(self._database) as session:
            session.execute(
                sa.update(OutboxItem)
                .where(col(OutboxItem.id).in_(item_ids))
                .values(status=OutboxStatus.SENDING, claimed_at=now, sending_at=now)
            )
            session.commit()

    def _record(self, results: dict[int, Delivery]) -> None:
        now = self._clock()
        with new_session(self._database) as session:
            items = session.exec(select(OutboxItem).where(col(OutboxItem.id).in_(results)))
            for item in items.all():
                result = results[item.id or 0]
                unresolved = item.id in self._unresolved
                self._unresolved.discard(item.id or 0)
                item.error = clip(OutboxItem, "error", result.reason) if result.reason else None
                item.outbound_id = result.outbound_id or item.outbound_id
                item.updated_at = now
                if not unresolved:
                    item.sending_at = None  # the send has its result: nothing left to check
                if result.outcome is Outcome.RETRY and item.attempts < MAX_ATTEMPTS:
                    delay = result.retry_after or BACKOFF[min(item.attempts, len(BACKOFF)) - 1]
                    item.status = OutboxStatus.PENDING
                    item.not_before = now + timedelta(seconds=delay)
                elif unresolved:
                    item.status = OutboxStatus.UNSURE
                else:
                    item.status = {
                        Outcome.SENT: OutboxStatus.SENT,
                        Outcome.SKIPPED: OutboxStatus.SKIPPED,
                    }.get(result.outcome, OutboxStatus.FAILED)
                session.add(item)
            session.commit()

    def _waiting(self, run_id: int) -> bool:
        """Tell whether rows wait for a retry time or for another dispatcher's lease."""
        with new_session(self._database) as session:
            waiting = session.execute(
                select(sa.func.count())
                .select_from(OutboxItem)
                .where(
                    OutboxItem.run_id == run_id,
                    col(OutboxItem.status).in_(
                        [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
                    ),
                )
            ).scalar_one()
        return bool(waiting)

    def counts(self, run_id: int) -> Counter[OutboxStatus]:
        """Return how many rows of a run are in each status."""
        with new_session(self._database) as session:
            rows = session.execute(
                select(OutboxItem.status, sa.func.count())
                .where(OutboxItem.run_id == run_id)
                .group_by(col(OutboxItem.status))
            ).all()
        return Counter({OutboxStatus(status): int(number) for status, number in rows})

    def cancel(self, run_id: int) -> int:
        """Stop what has not been sent yet; return how many rows were cancelled."""
        with new_session(self._database) as session:
            result = session.execute(
                sa.update(OutboxItem)
                .where(
                    col(OutboxItem.run_id) == run_id,
                    col(OutboxItem.status) == OutboxStatus.PENDING,
                )
                .values(status=OutboxStatus.CANCELLED, updated_at=self._clock())
            )
            session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def in_flight_bound(configured: int, logged: bool) -> int:
    """Return how many sends of a channel may be unsure at once: what a crash can leave."""
    return max(configured, LOGGED_IN_FLIGHT) if logged else configured


@functools.cache
def _committer() -> ThreadPoolExecutor:
    """Return the thread that writes the outbox's marks and results.

    A thread of its own: in the shared pool these writes would wait behind the senders' own
    database work, and every send waiting for its "sending" mark, or every result not yet
    written, is one more recipient left unsure by a crash.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-commit")


class _GroupCommit:
    """Write the "sending" marks and the results of many sends in a few transactions.

    A send waits until its "sending" mark is committed (so a crash never resends it); results
    are written soon after, in batches (a crash before that only leaves rows "sending").
    """

    def __init__(
        self,
        mark_sending: Callable[[list[int]], None],
        record: Callable[[dict[int, Delivery]], None],
    ) -> None:
        self._mark_sending = mark_sending
        self._record = record
        self._starting: list[tuple[int, asyncio.Future[None]]] = []
        self._results: dict[int, Delivery] = {}
        self._written: list[asyncio.Future[None]] = []
        self._task: asyncio.Task[None] | None = None

    async def starting(self, item_id: int) -> None:
        """Return once the row is durably marked "sending"."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._starting.append((item_id, future))
        self._kick()
        await future

    async def finished(self, item_id: int, result: Delivery) -> None:
        """Queue a result for the next write; return once it is written."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results[item_id] = result
        self._written.append(future)
        self._kick()
        await future

    async def flushed(self) -> None:
        """Return once everything queued is written."""
        while self._task is not None:
            await self._task

    def _kick(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        try:
            while self._starting or self._results:
                starting, self._starting = self._starting, []
                results, self._results = self._results, {}
                written, self._written = self._written, []
                try:
                    loop = asyncio.get_running_loop()
                    if starting:
                        marks = [item for item, _ in starting]
                        await loop.run_in_executor(_committer(), self._mark_sending, marks)
                    if results:
                        await loop.run_in_executor(_committer(), self._record, results)
                except Exception as error:
                    # The sends waiting for their mark must not hang: they fail and stay claimed.
                    for future in [*(future for _, future in starting), *written]:
                        future.set_exception(error)
                    raise
                for future in [*(future for _, future in starting), *written]:
                    future.set_result(None)
        finally:
            self._task = None


def _count(channel: Channel, result: Delivery) -> None:
    if result.outcome is Outcome.SENT:
        metrics.sent(channel, "campaign")
    elif result.outcome in (Outcome.RETRY, Outcome.FAILED):
        metrics.send_failed(channel, result.reason, retried=result.outcome is Outcome.RETRY)
