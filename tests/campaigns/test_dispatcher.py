"""Every recipient exactly once: retries, crashes (abandoned claims), two dispatchers, cancel."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns import service
from bot.campaigns.delivery import CampaignMessage, Delivery, Outcome, Recipient
from bot.campaigns.dispatcher import LEASE, Dispatcher
from bot.domain import Channel, ContactKind, OutboxStatus, Topic
from bot.storage import contacts
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import Campaign
from bot.storage.types import utcnow

TZ = ZoneInfo("Africa/Libreville")


class FakeSender:
    """Records every delivery; can answer "retry later" the first times."""

    def __init__(self, channel: Channel, *, busy_first: int = 0) -> None:
        self.channel = channel
        self.rate = 10_000.0
        self.sent: Counter[str] = Counter()
        self.busy_left = busy_first

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        if self.busy_left > 0:
            self.busy_left -= 1
            return Delivery(Outcome.RETRY, "429 too many requests", retry_after=0.0)
        self.sent[recipient.address] += 1
        return Delivery(Outcome.SENT)

    async def aclose(self) -> None:
        """Nothing to release."""


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def people(db: DatabaseEngine, count: int, *, channel: Channel = Channel.TELEGRAM) -> None:
    with new_session(db) as session:
        for number in range(count):
            contact = contacts.get_or_create_contact(session, channel=channel, address=str(number))
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()


def campaign(db: DatabaseEngine, audience: str = "all") -> tuple[Campaign, int]:
    return service.create_campaign(
        db, name="Test", messages={"fr": "Bonjour", "en": "Hello"}, tz=TZ, audience=audience
    )


def run_of(db: DatabaseEngine, created: Campaign) -> int:
    run = service.start_run(db, created.id or 0, created.next_run_at or utcnow())
    return run.id or 0


def message_of(created: Campaign):  # type: ignore[no-untyped-def]
    return lambda recipient: service.message_for(created, recipient)


def test_every_recipient_once_despite_rate_limits(db: DatabaseEngine) -> None:
    people(db, 30)
    created, size = campaign(db)
    assert size == 30
    sender = FakeSender(Channel.TELEGRAM, busy_first=12)
    dispatcher = Dispatcher(db, {Channel.TELEGRAM: sender})
    run_id = run_of(db, created)
    assert dispatcher.materialise(run_id) == 30
    assert dispatcher.materialise(run_id) == 0
    counts = asyncio.run(dispatcher.drain(run_id, message_of(created)))
    assert counts == Counter({OutboxStatus.SENT: 30})
    assert set(sender.sent.values()) == {1} and len(sender.sent) == 30
    stats = service.campaign_stats(db, created.id or 0)
    assert stats.targeted == 30 and stats.sent == 30 and stats.pending == 0


def test_a_crashed_dispatcher_s_claims_are_taken_over_once(db: DatabaseEngine) -> None:
    people(db, 10)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    crashed = Dispatcher(db, {}, worker="crashed")
    crashed.materialise(run_id)
    assert len(crashed.claim(run_id, limit=4)) == 4  # ...and then it was killed
    sender = FakeSender(Channel.TELEGRAM)
    now = utcnow()
    survivor = Dispatcher(db, {Channel.TELEGRAM: sender}, clock=lambda: now)
    assert len(survivor.claim(run_id, limit=100)) == 6  # the lease still protects the 4
    later = Dispatcher(
        db, {Channel.TELEGRAM: sender}, clock=lambda: now + LEASE + timedelta(seconds=1)
    )
    asyncio.run(later.drain(run_id, message_of(created)))
    asyncio.run(survivor.drain(run_id, message_of(created)))
    assert len(sender.sent) == 10 and set(sender.sent.values()) == {1}


def test_two_dispatchers_at_once_never_send_twice(db: DatabaseEngine) -> None:
    people(db, 200)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    sender = FakeSender(Channel.TELEGRAM)
    first = Dispatcher(db, {Channel.TELEGRAM: sender})
    second = Dispatcher(db, {Channel.TELEGRAM: sender})
    first.materialise(run_id)

    async def both() -> None:
        await asyncio.gather(
            first.drain(run_id, message_of(created)), second.drain(run_id, message_of(created))
        )

    asyncio.run(both())
    assert len(sender.sent) == 200 and set(sender.sent.values()) == {1}


def test_opted_out_and_unsubscribed_are_never_in_the_audience(db: DatabaseEngine) -> None:
    from bot.storage import deliveries

    people(db, 5)
    with new_session(db) as session:
        deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address="0")
        contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="not-subscribed")
        group = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="-100")
        group.kind = ContactKind.GROUP
        session.add(group)
        session.commit()
    assert campaign(db)[1] == 4
    assert campaign(db, "groups")[1] == 1
    assert campaign(db, "all groups")[1] == 5
    assert campaign(db, "all channel=whatsapp")[1] == 0
    with new_session(db) as session:
        web = contacts.get_or_create_contact(session, channel=Channel.WEB, address="browser")
        contacts.subscribe(session, contact_id=web.id or 0, topic=Topic.NEWS)
        session.commit()
    assert campaign(db)[1] == 4  # a browser chat cannot be messaged unasked


def test_cancel_stops_what_is_not_sent(db: DatabaseEngine) -> None:
    people(db, 8)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    dispatcher = Dispatcher(db, {Channel.TELEGRAM: FakeSender(Channel.TELEGRAM)})
    dispatcher.materialise(run_id)
    assert service.cancel_campaign(db, created.id or 0) == 8
    counts = asyncio.run(dispatcher.drain(run_id, message_of(created)))
    assert counts == Counter({OutboxStatus.CANCELLED: 8})


def test_recurring_campaign_waits_for_its_next_occurrence(db: DatabaseEngine) -> None:
    created, _ = service.create_campaign(
        db, name="Fair trade", messages={"fr": "14 mai"}, tz=TZ, schedule="yearly:05-14"
    )
    assert created.next_run_at == datetime(2027, 5, 14, 9, tzinfo=TZ)
    run = service.start_run(db, created.id or 0, created.next_run_at)
    again = service.start_run(db, created.id or 0, created.next_run_at)
    assert run.id == again.id
    after = service.finish_run(db, run, TZ)
    assert after.state == "scheduled"
    assert after.next_run_at == datetime(2028, 5, 14, 9, tzinfo=TZ)


def test_a_test_send_reaches_one_contact_only(db: DatabaseEngine) -> None:
    from bot.campaigns.runner import queue_test
    from bot.storage.models import ReplyItem

    people(db, 5)
    created, _ = campaign(db)
    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="777")
        contact.locale = "en"
        session.add(contact)
        session.commit()
    # The console's test and the CLI's both queue one reply, in the contact's language
    # unless one is asked.
    first = queue_test(db, created.id or 0, channel=Channel.TELEGRAM, address="777")
    second = queue_test(db, created.id or 0, channel=Channel.TELEGRAM, address="777", locale="fr")
    with new_session(db) as session:
        queued = [session.get(ReplyItem, item_id) for item_id in (first, second)]
    assert [(item.address, item.text) for item in queued if item] == [
        ("777", "Hello"),
        ("777", "Bonjour"),
    ]
    assert service.latest_run(db, created.id or 0) is None  # the real send is still to come
