"""The inbox and the reply outbox, on SQLite and PostgreSQL: once, in order, leases that expire."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.domain import Channel, InboxStatus, ReplyStatus
from bot.storage import inbox, replies
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import InboxItem
from bot.storage.types import utcnow


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def enqueue(db: DatabaseEngine, message_id: str, conversation: str) -> bool:
    with new_session(db) as session:
        added = inbox.enqueue(
            session,
            channel=Channel.TELEGRAM,
            message_id=message_id,
            conversation=conversation,
            body={"update_id": message_id},
        )
        session.commit()
        return added


def claim(db: DatabaseEngine, worker: str = "w1", **options: object) -> InboxItem | None:
    with new_session(db) as session:
        return inbox.claim_next(session, channel=Channel.TELEGRAM, worker=worker, **options)  # type: ignore[arg-type]


def finish(db: DatabaseEngine, item: InboxItem) -> None:
    with new_session(db) as session:
        inbox.finish(session, item_id=item.id or 0)
        session.commit()


def test_a_retried_update_is_written_once(db: DatabaseEngine) -> None:
    assert enqueue(db, "1", "chat-a")
    assert not enqueue(db, "1", "chat-a")
    with new_session(db) as session:
        assert inbox.backlog(session, channel=Channel.TELEGRAM) == 1


def test_one_conversation_in_order_others_at_once(db: DatabaseEngine) -> None:
    for message_id, chat in [("1", "a"), ("2", "a"), ("3", "b")]:
        enqueue(db, message_id, chat)
    first = claim(db, "w1")
    other = claim(db, "w2")
    assert first is not None and first.message_id == "1"
    assert other is not None and other.message_id == "3"  # "2" waits behind "1"
    assert claim(db, "w3") is None
    finish(db, first)
    second = claim(db, "w3")
    assert second is not None and second.message_id == "2"


def test_a_dead_workers_update_is_taken_again_after_its_lease(db: DatabaseEngine) -> None:
    enqueue(db, "1", "a")
    taken = claim(db, "dies", lease=timedelta(seconds=30))
    assert taken is not None
    assert claim(db, "w2") is None
    again = claim(db, "w2", now=utcnow() + timedelta(seconds=31))
    assert again is not None and again.message_id == "1" and again.attempts == 2


def test_an_update_that_keeps_failing_is_set_aside(db: DatabaseEngine) -> None:
    enqueue(db, "1", "a")
    enqueue(db, "2", "a")
    status = InboxStatus.PENDING
    while status is InboxStatus.PENDING:
        item = claim(db)
        assert item is not None and item.message_id == "1"
        with new_session(db) as session:
            status = inbox.give_back(session, item=item, error="boom")
            session.commit()
    assert status is InboxStatus.FAILED
    nxt = claim(db)
    assert nxt is not None and nxt.message_id == "2"


def test_replies_go_out_in_order_and_a_retry_holds_back_the_next(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        replies.add_replies(
            session,
            channel=Channel.WHATSAPP,
            address="+24177000000",
            contact_id=None,
            message_id="SM1",
            replies=[("one", []), ("two", [["Menu", "menu"]])],
        )
        session.commit()
    with new_session(db) as session:
        first = replies.claim_next(session, channel=Channel.WHATSAPP, worker="s1")
        assert first is not None and first.text == "one"
    with new_session(db) as session:
        assert replies.claim_next(session, channel=Channel.WHATSAPP, worker="s2") is None
        replies.retry_later(session, item=first, after=60, reason="rate limited")
        session.commit()
    with new_session(db) as session:
        assert replies.claim_next(session, channel=Channel.WHATSAPP, worker="s2") is None
        later = replies.claim_next(
            session, channel=Channel.WHATSAPP, worker="s2", now=utcnow() + timedelta(seconds=61)
        )
        assert later is not None and later.text == "one"
        replies.mark_sent(session, item_id=later.id or 0, provider_id="SMx")
        session.commit()
    with new_session(db) as session:
        second = replies.claim_next(session, channel=Channel.WHATSAPP, worker="s2")
        assert second is not None and second.text == "two"
        assert second.choices == [["Menu", "menu"]]
        [kept] = [
            item
            for item in replies.replies_to(session, channel=Channel.WHATSAPP, message_id="SM1")
            if item.status is ReplyStatus.CLAIMED
        ]
        assert kept.id == second.id


def receive(db: DatabaseEngine, message_id: str, conversation: str) -> InboxItem | None:
    """Write an update and claim it at once for this process's worker, as the webhook does."""
    with new_session(db) as session:
        inbox.enqueue(
            session,
            channel=Channel.TELEGRAM,
            message_id=message_id,
            conversation=conversation,
            body={"update_id": message_id},
        )
        claimed = inbox.claim_received(
            session,
            channel=Channel.TELEGRAM,
            message_id=message_id,
            conversation=conversation,
            worker="handed-here",
        )
        session.commit()
        return claimed


def test_an_update_received_is_claimed_at_once_unless_its_conversation_waits(
    db: DatabaseEngine,
) -> None:
    first = receive(db, "1", "a")
    assert first is not None
    assert (first.status, first.claimed_by, first.attempts) == (
        InboxStatus.CLAIMED,
        "handed-here",
        1,
    )
    assert receive(db, "2", "a") is None  # "1" is not finished: "2" waits in the queue
    assert receive(db, "3", "b") is not None
    assert claim(db, "w2") is None  # "2" still waits behind "1"
    finish(db, first)
    second = claim(db, "w2")
    assert second is not None and second.message_id == "2"


def test_updates_handed_over_and_not_begun_go_back_to_the_queue(db: DatabaseEngine) -> None:
    handed = receive(db, "1", "a")
    assert handed is not None
    with new_session(db) as session:
        inbox.release(session, item_ids=[handed.id or 0], worker="someone else")
        session.commit()
    assert claim(db, "w2") is None  # not theirs to give back
    with new_session(db) as session:
        inbox.release(session, item_ids=[handed.id or 0], worker="handed-here")
        session.commit()
    again = claim(db, "w2")
    assert again is not None and again.message_id == "1"
    # Given back before it was begun: taking it again is its first attempt, not its second.
    assert again.attempts == 1


def test_finishing_an_update_claims_the_next_in_the_same_commit(db: DatabaseEngine) -> None:
    first = receive(db, "1", "a")
    assert first is not None
    assert receive(db, "2", "a") is None  # waits behind "1"
    with new_session(db) as session:
        inbox.finish(session, item_id=first.id or 0)
        following = inbox.claim_next(session, channel=Channel.TELEGRAM, worker="w1")
    assert following is not None and following.message_id == "2"
    with new_session(db) as session:
        done = session.get(InboxItem, first.id)
        assert done is not None and done.status == InboxStatus.DONE
    # Nothing left to claim: the finish is committed all the same.
    with new_session(db) as session:
        inbox.finish(session, item_id=following.id or 0)
        assert inbox.claim_next(session, channel=Channel.TELEGRAM, worker="w1") is None
    with new_session(db) as session:
        last = session.get(InboxItem, following.id)
        assert last is not None and last.status == InboxStatus.DONE


def test_a_claimed_row_comes_back_whole_and_typed(db: DatabaseEngine) -> None:
    """The claim reads the row from its RETURNING: every column as the ORM would give it."""
    with new_session(db) as session:
        replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address="42",
            contact_id=None,
            message_id="7",
            replies=[("Bonjour é 🌍", [["Menu", "menu"], ["Aide", "help"]])],
            context={"reply_to": 5, "thread_id": 9},
        )
        session.commit()
    with new_session(db) as session:
        reply = replies.claim_next(session, channel=Channel.TELEGRAM, worker="s1")
    assert reply is not None
    assert (reply.text, reply.choices, reply.context) == (
        "Bonjour é 🌍",
        [["Menu", "menu"], ["Aide", "help"]],
        {"reply_to": 5, "thread_id": 9},
    )
    assert (reply.status, reply.claimed_by, reply.attempts) == (ReplyStatus.CLAIMED, "s1", 1)
    assert isinstance(reply.status, ReplyStatus) and reply.id is not None
    assert reply.lease_until is not None and reply.lease_until.utcoffset() is not None
    assert reply.created_at.utcoffset() is not None
    update = receive(db, "8", "c")
    assert update is not None and update.body == {"update_id": "8"}
    assert isinstance(update.status, InboxStatus) and update.received_at.utcoffset() is not None
