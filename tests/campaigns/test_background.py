"""The server's campaign loop: due runs sent, missed ones skipped, built-ins seeded once."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.campaigns import service
from bot.campaigns.background import CampaignLoop
from bot.campaigns.builtin import seed_builtin_campaigns
from bot.core.i18n import Catalogues
from bot.domain import CampaignState, Channel
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Campaign
from tests.campaigns.test_dispatcher import FakeSender, people

TZ = ZoneInfo("Africa/Libreville")


def test_due_campaigns_are_sent_and_recurring_ones_rescheduled(database: DatabaseEngine) -> None:
    people(database, 3)
    created, _ = service.create_campaign(
        database, name="Weekly", messages={"fr": "Hebdo"}, tz=TZ, schedule="rule:every monday"
    )
    due_at = created.next_run_at
    assert due_at is not None
    sender = FakeSender(Channel.TELEGRAM)
    early = CampaignLoop(
        database, {Channel.TELEGRAM: sender}, TZ, clock=lambda: due_at - timedelta(minutes=1)
    )
    assert asyncio.run(early.run_due()) == []
    on_time = CampaignLoop(
        database, {Channel.TELEGRAM: sender}, TZ, clock=lambda: due_at + timedelta(minutes=1)
    )
    assert asyncio.run(on_time.run_due()) == [created.id]
    assert len(sender.sent) == 3
    after = service.get_campaign(database, created.id or 0)
    assert after.state is CampaignState.SCHEDULED
    assert after.next_run_at == due_at + timedelta(days=7)


def test_an_occurrence_missed_long_ago_is_skipped(database: DatabaseEngine) -> None:
    people(database, 2)
    created, _ = service.create_campaign(
        database, name="Fair trade", messages={"fr": "14 mai"}, tz=TZ, schedule="yearly:05-14"
    )
    sender = FakeSender(Channel.TELEGRAM)
    two_days_late = datetime(2027, 5, 16, 9, tzinfo=TZ)
    loop = CampaignLoop(database, {Channel.TELEGRAM: sender}, TZ, clock=lambda: two_days_late)
    assert asyncio.run(loop.run_due()) == []
    assert sender.sent == {}
    assert service.get_campaign(database, created.id or 0).next_run_at == datetime(
        2028, 5, 14, 9, tzinfo=TZ
    )


def test_fair_trade_drafts_are_seeded_once(database: DatabaseEngine, settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    assert seed_builtin_campaigns(database, catalogues, TZ)
    assert not seed_builtin_campaigns(database, catalogues, TZ)
    with new_session(database) as session:
        drafts = session.exec(select(Campaign)).all()
    assert {draft.state for draft in drafts} == {CampaignState.DRAFT}
    dates = sorted((draft.next_run_at or datetime.min).date().isoformat() for draft in drafts)
    assert dates == ["2027-05-08", "2027-05-14"]


def test_a_run_reopened_for_its_unsure_recipients_is_finished_by_the_loop(
    database: DatabaseEngine,
) -> None:
    import sqlalchemy as sa

    from bot.domain import OutboxStatus
    from bot.storage.models import OutboxItem

    people(database, 4)
    created, _ = service.create_campaign(database, name="Once", messages={"fr": "Une fois"}, tz=TZ)
    sender = FakeSender(Channel.TELEGRAM)
    loop = CampaignLoop(database, {Channel.TELEGRAM: sender}, TZ)
    assert asyncio.run(loop.run_due()) == [created.id]
    assert service.get_campaign(database, created.id or 0).state is CampaignState.DONE
    # As a kill leaves it: one row unsure (its message never arrived).
    with new_session(database) as session:
        session.execute(
            sa.update(OutboxItem)
            .where(OutboxItem.id == sa.select(sa.func.min(OutboxItem.id)).scalar_subquery())
            .values(status=OutboxStatus.UNSURE)
        )
        session.commit()
    sender.sent.clear()
    assert asyncio.run(loop.run_due()) == []  # done is done, unless staff ask
    assert service.resend_unsure(database, created.id or 0) == 1
    assert asyncio.run(loop.run_due()) == [created.id]
    assert sum(sender.sent.values()) == 1
    assert asyncio.run(loop.run_due()) == []
    after = service.get_campaign(database, created.id or 0)
    assert after.state is CampaignState.DONE
    assert service.campaign_stats(database, created.id or 0).unsure == 0
