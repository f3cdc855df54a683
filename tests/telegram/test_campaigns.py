"""Campaigns over Telegram, against the fake Bot API: 429s, blocked people, groups."""

import asyncio

from bot.campaigns import service
from bot.campaigns.dispatcher import Dispatcher
from bot.channels.telegram.bulk import TelegramCampaigns
from bot.core.engine import Engine
from bot.domain import Channel, ContactKind, OutboxStatus, Topic
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Contact
from tests.telegram.conftest import telegram_settings
from tests.telegram.fake_api import FakeBotApi

PEOPLE = [1001, 1002, 1003, 1004, 1005]
GROUP = -100777


def prepare(engine: Engine) -> None:
    with new_session(engine.database) as session:
        for chat_id in PEOPLE:
            contact = contacts.get_or_create_contact(
                session, channel=Channel.TELEGRAM, address=str(chat_id)
            )
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        group = contacts.get_or_create_contact(
            session, channel=Channel.TELEGRAM, address=str(GROUP)
        )
        group.kind = ContactKind.GROUP
        session.add(group)
        session.commit()


def test_every_recipient_once_despite_429_and_blocks(
    engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    prepare(engine)
    api.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 1",
        retry_after=0,
        times=3,
    )
    api.block(PEOPLE[-1])
    created, size = service.create_campaign(
        engine.database, name="Formation", messages={"fr": "Formation le 3 mars"},
        tz=settings.tz, audience="all groups",
    )  # fmt: skip
    assert size == 6
    run = service.start_run(engine.database, created.id or 0, created.next_run_at)  # type: ignore[arg-type]
    sender = TelegramCampaigns(telegram_settings(settings, api, webhook=False), engine.database)
    dispatcher = Dispatcher(engine.database, {Channel.TELEGRAM: sender})
    dispatcher.materialise(run.id or 0)

    async def send() -> None:
        try:
            await dispatcher.drain(run.id or 0, lambda r: service.message_for(created, r))
        finally:
            await sender.aclose()

    asyncio.run(send())
    counts = dispatcher.counts(run.id or 0)
    assert counts[OutboxStatus.SENT] == 5 and counts[OutboxStatus.FAILED] == 1
    delivered = [call for call in api.sent() if call.ok]
    chats = [call.chat_id for call in delivered]
    assert sorted(chats) == sorted([*PEOPLE[:-1], GROUP])  # each once, the blocked one never
    with new_session(engine.database) as session:
        blocked = contacts.find_contact(session, channel=Channel.TELEGRAM, address=str(PEOPLE[-1]))
        assert isinstance(blocked, Contact) and blocked.opted_out_at is not None
