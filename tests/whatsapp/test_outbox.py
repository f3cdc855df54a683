"""Replies committed with their turn: kept through failures and restarts, sent once."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlmodel import select

from bot.app import Relais
from bot.channels.whatsapp import WhatsAppChannel, webhook
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.domain import ReplyStatus
from bot.storage.database import new_session
from bot.storage.models import Contact, Conversation, OutboundMessage, ReplyItem
from bot.web.server import create_web_app
from tests.whatsapp.fake_twilio import FakeTwilio
from tests.whatsapp.phone import INBOUND_URL, PUBLIC_URL, inbound_form, post_signed

NUMBER = "+24166123457"
TO = f"whatsapp:{NUMBER}"


@asynccontextmanager
async def serving(
    relais: Relais, *, started: bool = True, retry_delays: tuple[float, ...] = (0.01,)
) -> AsyncIterator[tuple[WhatsAppChannel, httpx.AsyncClient]]:
    """Run one "process": a fresh sender and channel over the database, and a client."""
    sender = WhatsAppSender.from_settings(
        relais.settings,
        relais.database,
        relais.engine.services.catalogues,
        retry_delays=retry_delays,
    )
    channel = WhatsAppChannel(relais, sender=sender)
    if started:
        await channel.start()
    app = create_web_app(relais, channels=[channel])
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as client:
            yield channel, client
    finally:
        await channel.stop()


def rows(relais: Relais) -> list[ReplyItem]:
    with new_session(relais.database) as session:
        return list(session.exec(select(ReplyItem).order_by(ReplyItem.id)).all())


def outbound(relais: Relais) -> list[OutboundMessage]:
    with new_session(relais.database) as session:
        return list(session.exec(select(OutboundMessage)).all())


def misunderstandings(relais: Relais) -> int:
    with new_session(relais.database) as session:
        contact = session.exec(select(Contact).where(Contact.address == NUMBER)).one()
        conversation = session.exec(
            select(Conversation).where(Conversation.contact_id == contact.id)
        ).one()
        return conversation.misunderstandings


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    msg = "condition not met in time"
    raise AssertionError(msg)


async def test_a_reply_whose_send_failed_is_sent_after_a_restart_exactly_once(
    relais: Relais, twilio: FakeTwilio
) -> None:
    twilio.fail(TO, 20500)
    async with serving(relais, retry_delays=(0.3,)) as (_, client):
        response = await post_signed(client, INBOUND_URL, inbound_form(NUMBER, "bonjour"))
        assert response.status_code == 200
        # The first attempt fails; the process stops before the next one.
        await until(lambda: bool(rows(relais)) and rows(relais)[0].error is not None)
    [row] = rows(relais)
    assert row.status == ReplyStatus.PENDING and "Bonjour" in row.text
    assert twilio.sent_to(TO) == [] and outbound(relais) == []
    async with serving(relais) as (channel, _):
        await channel.drain()
    async with serving(relais) as (channel, _):
        await channel.drain()
    [call] = twilio.sent_to(TO)
    assert "Bonjour" in call.body
    [row] = rows(relais)
    assert row.status == ReplyStatus.SENT and row.provider_id
    [message] = outbound(relais)
    assert message.provider_id == row.provider_id


async def test_twilio_retrying_a_message_whose_reply_was_not_sent_gets_it_once(
    relais: Relais, twilio: FakeTwilio
) -> None:
    form = inbound_form(NUMBER, "xqzt blorp")
    async with serving(relais, started=False) as (_, client):
        # This process answers too late for Twilio (or dies) before sending the reply.
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
    written = [(row.id, row.status) for row in rows(relais)]
    assert written and all(status == ReplyStatus.PENDING for _, status in written)
    async with serving(relais) as (channel, client):
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
        await channel.drain()
    assert len(twilio.sent_to(TO)) == 1
    assert [row.id for row in rows(relais)] == [row_id for row_id, _ in written]
    assert {row.status for row in rows(relais)} == {ReplyStatus.SENT}
    assert misunderstandings(relais) == 1, "the turn was applied once"


async def test_a_retry_after_the_reply_was_sent_sends_nothing(
    relais: Relais, twilio: FakeTwilio
) -> None:
    form = inbound_form(NUMBER, "bonjour")
    async with serving(relais) as (channel, client):
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
        await channel.drain()
        assert len(twilio.calls) == 1
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
        await channel.drain()
    async with serving(relais) as (channel, client):
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
        await channel.drain()
    assert len(twilio.calls) == 1
    assert len(rows(relais)) == 1 and len(outbound(relais)) == 1


async def test_too_many_unsent_replies_ask_twilio_to_come_back(
    relais: Relais, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "MAX_PENDING_REPLIES", 1)
    first, second = inbound_form(NUMBER, "bonjour"), inbound_form(NUMBER, "menu")
    async with serving(relais, started=False) as (_, client):
        assert (await post_signed(client, INBOUND_URL, first)).status_code == 200
        response = await post_signed(client, INBOUND_URL, second)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(webhook.RETRY_AFTER_SECONDS)
    assert len(rows(relais)) == 1, "the refused message was not handled"
    async with serving(relais) as (channel, client):
        await channel.drain()
        assert (await post_signed(client, INBOUND_URL, second)).status_code == 200
        await channel.drain()
    assert len(twilio.sent_to(TO)) == 2


async def test_an_engine_that_cannot_keep_up_asks_twilio_to_come_back(
    relais: Relais, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "MAX_TURNS_IN_FLIGHT", 0)
    async with serving(relais) as (channel, client):
        response = await post_signed(client, INBOUND_URL, inbound_form(NUMBER, "bonjour"))
        await channel.drain()
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert rows(relais) == [] and twilio.calls == []


async def test_a_refused_reply_is_given_up_with_the_rest_of_its_turn(
    relais: Relais, twilio: FakeTwilio
) -> None:
    twilio.fail(TO, 21211)
    async with serving(relais) as (channel, client):
        form = inbound_form(NUMBER, "bonjour")
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
        await channel.drain()
    assert rows(relais) and {row.status for row in rows(relais)} == {ReplyStatus.FAILED}
    assert [call.answered for call in twilio.calls] == [400], "refused for good: not retried"
