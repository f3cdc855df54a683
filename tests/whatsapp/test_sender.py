"""The sending service campaigns will use: the 24-hour window, opt-outs, Twilio's errors."""

import time
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import Relais
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.render import MAX_BODY, body_length
from bot.channels.whatsapp.sender import Template, WhatsAppSender
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus, Topic
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage
from bot.storage.types import utcnow
from tests.whatsapp.conftest import FAST_RETRIES, Clock
from tests.whatsapp.fake_twilio import FakeTwilio
from tests.whatsapp.phone import INBOUND_URL, inbound_form, post_signed

NUMBER = "+24162000111"
TO = f"whatsapp:{NUMBER}"
NEWS = Outgoing("Journée du commerce équitable le 14 mai : venez nombreux !")
TEMPLATE = Template("HX" + "c" * 32, {"1": "14 mai", "2": "Libreville"})


def make_contact(
    database: DatabaseEngine, *, wrote_ago: timedelta | None, subscribed: bool = True
) -> Contact:
    with new_session(database) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.WHATSAPP, address=NUMBER)
        contact.last_inbound_at = None if wrote_ago is None else utcnow() - wrote_ago
        session.add(contact)
        session.flush()
        if subscribed:
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()
        return contact


def reload(database: DatabaseEngine, contact: Contact) -> Contact:
    with new_session(database) as session:
        found = session.get(Contact, contact.id)
        assert found is not None
        return found


def outbound(database: DatabaseEngine) -> list[OutboundMessage]:
    with new_session(database) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())


async def test_stop_then_a_campaign_send_is_refused(
    client: httpx.AsyncClient,
    whatsapp: WhatsAppChannel,
    sender: WhatsAppSender,
    twilio: FakeTwilio,
    relais: Relais,
) -> None:
    for text in ["abonnez-moi", "STOP"]:
        await post_signed(client, INBOUND_URL, inbound_form(NUMBER, text))
        await whatsapp.drain()
    assert "vous ne recevrez plus" in twilio.calls[-1].body
    calls = len(twilio.calls)
    with new_session(relais.database) as session:
        contact = session.exec(select(Contact).where(Contact.address == NUMBER)).one()
    assert contact.opted_out_at is not None
    [delivery] = await sender.send(contact, NEWS, fallback=TEMPLATE)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.error_reason and delivery.error_reason.startswith("opted out")
    assert len(twilio.calls) == calls
    assert outbound(relais.database)[-1].status == DeliveryStatus.SKIPPED
    # Opting in again lifts the refusal.
    await post_signed(client, INBOUND_URL, inbound_form(NUMBER, "START"))
    await whatsapp.drain()
    [delivery] = await sender.send(reload(relais.database, contact), NEWS)
    assert delivery.status == DeliveryStatus.QUEUED


async def test_free_form_text_only_inside_the_24_hour_window(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais, clock: Clock
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=23, minutes=59))
    [inside] = await sender.send(contact, NEWS)
    assert inside.status == DeliveryStatus.QUEUED and inside.provider_id
    assert twilio.calls[-1].body == NEWS.text
    clock.now = utcnow() + timedelta(minutes=2)
    [outside] = await sender.send(contact, NEWS)
    assert outside.status == DeliveryStatus.SKIPPED
    assert outside.error_reason == "outside the 24-hour window: template needed"
    assert len(twilio.calls) == 1
    never_wrote = make_contact(relais.database, wrote_ago=None)
    assert (await sender.send(never_wrote, NEWS))[0].status == DeliveryStatus.SKIPPED
    recorded = outbound(relais.database)
    assert [message.status for message in recorded] == [
        DeliveryStatus.QUEUED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.SKIPPED,
    ]
    assert recorded[1].text == NEWS.text


async def test_outside_the_window_a_template_is_sent(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=24, minutes=1))
    [delivery] = await sender.send(contact, NEWS, fallback=TEMPLATE)
    assert delivery.status == DeliveryStatus.QUEUED
    [call] = twilio.calls
    assert call.form["ContentSid"] == TEMPLATE.content_sid
    assert call.form["ContentVariables"] == '{"1": "14 mai", "2": "Libreville"}'
    assert "Body" not in call.form
    [message] = outbound(relais.database)
    assert message.template_id == TEMPLATE.content_sid
    assert message.provider_id == delivery.provider_id


async def test_21610_marks_the_contact_opted_out(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    twilio.fail(TO, 21610)
    [delivery] = await sender.send(contact, NEWS)
    assert delivery.status == DeliveryStatus.FAILED and delivery.error_code == "21610"
    contact = reload(relais.database, contact)
    assert contact.opted_out_at is not None
    with new_session(relais.database) as session:
        assert contacts.topics_of(session, contact_id=contact.id or 0) == []
    assert (await sender.send(contact, NEWS))[0].status == DeliveryStatus.SKIPPED
    assert len(twilio.calls) == 1


async def test_63016_is_recorded_as_outside_the_window(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    twilio.fail(TO, 63016)
    [delivery] = await sender.send(contact, NEWS)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "63016"
    assert delivery.error_reason == "outside the 24-hour window: template needed"


async def test_20429_is_retried_with_backoff(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    twilio.fail(TO, 20429, times=2)
    started = time.perf_counter()
    [delivery] = await sender.send(contact, NEWS)
    assert time.perf_counter() - started >= FAST_RETRIES[0] + FAST_RETRIES[1]
    assert delivery.status == DeliveryStatus.QUEUED
    assert [call.answered for call in twilio.calls] == [429, 429, 201]
    [message] = outbound(relais.database)
    assert message.provider_id == delivery.provider_id


async def test_rate_limited_for_too_long_is_given_up_and_recorded(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    twilio.fail(TO, 20429, times=len(FAST_RETRIES) + 1)
    [delivery] = await sender.send(contact, NEWS)
    assert delivery.status == DeliveryStatus.FAILED and delivery.error_code == "20429"
    assert len(twilio.calls) == len(FAST_RETRIES) + 1
    [message] = outbound(relais.database)
    assert message.error_reason == "rate limited: gave up after several attempts"


async def test_server_errors_are_retried(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    twilio.fail(TO, 20500)
    [delivery] = await sender.send(contact, NEWS)
    assert delivery.status == DeliveryStatus.QUEUED
    assert [call.answered for call in twilio.calls] == [500, 201]


async def test_long_text_is_split_on_paragraphs_and_sent_in_order(
    sender: WhatsAppSender, twilio: FakeTwilio, relais: Relais
) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    paragraphs = [f"Paragraphe {number} : " + "mot " * 120 for number in range(12)]
    deliveries = await sender.send(contact, Outgoing("\n\n".join(paragraphs)))
    bodies = [call.body for call in twilio.calls]
    assert len(deliveries) == len(bodies) > 1
    assert all(body_length(body) <= MAX_BODY for body in bodies)
    assert all(body.startswith("Paragraphe") for body in bodies)
    assert " ".join(" ".join(bodies).split()) == " ".join(" ".join(paragraphs).split())
    assert [message.text for message in outbound(relais.database)] == bodies


async def test_sending_is_paced_to_the_configured_rate(relais: Relais, twilio: FakeTwilio) -> None:
    contact = make_contact(relais.database, wrote_ago=timedelta(hours=1))
    slow = WhatsAppSender.from_settings(
        relais.settings, relais.database, relais.engine.services.catalogues, rate=20.0
    )
    started = time.perf_counter()
    for _ in range(5):
        await slow.send(contact, NEWS)
    assert time.perf_counter() - started >= 4 / 20.0
    await slow.aclose()
