"""The inbox worker and the reply sender: everything handled, in order, failures retried."""

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.channels import queues
from bot.channels.queues import InboxWorker, ReplySender, SendResult
from bot.domain import Channel, InboxStatus, ReplyStatus
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.storage.models import InboxItem, ReplyItem


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        # The work happens in other tasks and threads: look until it is done.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queues, "POLL_SECONDS", 0.05)


async def test_updates_are_handled_in_order_per_conversation(database: DatabaseEngine) -> None:
    with new_session(database) as session:
        for number, chat in enumerate(["a", "b", "a", "a", "b", "c"]):
            inbox.enqueue(
                session,
                channel=Channel.TELEGRAM,
                message_id=str(number),
                conversation=chat,
                body={"n": number},
            )
        session.commit()
    seen: dict[str, list[int]] = {}
    failed_once: set[int] = set()

    async def handle(item: InboxItem) -> None:
        number = item.body["n"]
        if number == 2 and number not in failed_once:
            failed_once.add(number)
            msg = "the handler broke once"
            raise RuntimeError(msg)
        await asyncio.sleep(0.01)
        seen.setdefault(item.conversation, []).append(number)

    def backlog() -> int:
        with new_session(database) as session:
            return inbox.backlog(session, channel=Channel.TELEGRAM)

    worker = InboxWorker(database, Channel.TELEGRAM, handle, concurrency=3)
    await worker.start()
    try:
        await eventually(lambda: sum(len(v) for v in seen.values()) == 6 and not backlog())
    finally:
        await worker.stop()
    assert seen == {"a": [0, 2, 3], "b": [1, 4], "c": [5]}
    with new_session(database) as session:
        assert inbox.backlog(session, channel=Channel.TELEGRAM) == 0
        statuses = {item.status for item in session.exec(select(InboxItem)).all()}
    assert statuses == {InboxStatus.DONE}


async def test_replies_are_sent_in_order_and_retried(database: DatabaseEngine) -> None:
    with new_session(database) as session:
        for address in ["+1", "+2"]:
            replies.add_replies(
                session,
                channel=Channel.WHATSAPP,
                address=address,
                contact_id=None,
                message_id=None,
                replies=[(f"{address} one", []), (f"{address} two", [])],
            )
        session.commit()
    sent: list[str] = []
    refused_once: set[str] = set()

    async def send(item: ReplyItem) -> SendResult:
        if item.text == "+1 one" and item.text not in refused_once:
            refused_once.add(item.text)
            return SendResult.later(0.05, "rate limited")
        sent.append(item.text)
        return SendResult.ok(f"SM{len(sent)}")

    def all_recorded() -> bool:
        with new_session(database) as session:
            return replies.pending_count(session, channel=Channel.WHATSAPP) == 0

    sender = ReplySender(database, Channel.WHATSAPP, send, concurrency=4)
    await sender.start()
    try:
        await eventually(lambda: len(sent) == 4 and all_recorded())
    finally:
        await sender.stop()
    assert sent.index("+1 one") < sent.index("+1 two")
    assert sent.index("+2 one") < sent.index("+2 two")
    with new_session(database) as session:
        assert replies.pending_count(session, channel=Channel.WHATSAPP) == 0


def _write_turn(
    database: DatabaseEngine, sender: ReplySender, address: str, texts: list[str]
) -> list[ReplyItem]:
    """Write a turn's replies as the engine does, claimed by the sender when it can take them."""
    with new_session(database) as session:
        items = replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address=address,
            contact_id=None,
            message_id=None,
            replies=[(text, []) for text in texts],
            claim_for=sender.claimant(),
        )
        session.commit()
    return items


async def test_replies_handed_over_go_at_once_in_order_without_a_claim(
    database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []

    async def send(item: ReplyItem) -> SendResult:
        sent.append(item.text)
        return SendResult.ok(str(len(sent)))

    sender = ReplySender(database, Channel.TELEGRAM, send, concurrency=2)
    assert sender.claimant() is None  # not started: nothing is written claimed
    await sender.start()
    claims: list[int] = []
    real_claim = sender._claim

    def counted_claim() -> ReplyItem | None:
        found = real_claim()
        if found is not None:
            claims.append(found.id or 0)
        return found

    monkeypatch.setattr(sender, "_claim", counted_claim)
    try:
        first = _write_turn(database, sender, "7", ["one", "two", "three"])
        assert {item.status for item in first} == {ReplyStatus.CLAIMED}
        sender.hand(first)
        await eventually(lambda: len(sent) == 3)
    finally:
        await sender.stop()
    assert sent == ["one", "two", "three"]
    assert claims == []
    with new_session(database) as session:
        assert replies.pending_count(session, channel=Channel.TELEGRAM) == 0


async def test_a_later_turn_waits_for_the_earlier_one_still_unsent(
    database: DatabaseEngine,
) -> None:
    sent: list[str] = []
    release = asyncio.Event()

    async def send(item: ReplyItem) -> SendResult:
        if item.text == "a1":
            await release.wait()
        sent.append(item.text)
        return SendResult.ok(str(len(sent)))

    sender = ReplySender(database, Channel.TELEGRAM, send, concurrency=4)
    await sender.start()
    try:
        first = _write_turn(database, sender, "7", ["a1", "a2"])
        sender.hand(first)
        second = _write_turn(database, sender, "7", ["b1"])
        # Something waits for the address: the later turn is queued, not handed over.
        assert second[0].status is ReplyStatus.PENDING
        sender.hand(second)
        other = _write_turn(database, sender, "8", ["c1"])
        assert other[0].status is ReplyStatus.CLAIMED
        sender.hand(other)
        await eventually(lambda: sent == ["c1"])
        release.set()
        await eventually(lambda: len(sent) == 4)
    finally:
        await sender.stop()
    assert sent == ["c1", "a1", "a2", "b1"]


async def test_a_failed_reply_holds_back_the_rest_of_its_turn(database: DatabaseEngine) -> None:
    sent: list[str] = []
    refused_once: set[str] = set()

    async def send(item: ReplyItem) -> SendResult:
        if item.text == "two" and item.text not in refused_once:
            refused_once.add(item.text)
            return SendResult.later(0.05, "rate limited")
        sent.append(item.text)
        return SendResult.ok(str(len(sent)))

    sender = ReplySender(database, Channel.TELEGRAM, send, concurrency=2)
    await sender.start()
    try:
        sender.hand(_write_turn(database, sender, "7", ["one", "two", "three"]))
        await eventually(lambda: len(sent) == 3)
    finally:
        await sender.stop()
    assert sent == ["one", "two", "three"]


async def test_a_stopping_sender_gives_back_what_it_had_not_begun(
    database: DatabaseEngine,
) -> None:
    async def never(_item: ReplyItem) -> SendResult:
        raise AssertionError

    sender = ReplySender(database, Channel.TELEGRAM, never, concurrency=1)
    await sender.start()
    items = _write_turn(database, sender, "7", ["one"])
    sender._stopping = True  # the stop comes before a task could begin what is handed over
    sender.hand(items)
    await sender.stop()
    with new_session(database) as session:
        (stored,) = session.exec(select(ReplyItem)).all()
    assert stored.status is ReplyStatus.PENDING
    assert stored.lease_until is None


async def test_replies_that_find_no_free_task_go_back_to_the_queue(
    database: DatabaseEngine,
) -> None:
    release = asyncio.Event()
    sent: list[str] = []

    async def send(item: ReplyItem) -> SendResult:
        await release.wait()
        sent.append(item.text)
        return SendResult.ok(str(len(sent)))

    sender = ReplySender(database, Channel.TELEGRAM, send, concurrency=1)
    await sender.start()
    try:
        sender.hand(_write_turn(database, sender, "7", ["a"]))
        await eventually(lambda: sender.free_tasks == 0)
        # Written while a task was free, handed once it was not: back to the queue.
        with new_session(database) as session:
            items = replies.add_replies(
                session,
                channel=Channel.TELEGRAM,
                address="8",
                contact_id=None,
                message_id=None,
                replies=[("b", [])],
                claim_for=sender.handed_name,
            )
            session.commit()
        sender.hand(items)

        def queued() -> bool:
            with new_session(database) as session:
                stored = session.get(ReplyItem, items[0].id)
                return stored is not None and stored.status is ReplyStatus.PENDING

        await eventually(queued)
        release.set()
        await eventually(lambda: len(sent) == 2)
    finally:
        await sender.stop()
    assert sent == ["a", "b"]


async def test_one_task_goes_from_update_to_update_claiming_each_as_it_finishes_the_last(
    database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with new_session(database) as session:
        for number in range(5):
            inbox.enqueue(
                session,
                channel=Channel.TELEGRAM,
                message_id=str(number),
                conversation="a" if number % 2 else "b",
                body={"n": number},
            )
        session.commit()
    claims_alone: list[int] = []
    claim_alone = InboxWorker._claim

    def counting_claim(self: InboxWorker) -> InboxItem | None:
        claimed = claim_alone(self)
        if claimed is not None:
            claims_alone.append(claimed.body["n"])
        return claimed

    monkeypatch.setattr(InboxWorker, "_claim", counting_claim)
    seen: list[int] = []

    async def handle(item: InboxItem) -> None:
        seen.append(item.body["n"])

    worker = InboxWorker(database, Channel.TELEGRAM, handle, concurrency=1)
    await worker.start()
    try:
        await eventually(lambda: len(seen) == 5)
    finally:
        await worker.stop()
    assert seen == [0, 1, 2, 3, 4]
    # The first update was claimed alone; each of the others with the finish of the one before.
    assert claims_alone == [0]
    with new_session(database) as session:
        items = session.exec(select(InboxItem)).all()
    assert {item.status for item in items} == {InboxStatus.DONE}
    assert {item.attempts for item in items} == {1}
