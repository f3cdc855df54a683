"""A WhatsApp campaign send cut off mid-way is settled by Twilio's log, over the real REST list."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.app import Relais
from bot.campaigns import service
from bot.campaigns.delivery import CampaignMessage, Outcome, Recipient
from bot.campaigns.dispatcher import LEASE, Dispatcher
from bot.channels.whatsapp.bulk import WhatsAppCampaigns
from bot.channels.whatsapp.history import TwilioLogError
from bot.channels.whatsapp.render import MAX_BODY
from bot.channels.whatsapp.sender import Template, WhatsAppSender
from bot.core.messages import Outgoing
from bot.domain import Channel, ContactKind, DeliveryStatus, OutboxStatus, Topic
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage, OutboxItem
from bot.storage.types import utcnow
from tests.whatsapp.fake_twilio import WHATSAPP_FROM, FakeTwilio

NUMBER = "+24177300001"


def contact(relais: Relais, number: str = NUMBER, *, hours_ago: float = 1) -> Contact:
    with new_session(relais.database) as session:
        found = contacts.get_or_create_contact(session, channel=Channel.WHATSAPP, address=number)
        found.last_inbound_at = utcnow() - timedelta(hours=hours_ago)
        session.add(found)
        contacts.subscribe(session, contact_id=found.id or 0, topic=Topic.NEWS)
        session.commit()
        session.refresh(found)
        return found


def recipient_of(found: Contact) -> Recipient:
    return Recipient(
        contact_id=found.id or 0,
        channel=Channel.WHATSAPP,
        address=found.address,
        kind=ContactKind.PERSON,
        locale=None,
        last_inbound_at=found.last_inbound_at,
    )


def bulk(relais: Relais) -> WhatsAppCampaigns:
    return WhatsAppCampaigns(relais.settings, relais.database, relais.engine.services.catalogues)


async def test_the_log_is_read_page_after_page_and_from_the_moment_given(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    found = contact(relais)
    other = contact(relais, "+24177300002")
    for number in range(5):
        await sender.send(found, Outgoing(f"Annonce {number}"))
    await sender.send(other, Outgoing("Pour quelqu'un d'autre"))
    since = utcnow()
    later = await sender.sent_since(found.address, since - timedelta(minutes=5))
    assert [message.body for message in later] == [f"Annonce {n}" for n in range(5)]
    assert {message.direction for message in later} == {"outbound-api"}
    # Twilio's DateSent filter is by date: the moment itself is checked on date_created.
    assert await sender.sent_since(found.address, since + timedelta(minutes=5)) == []
    query = twilio.listings[0]
    assert query["To"] == f"whatsapp:{NUMBER}" and query["From"] == WHATSAPP_FROM
    assert query["DateSent>"] == (since - timedelta(minutes=5, seconds=30)).date().isoformat()

    from bot.channels.whatsapp import history

    twilio.listings.clear()
    paged = await history.sent_since(
        sender._client, sender=WHATSAPP_FROM, address=NUMBER, since=since - timedelta(minutes=5),
        page_size=2,
    )  # fmt: skip
    assert [message.body for message in paged] == [f"Annonce {n}" for n in range(5)]
    assert [query.get("Page", "0") for query in twilio.listings] == ["0", "1", "2"]
    assert all(query["PageSize"] == "2" for query in twilio.listings)


async def test_an_unreadable_log_says_so(relais: Relais, sender: WhatsAppSender) -> None:
    broken = WhatsAppSender.from_settings(
        relais.settings.model_copy(update={"twilio_api_url": "http://127.0.0.1:9"}),
        relais.database,
        relais.engine.services.catalogues,
        retry_delays=(0.01,),
    )
    try:
        with pytest.raises(TwilioLogError, match=r"\w"):
            await broken.sent_since(NUMBER, utcnow())
    finally:
        await broken.aclose()


async def test_a_text_twilio_has_is_marked_sent_with_its_sid(
    relais: Relais, sender: WhatsAppSender, twilio: FakeTwilio
) -> None:
    found = contact(relais)
    since = utcnow()
    [accepted] = await sender.send(found, Outgoing("Formation le 3 mars"))
    with new_session(relais.database) as session:  # the crash came before it was recorded
        session.execute(sa.delete(OutboundMessage))
        session.commit()
    channel = bulk(relais)
    try:
        result = await channel.reconcile(
            recipient_of(found), CampaignMessage("Formation le 3 mars"), since
        )
        assert result is not None and result.outcome is Outcome.SENT
        with new_session(relais.database) as session:
            recorded = session.get(OutboundMessage, result.outbound_id)
        assert recorded is not None and recorded.provider_id == accepted.provider_id
        assert recorded.status is DeliveryStatus.SENT and recorded.text == "Formation le 3 mars"
        # Another text, or the same before the cut-off moment, is not it.
        assert await channel.reconcile(recipient_of(found), CampaignMessage("Autre"), since) is None
        assert (
            await channel.reconcile(
                recipient_of(found),
                CampaignMessage("Formation le 3 mars"),
                utcnow() + timedelta(minutes=2),
            )
            is None
        )
    finally:
        await channel.aclose()
    assert len(twilio.sent_to(f"whatsapp:{NUMBER}")) == 1


async def test_a_long_text_cut_between_its_parts_gets_only_the_rest(
    relais: Relais, sender: WhatsAppSender, twilio: FakeTwilio
) -> None:
    found = contact(relais)
    text = " ".join(["Le Forum de l'économie sociale et solidaire ouvre ses portes."] * 60)
    parts = sender.render(found, [Outgoing(text)])
    assert len(parts) >= 2 and all(len(part) <= MAX_BODY for part in parts)
    since = utcnow()
    await sender.send_parts(found, parts[:1])  # killed after the first part
    channel = bulk(relais)
    try:
        result = await channel.reconcile(recipient_of(found), CampaignMessage(text), since)
    finally:
        await channel.aclose()
    assert result is not None and result.outcome is Outcome.SENT
    assert [call.body for call in twilio.sent_to(f"whatsapp:{NUMBER}")] == parts


async def test_a_template_is_matched_by_a_message_not_recorded_as_another(
    relais: Relais, sender: WhatsAppSender, twilio: FakeTwilio
) -> None:
    found = contact(relais, hours_ago=30)  # outside the window: the template went
    since = utcnow()
    await sender.send(found, Template("HX" + "ab" * 16, {"1": "3 mars"}))
    channel = bulk(relais)
    message = CampaignMessage("Formation", "HX" + "ab" * 16, {"1": "3 mars"})
    try:
        # Recorded locally with its Content SID: that is the one.
        result = await channel.reconcile(recipient_of(found), message, since)
        assert result is not None and result.outcome is Outcome.SENT
        with new_session(relais.database) as session:
            session.execute(sa.delete(OutboundMessage))  # now as if killed before recording
            session.commit()
        result = await channel.reconcile(recipient_of(found), message, since)
        assert result is not None and result.outcome is Outcome.SENT
        with new_session(relais.database) as session:
            recorded = session.get(OutboundMessage, result.outbound_id)
        assert recorded is not None and recorded.template_id == "HX" + "ab" * 16
        # A message recorded as something else (a reply) is not the template.
        with new_session(relais.database) as session:
            session.execute(sa.update(OutboundMessage).values(template_id="HXother"))
            session.commit()
        assert await channel.reconcile(recipient_of(found), message, since) is None
    finally:
        await channel.aclose()


async def test_a_run_resumed_after_a_crash_sends_each_recipient_once(
    relais: Relais, sender: WhatsAppSender, twilio: FakeTwilio
) -> None:
    numbers = [f"+2417730{n:04d}" for n in range(20)]
    people = {number: contact(relais, number) for number in numbers}
    created, size = service.create_campaign(
        relais.database, name="Reprise", messages={"fr": "Bonjour"}, tz=relais.settings.tz
    )
    assert size == len(numbers)
    run = service.start_run(relais.database, created.id or 0, utcnow())
    marked = utcnow() - LEASE - timedelta(seconds=5)
    killed = Dispatcher(relais.database, {}, worker="killed", clock=lambda: marked)
    killed.materialise(run.id or 0)
    claims = killed.claim(run.id or 0)
    cut = [c for c in claims if c.recipient.address in numbers[:6]]
    killed._mark_sending([claim.item_id for claim in cut])
    with new_session(relais.database) as session:
        session.execute(
            sa.update(OutboxItem)
            .where(col(OutboxItem.status) == OutboxStatus.CLAIMED)
            .values(claimed_at=marked)
        )
        session.commit()
    # Of the six in flight at the kill, Twilio took three (their answers were lost).
    for number in numbers[:3]:
        await sender.send(people[number], Outgoing("Bonjour"))
    with new_session(relais.database) as session:
        session.execute(sa.delete(OutboundMessage))
        session.commit()
    # As `relais campaign send` does on a second run.
    from bot.campaigns.runner import send_campaign

    channel = bulk(relais)
    try:
        counts = await send_campaign(
            relais.database, created.id or 0, {Channel.WHATSAPP: channel}, relais.settings.tz
        )
    finally:
        await channel.aclose()
    assert counts == {OutboxStatus.SENT: len(numbers)}
    for number in numbers:
        assert len(twilio.sent_to(f"whatsapp:{number}")) == 1, number
    with new_session(relais.database) as session:
        outbox = session.exec(select(OutboxItem)).all()
        sids = {m.id: m.provider_id for m in session.exec(select(OutboundMessage)).all()}
    assert all(row.outbound_id in sids and row.sending_at is None for row in outbox)
    assert service.campaign_stats(relais.database, created.id or 0).unsure == 0
    assert datetime.now(UTC) > marked
