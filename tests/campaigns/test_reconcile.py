"""Rows cut off mid-send: checked with the provider where it keeps a log, unsure elsewhere."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.campaigns import service
from bot.campaigns.delivery import CampaignMessage, Delivery, Outcome, Recipient, Reconciling
from bot.campaigns.dispatcher import INTERRUPTED, LEASE, Dispatcher
from bot.campaigns.runner import send_campaign
from bot.domain import Channel, OutboxStatus
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import OutboxItem
from bot.storage.types import utcnow
from tests.campaigns.test_dispatcher import TZ, FakeSender, campaign, message_of, people, run_of


class LoggingSender(FakeSender):
    """A provider that keeps a log of what it accepted, as Twilio does."""

    def __init__(self, channel: Channel, *, already: set[str], broken: bool = False) -> None:
        super().__init__(channel)
        self.already = already
        self.broken = broken
        self.asked: list[tuple[str, datetime]] = []

    async def reconcile(
        self, recipient: Recipient, message: CampaignMessage, since: datetime
    ) -> Delivery | None:
        self.asked.append((recipient.address, since))
        if self.broken:
            return Delivery(Outcome.RETRY, "log unreadable")
        if recipient.address in self.already:
            return Delivery(Outcome.SENT)
        return None


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def cut_off(db: DatabaseEngine, run_id: int, addresses: list[str], at: datetime) -> None:
    """Leave rows as a dispatcher killed mid-send does: "sending", marked at `at`."""
    crashed = Dispatcher(db, {}, worker="killed", clock=lambda: at)
    crashed.materialise(run_id)
    claims = crashed.claim(run_id, limit=1000)
    ids = [claim.item_id for claim in claims if claim.recipient.address in addresses]
    crashed._mark_sending(ids)
    with new_session(db) as session:
        session.execute(
            sa.update(OutboxItem)
            .where(col(OutboxItem.id).notin_(ids))
            .values(status=OutboxStatus.PENDING, claimed_at=None)
        )
        session.commit()


def rows(db: DatabaseEngine) -> dict[str, OutboxItem]:
    from bot.storage.models import Contact

    with new_session(db) as session:
        found = session.exec(
            select(Contact.address, OutboxItem).join(
                Contact, col(Contact.id) == col(OutboxItem.contact_id)
            )
        ).all()
    return dict(found)


def test_the_fakes_are_what_the_dispatcher_tells_apart() -> None:
    assert isinstance(LoggingSender(Channel.WHATSAPP, already=set()), Reconciling)
    assert not isinstance(FakeSender(Channel.TELEGRAM), Reconciling)


def test_a_logged_provider_settles_each_cut_off_row_once(db: DatabaseEngine) -> None:
    people(db, 12, channel=Channel.WHATSAPP)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    marked = utcnow() - LEASE - timedelta(seconds=5)
    cut_off(db, run_id, ["0", "1", "2", "3"], marked)
    sender = LoggingSender(Channel.WHATSAPP, already={"0", "2"})
    counts = asyncio.run(
        Dispatcher(db, {Channel.WHATSAPP: sender}).drain(run_id, message_of(created))
    )
    assert counts == Counter({OutboxStatus.SENT: 12})
    # Asked only about the cut-off rows, from the moment of their mark.
    assert sorted(address for address, _ in sender.asked) == ["0", "1", "2", "3"]
    assert {since for _, since in sender.asked} == {marked}
    # Found in the log: not sent again; not found: sent now; the others as usual.
    assert sender.sent == Counter({str(n): 1 for n in range(12) if n not in (0, 2)})
    assert all(row.sending_at is None for row in rows(db).values())


def test_without_a_log_the_cut_off_rows_are_unsure_and_can_be_resent(db: DatabaseEngine) -> None:
    people(db, 10)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    cut_off(db, run_id, ["4", "5", "6"], utcnow() - LEASE - timedelta(seconds=5))
    sender = FakeSender(Channel.TELEGRAM)
    counts = asyncio.run(
        send_campaign(db, created.id or 0, {Channel.TELEGRAM: sender}, TZ, lease=LEASE)
    )
    assert counts == Counter({OutboxStatus.SENT: 7, OutboxStatus.UNSURE: 3})
    assert set(sender.sent) == {"0", "1", "2", "3", "7", "8", "9"}
    unsure = {address for address, row in rows(db).items() if row.status is OutboxStatus.UNSURE}
    assert unsure == {"4", "5", "6"}
    assert {rows(db)[address].error for address in unsure} == {INTERRUPTED}
    stats = service.campaign_stats(db, created.id or 0)
    assert (stats.sent, stats.unsure, stats.failed, stats.pending) == (7, 3, 0, 0)
    assert stats.as_dict()["unsure"] == 3
    assert service.latest_run(db, created.id or 0).finished_at is not None  # type: ignore[union-attr]

    # Staff prefer a rare duplicate to a miss: the same run is reopened and completed.
    assert service.resend_unsure(db, created.id or 0) == 3
    assert service.reopened_campaigns(db) == [created.id]
    counts = asyncio.run(
        send_campaign(db, created.id or 0, {Channel.TELEGRAM: sender}, TZ, lease=LEASE)
    )
    assert counts == Counter({OutboxStatus.SENT: 10})
    assert sender.sent == Counter({str(n): 1 for n in range(10)})
    assert service.campaign_stats(db, created.id or 0).unsure == 0
    assert service.resend_unsure(db, created.id or 0) == 0
    assert service.reopened_campaigns(db) == []
    assert len({row.run_id for row in rows(db).values()}) == 1  # no new run to everyone


def test_rows_under_a_live_lease_are_left_alone(db: DatabaseEngine) -> None:
    people(db, 3)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    cut_off(db, run_id, ["1"], utcnow())  # its dispatcher may still be sending it
    sender = FakeSender(Channel.TELEGRAM)
    dispatcher = Dispatcher(db, {Channel.TELEGRAM: sender})
    assert {claim.recipient.address for claim in dispatcher.claim(run_id)} == {"0", "2"}
    assert rows(db)["1"].status is OutboxStatus.SENDING


def test_an_unreadable_log_keeps_the_row_to_check_never_sends_blindly(db: DatabaseEngine) -> None:
    people(db, 2, channel=Channel.WHATSAPP)
    created, _ = campaign(db)
    run_id = run_of(db, created)
    marked = utcnow() - LEASE - timedelta(seconds=5)
    cut_off(db, run_id, ["1"], marked)
    sender = LoggingSender(Channel.WHATSAPP, already=set(), broken=True)

    async def passes() -> None:
        dispatcher = Dispatcher(db, {Channel.WHATSAPP: sender})
        for _ in range(8):  # every attempt, then it gives up as unsure, never sending blind
            with new_session(db) as session:
                session.execute(sa.update(OutboxItem).values(not_before=None))
                session.commit()
            await dispatcher.drain(run_id, message_of(created), should_stop=_once())

    asyncio.run(passes())
    row = rows(db)["1"]
    assert row.status is OutboxStatus.UNSURE
    assert row.sending_at == marked  # still the moment to search the log from
    assert sender.sent == Counter({"0": 1})
    # Resent on request, it is still looked up first: once readable, found or sent.
    sender.broken = False
    assert service.resend_unsure(db, created.id or 0) == 1
    again = Dispatcher(db, {Channel.WHATSAPP: sender})
    asyncio.run(again.drain(run_id, message_of(created)))
    assert sender.asked[-1] == ("1", marked)
    assert sender.sent == Counter({"0": 1, "1": 1})


def test_the_concurrency_is_a_setting(db: DatabaseEngine) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Dispatcher(db, {}, in_flight=0)
    from bot.settings import Settings

    assert Settings(_env_file=None, campaign_in_flight=3).campaign_in_flight == 3  # type: ignore[call-arg]


def _once():  # type: ignore[no-untyped-def]
    calls = iter([False])
    return lambda: next(calls, True)
