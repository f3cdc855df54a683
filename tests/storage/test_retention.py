"""What is kept only for a while is forgotten as the server runs, on SQLite and PostgreSQL."""

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.domain import Channel, InboxStatus, ReplyStatus
from bot.services.retention import PROVIDER_RETRIES_KEPT, RetentionLoop, forget_expired
from bot.storage import contacts, inbox, replies
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import InboxItem, ProcessedMessage, ReplyItem
from bot.storage.types import utcnow

RETENTION = timedelta(days=90)


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def handled_update(db: DatabaseEngine, message_id: str, *, done: bool) -> None:
    with new_session(db) as session:
        inbox.enqueue(
            session,
            channel=Channel.TELEGRAM,
            message_id=message_id,
            conversation="chat-" + message_id,
            body={"update_id": message_id},
        )
        contacts.claim_message(session, channel=Channel.TELEGRAM, message_id=message_id)
        session.commit()
    if done:
        item = None
        with new_session(db) as session:
            item = inbox.claim_next(session, channel=Channel.TELEGRAM, worker="w")
        assert item is not None
        with new_session(db) as session:
            inbox.finish(session, item_id=item.id or 0)
            session.commit()


def reply(db: DatabaseEngine, text: str, *, sent: bool) -> None:
    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="42")
        (item,) = replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address="42",
            # A reply without its contact is dropped once sent: theirs was deleted.
            contact_id=contact.id,
            message_id=text,
            replies=[(text, [])],
            status=ReplyStatus.PENDING,
        )
        session.commit()
        if sent:
            replies.mark_sent(session, item_id=item.id or 0, provider_id="7")
            session.commit()


def statuses(db: DatabaseEngine) -> tuple[list[InboxStatus], list[ReplyStatus], int]:
    with new_session(db) as session:
        return (
            list(session.exec(select(InboxItem.status)).all()),
            list(session.exec(select(ReplyItem.status)).all()),
            len(session.exec(select(ProcessedMessage)).all()),
        )


def test_nothing_recent_is_forgotten(db: DatabaseEngine) -> None:
    handled_update(db, "1", done=True)
    reply(db, "hello", sent=True)

    dropped = forget_expired(db, message_retention=RETENTION)

    assert set(dropped.values()) == {0}
    assert statuses(db) == ([InboxStatus.DONE], [ReplyStatus.SENT], 1)


def test_what_is_past_the_provider_retries_goes_and_open_work_stays(db: DatabaseEngine) -> None:
    handled_update(db, "1", done=True)
    handled_update(db, "2", done=False)
    reply(db, "sent", sent=True)
    reply(db, "waiting", sent=False)
    later = utcnow() + PROVIDER_RETRIES_KEPT + timedelta(hours=1)

    dropped = forget_expired(db, message_retention=RETENTION, now=later)

    assert dropped["handled updates"] == 1
    assert dropped["sent replies"] == 1
    assert dropped["provider message ids"] == 2
    assert statuses(db) == ([InboxStatus.PENDING], [ReplyStatus.PENDING], 0)


def test_a_short_retention_also_shortens_what_replies_keep(db: DatabaseEngine) -> None:
    reply(db, "sent", sent=True)
    later = utcnow() + timedelta(days=2)

    dropped = forget_expired(db, message_retention=timedelta(days=1), now=later)

    assert dropped["sent replies"] == 1


def test_the_server_loop_forgets_every_interval(db: DatabaseEngine) -> None:
    handled_update(db, "1", done=True)
    moments = iter([utcnow() + PROVIDER_RETRIES_KEPT * 2] * 5)

    def clock() -> datetime:
        return next(moments)

    async def run() -> None:
        loop = RetentionLoop(db, message_retention=RETENTION, interval=0.01, clock=clock)
        assert loop.routes() == []
        await loop.start()
        for _ in range(200):
            await asyncio.sleep(0.01)
            if statuses(db)[0] == []:
                break
        await loop.stop()

    asyncio.run(run())

    assert statuses(db) == ([], [], 0)
