"""Two `relais serve` processes on one PostgreSQL database: the work is shared, none done twice.

Both serve Telegram's webhook and Twilio's; updates are posted to either, and some are posted
again to the other (as a provider retries after a timeout). Both run the campaign loop from
the same start, on a campaign and an event reminder that are due. Fake providers on loopback
record every call: each update is handled once, each reply sent once, each campaign
recipient and each reminder recipient reached once.
"""

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.campaigns import service
from bot.campaigns.events import create_event
from bot.channels.telegram.adapter import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.render import render
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.domain import CampaignState, Channel, EventKind, InboxStatus, OutboxStatus, Topic
from bot.storage import contacts, inbox, replies
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import Campaign, EventReminder, InboxItem, OutboxItem, ProcessedMessage
from bot.storage.types import utcnow
from tests.scaleout import cluster
from tests.telegram.fake_api import FakeBotApi
from tests.whatsapp.fake_twilio import FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL, inbound_form, signature

pytestmark = pytest.mark.postgres

TZ = ZoneInfo("Africa/Libreville")
TELEGRAM_CHATS = [771_000_000 + n for n in range(60)]
WHATSAPP_NUMBERS = [f"+2416630{n:04d}" for n in range(20)]
SUBSCRIBERS = [772_000_000 + n for n in range(40)]
WHATSAPP_SUBSCRIBERS = [f"+2416640{n:04d}" for n in range(10)]
CAMPAIGN = "Assemblée trimestrielle des coopératives : rendez-vous le 3 mars."
EVENT = "Formation des trésoriers"


@pytest.fixture
def shared_database() -> Iterator[str]:
    admin_url = os.environ.get(cluster.ADMIN_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"{cluster.ADMIN_URL_VARIABLE} is not set: the Makefile sets it")
    with cluster.own_database(admin_url) as url:
        yield url


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def test_two_servers_share_every_queue_and_do_nothing_twice(
    shared_database: str, api: FakeBotApi, twilio: FakeTwilio, tmp_path: Path, engine: Engine
) -> None:
    expected = sum(
        len(render(reply))
        for reply in engine.handle(Incoming(channel=Channel.TELEGRAM, sender="1", text="bonjour"))
    )
    database = create_db_engine(shared_database)
    _seed(database)
    servers = [
        cluster.start(shared_database, api, twilio, tmp_path, name) for name in ("one", "two")
    ]
    try:
        cluster.wait_up(servers)
        _wait(lambda: len(api.calls("setWebhook")) >= 2, servers)
        with httpx.Client(timeout=30) as client:
            for index, chat in enumerate(TELEGRAM_CHATS):
                update = cluster.greeting_update(chat)
                _telegram(client, servers[index % 2].url, update)
                if index % 3 == 0:
                    # Telegram sends an update again when its 200 came too late.
                    _telegram(client, servers[(index + 1) % 2].url, update)
            for index, number in enumerate(WHATSAPP_NUMBERS):
                form = inbound_form(number, "menu")
                _whatsapp(client, servers[index % 2].url, form)
                if index % 4 == 0:
                    _whatsapp(client, servers[(index + 1) % 2].url, form)
        _wait(lambda: _idle(database), servers, timeout=120)
    finally:
        cluster.stop(servers)

    telegram = Counter(call.chat_id for call in api.sent() if call.chat_id in TELEGRAM_CHATS)
    assert telegram == dict.fromkeys(TELEGRAM_CHATS, expected), "each update answered once"
    whatsapp = Counter(call.to for call in twilio.calls if call.to.endswith(_tails()))
    assert whatsapp == {f"whatsapp:{number}": 1 for number in WHATSAPP_NUMBERS}
    campaign = Counter(call.chat_id for call in api.sent() if CAMPAIGN in call.params["text"])
    assert campaign == dict.fromkeys(SUBSCRIBERS, 1), "each campaign recipient reached once"
    campaign_wa = Counter(call.to for call in twilio.calls if CAMPAIGN in call.body)
    assert campaign_wa == {f"whatsapp:{number}": 1 for number in WHATSAPP_SUBSCRIBERS}
    reminded = Counter(call.chat_id for call in api.sent() if EVENT in call.params["text"])
    assert reminded == dict.fromkeys(SUBSCRIBERS, 1), "each reminder recipient reached once"
    with new_session(database) as session:
        items = session.exec(select(InboxItem)).all()
        assert len(items) == len(TELEGRAM_CHATS)
        assert {(item.status, item.attempts) for item in items} == {(InboxStatus.DONE, 1)}
        claimed_by = Counter(item.claimed_by.split("-")[-1] for item in items if item.claimed_by)
        reminder_campaigns = session.exec(
            select(Campaign).where(col(Campaign.name).like("event % reminder"))
        ).all()
        assert len(reminder_campaigns) == 1
        outbox = Counter(item.status for item in session.exec(select(OutboxItem)).all())
        assert outbox == {OutboxStatus.SENT: 2 * len(SUBSCRIBERS) + len(WHATSAPP_SUBSCRIBERS)}
        handled = session.execute(
            select(sa.func.count()).select_from(ProcessedMessage)
        ).scalar_one()
        assert handled == len(TELEGRAM_CHATS) + len(WHATSAPP_NUMBERS)
    database.dispose()
    # Both processes took part (a test of sharing, not of one server and a bystander).
    assert len(claimed_by) == 2, claimed_by
    print(f"updates handled by each process: {dict(claimed_by)}")


def _tails() -> tuple[str, ...]:
    return tuple(WHATSAPP_NUMBERS)


def _seed(database: sa.Engine) -> None:
    """Subscribers, a campaign due now, and an event whose first reminder is due."""
    now = utcnow()
    with new_session(database) as session:
        for chat in SUBSCRIBERS:
            contact = contacts.get_or_create_contact(
                session, channel=Channel.TELEGRAM, address=str(chat)
            )
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.EVENTS)
        for number in WHATSAPP_SUBSCRIBERS:
            contact = contacts.get_or_create_contact(
                session, channel=Channel.WHATSAPP, address=number
            )
            # Written within 24 hours: a free-form message may reach them.
            contact.last_inbound_at = now - timedelta(hours=1)
            session.add(contact)
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()
    service.create_campaign(database, name="Scale-out", messages={"fr": CAMPAIGN}, tz=TZ)
    create_event(
        database,
        kind=EventKind.TRAINING,
        title={"fr": EVENT},
        starts_at=(now + timedelta(hours=3)).astimezone(TZ),
        place="Libreville",
        audience="all channel=telegram topic=events",
        offsets=[4 * 60, 60],
    )


def _telegram(client: httpx.Client, base: str, update: dict[str, Any]) -> None:
    headers = {SECRET_HEADER: cluster.SECRET}
    response = client.post(base + WEBHOOK_PATH, json=update, headers=headers)
    assert response.status_code == 200, response.text


def _whatsapp(client: httpx.Client, base: str, form: dict[str, str]) -> None:
    headers = {"X-Twilio-Signature": signature(f"{PUBLIC_URL}/webhooks/whatsapp", form)}
    response = client.post(base + "/webhooks/whatsapp", data=form, headers=headers)
    assert response.status_code == 200, response.text


def _idle(database: sa.Engine) -> bool:
    with new_session(database) as session:
        if inbox.backlog(session, channel=Channel.TELEGRAM):
            return False
        if any(replies.pending_count(session, channel=channel) for channel in Channel):
            return False
        reminders_left = session.execute(
            select(sa.func.count())
            .select_from(EventReminder)
            .where(col(EventReminder.done_at).is_(None), col(EventReminder.due_at) <= utcnow())
        ).scalar_one()
        campaigns_left = session.execute(
            select(sa.func.count())
            .select_from(Campaign)
            .where(col(Campaign.state).in_([CampaignState.SCHEDULED, CampaignState.SENDING]))
            .where(col(Campaign.next_run_at) <= utcnow())
        ).scalar_one()
        outbox_left = session.execute(
            select(sa.func.count())
            .select_from(OutboxItem)
            .where(
                col(OutboxItem.status).in_(
                    [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
                )
            )
        ).scalar_one()
        return reminders_left == campaigns_left == outbox_left == 0


def _wait(
    condition: Callable[[], bool], servers: list[cluster.Server], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for server in servers:
            assert server.alive(), server.log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.1)
