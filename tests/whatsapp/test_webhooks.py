"""Twilio's webhooks: signatures, retries, what cannot be read, status callbacks."""

import asyncio

import httpx
import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.app import Relais, build_channels
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.inbound import parse_inbound
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.domain import Channel, DeliveryStatus
from bot.settings import SettingsError
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage, ProcessedMessage
from bot.web.server import create_web_app
from tests.whatsapp.conftest import FAST_RETRIES
from tests.whatsapp.fake_twilio import WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import (
    INBOUND_URL,
    PUBLIC_URL,
    STATUS_URL,
    inbound_form,
    post_signed,
    signature,
    status_form,
)

NUMBER = "+24166123456"
TO = f"whatsapp:{NUMBER}"


def outbound(database: DatabaseEngine) -> list[OutboundMessage]:
    with new_session(database) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())


def contact_of(database: DatabaseEngine, number: str = NUMBER) -> Contact | None:
    with new_session(database) as session:
        return session.exec(select(Contact).where(Contact.address == number)).first()


async def say(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, body: str, **fields: str
) -> httpx.Response:
    response = await post_signed(client, INBOUND_URL, inbound_form(NUMBER, body, **fields))
    await whatsapp.drain()
    return response


async def test_a_message_is_answered_through_the_rest_api(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio, relais: Relais
) -> None:
    response = await say(client, whatsapp, "bonjour")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    [call] = twilio.calls
    assert call.form["To"] == TO
    assert call.form["From"] == WHATSAPP_FROM
    assert call.form["StatusCallback"] == STATUS_URL
    assert "Bonjour" in call.body and "1. Créer une organisation" in call.body
    [message] = outbound(relais.database)
    assert message.provider_id and message.provider_id.startswith("SM")
    assert message.status == DeliveryStatus.QUEUED
    assert message.text == call.body
    contact = contact_of(relais.database)
    assert contact is not None
    assert contact.name == "Marie Obame" and contact.last_inbound_at is not None
    assert message.contact_id == contact.id


@pytest.mark.parametrize(
    ("headers_of", "url"),
    [
        pytest.param(lambda form: {}, INBOUND_URL, id="missing"),
        pytest.param(
            lambda form: {"X-Twilio-Signature": signature(INBOUND_URL, form, "0" * 32)},
            INBOUND_URL,
            id="forged",
        ),
        pytest.param(
            lambda form: {
                "X-Twilio-Signature": signature("http://127.0.0.1:8000/webhooks/whatsapp", form)
            },
            INBOUND_URL,
            id="wrong-url",
        ),
        pytest.param(
            lambda form: {"X-Twilio-Signature": signature(INBOUND_URL, {**form, "Body": "menu"})},
            INBOUND_URL,
            id="other-body",
        ),
        pytest.param(
            lambda form: {"X-Twilio-Signature": signature(INBOUND_URL, form)},
            f"{INBOUND_URL}?account=ga",
            id="query-not-signed",
        ),
    ],
)
async def test_bad_signatures_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    whatsapp: WhatsAppChannel,
    twilio: FakeTwilio,
    relais: Relais,
    headers_of: object,
    url: str,
) -> None:
    form = inbound_form(NUMBER, "bonjour")
    response = await client.post(url, data=form, headers=headers_of(form))  # type: ignore[operator]
    await whatsapp.drain()
    assert response.status_code == 403
    assert twilio.calls == []
    assert contact_of(relais.database) is None
    with new_session(relais.database) as session:
        assert session.exec(select(ProcessedMessage)).all() == []
    status = status_form("SM" + "0" * 32, "delivered", TO)
    assert (await client.post(STATUS_URL, data=status)).status_code == 403


async def test_the_query_string_is_part_of_the_signed_url(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio
) -> None:
    url = f"{INBOUND_URL}?account=ga"
    response = await post_signed(client, url, inbound_form(NUMBER, "bonjour"))
    await whatsapp.drain()
    assert response.status_code == 200
    assert len(twilio.calls) == 1


async def test_a_repeated_message_sid_is_answered_once(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio
) -> None:
    form = inbound_form(NUMBER, "cmt créer 1 asso")
    assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
    await whatsapp.drain()
    answer = [call.body for call in twilio.calls]
    assert len(answer) == 2, "the guide is longer than one WhatsApp message"
    assert "association" in answer[0]
    for _ in range(2):
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
    await whatsapp.drain()
    assert [call.body for call in twilio.calls] == answer


async def test_the_webhook_does_not_wait_for_twilio(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio
) -> None:
    # Twilio answers only once the webhook has answered: a webhook waiting for it never would.
    twilio.hold()
    response = await asyncio.wait_for(
        post_signed(client, INBOUND_URL, inbound_form(NUMBER, "bonjour")), timeout=30
    )
    assert response.status_code == 200
    assert twilio.calls == []
    twilio.release()
    await whatsapp.drain()
    assert len(twilio.calls) == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {
                "NumMedia": "1",
                "MediaUrl0": "https://api.twilio.com/x",
                "MediaContentType0": "image/jpeg",
            },
            "photos",
            id="photo",
        ),
        pytest.param(
            {"Latitude": "0.3901", "Longitude": "9.4544", "MessageType": "location"},
            "position",
            id="location",
        ),
        pytest.param({}, "aucun texte", id="empty"),
    ],
)
async def test_what_cannot_be_read_gets_a_short_polite_answer(
    client: httpx.AsyncClient,
    whatsapp: WhatsAppChannel,
    twilio: FakeTwilio,
    relais: Relais,
    fields: dict[str, str],
    expected: str,
) -> None:
    form = inbound_form(NUMBER, "", **fields)
    for _ in range(2):
        assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
    await whatsapp.drain()
    [call] = twilio.calls
    assert expected in call.body
    contact = contact_of(relais.database)
    assert contact is not None and contact.last_inbound_at is not None


async def test_a_photo_with_a_caption_gets_the_note_and_the_answer(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio
) -> None:
    await say(client, whatsapp, "cmt créer 1 asso", NumMedia="1", MediaContentType0="image/jpeg")
    first, *_rest = twilio.calls
    assert first.body.index("photos") < first.body.index("association")


async def test_quick_reply_payloads_are_buttons(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio
) -> None:
    await say(client, whatsapp, "Voir le menu", ButtonPayload="menu", ButtonText="Voir le menu")
    assert "1. Créer une organisation" in twilio.calls[-1].body
    # A payload the core does not know is read as the words of the button.
    await say(client, whatsapp, "Menu", ButtonPayload="campagne-14-mai", ButtonText="Menu")
    assert "1. Créer une organisation" in twilio.calls[-1].body


async def test_the_sender_comes_from_from_when_there_is_no_waid(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio, relais: Relais
) -> None:
    form = inbound_form(NUMBER, "bonjour")
    del form["WaId"]
    assert (await post_signed(client, INBOUND_URL, form)).status_code == 200
    bad = inbound_form(NUMBER, "bonjour", From="whatsapp:0612", WaId="")
    assert (await post_signed(client, INBOUND_URL, bad)).status_code == 400
    nameless = {k: v for k, v in inbound_form(NUMBER, "x").items() if "Sid" not in k}
    assert (await post_signed(client, INBOUND_URL, nameless)).status_code == 400
    await whatsapp.drain()
    assert [call.to for call in twilio.calls] == [TO]


def test_parse_inbound_reads_what_twilio_sends() -> None:
    inbound = parse_inbound(inbound_form(NUMBER, "Bonjour", ProfileName="  Awa   Ndong "))
    assert inbound is not None
    incoming = inbound.incoming
    assert incoming.channel == Channel.WHATSAPP
    assert incoming.sender == incoming.phone == NUMBER
    assert incoming.profile_name == "Awa Ndong"
    assert incoming.message_id and incoming.message_id.startswith("SM")
    assert inbound.unreadable is None


async def test_status_callbacks_move_a_message_to_delivered_then_read(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio, relais: Relais
) -> None:
    await say(client, whatsapp, "bonjour")
    [message] = outbound(relais.database)
    assert message.provider_id is not None
    for status in ["sent", "delivered", "read", "sent"]:
        response = await post_signed(
            client, STATUS_URL, status_form(message.provider_id, status, TO)
        )
        assert response.status_code == 204
        [message] = outbound(relais.database)
        if status != "sent":
            assert message.status == status
    assert message.status == DeliveryStatus.READ  # a late "sent" does not undo "read"
    unknown = status_form("SM" + "f" * 32, "delivered", TO)
    assert (await post_signed(client, STATUS_URL, unknown)).status_code == 204


async def test_a_status_that_arrives_before_the_message_is_recorded_is_applied(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, relais: Relais
) -> None:
    sid = "SM" + "e" * 32
    form = status_form(sid, "delivered", TO)
    assert (await post_signed(client, STATUS_URL, form)).status_code == 204
    with new_session(relais.database) as session:
        deliveries.record_outbound(
            session, channel=Channel.WHATSAPP, contact_id=None, text="Bonjour", provider_id=sid
        )
        session.commit()
    await whatsapp.drain()
    [message] = outbound(relais.database)
    assert message.status == DeliveryStatus.DELIVERED


async def test_a_failed_status_records_the_error_and_63016_needs_a_template(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, relais: Relais
) -> None:
    await say(client, whatsapp, "bonjour")
    [message] = outbound(relais.database)
    assert message.provider_id is not None
    form = status_form(message.provider_id, "failed", TO, error_code="63016")
    assert (await post_signed(client, STATUS_URL, form)).status_code == 204
    [message] = outbound(relais.database)
    assert message.status == DeliveryStatus.FAILED
    assert message.error_code == "63016"
    assert message.error_reason == "outside the 24-hour window: template needed"


async def test_21610_in_a_status_callback_opts_the_contact_out(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, relais: Relais
) -> None:
    await say(client, whatsapp, "abonnez-moi")
    [message] = outbound(relais.database)
    assert message.provider_id is not None
    form = status_form(message.provider_id, "undelivered", TO, error_code="21610")
    assert (await post_signed(client, STATUS_URL, form)).status_code == 204
    contact = contact_of(relais.database)
    assert contact is not None and contact.opted_out_at is not None


async def test_a_rate_limited_message_is_sent_again_later(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio, relais: Relais
) -> None:
    await say(client, whatsapp, "bonjour")
    [first] = outbound(relais.database)
    assert first.provider_id is not None
    form = status_form(first.provider_id, "failed", TO, error_code="63018")
    assert (await post_signed(client, STATUS_URL, form)).status_code == 204
    assert (await post_signed(client, STATUS_URL, form)).status_code == 204
    await whatsapp.drain()
    first_call, second_call = twilio.calls
    assert second_call.body == first_call.body
    first, again = outbound(relais.database)
    assert first.error_code == "63018" and first.error_reason == "rate limited: sent again later"
    assert again.status == DeliveryStatus.QUEUED and again.provider_id != first.provider_id


async def test_the_limit_of_resends_holds_across_restarts(
    client: httpx.AsyncClient, whatsapp: WhatsAppChannel, twilio: FakeTwilio, relais: Relais
) -> None:
    await say(client, whatsapp, "bonjour")
    for _ in range(len(FAST_RETRIES) + 1):
        # Each refusal reaches a new process: a new sender, a new channel, nothing in memory.
        *_, last = outbound(relais.database)
        assert last.provider_id is not None
        sender = WhatsAppSender.from_settings(
            relais.settings,
            relais.database,
            relais.engine.services.catalogues,
            retry_delays=FAST_RETRIES,
        )
        channel = WhatsAppChannel(relais, sender=sender)
        app = create_web_app(relais, channels=[channel])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL
        ) as restarted:
            form = status_form(last.provider_id, "failed", TO, error_code="63018")
            assert (await post_signed(restarted, STATUS_URL, form)).status_code == 204
            await channel.drain()
        await channel.stop()
    messages = outbound(relais.database)
    assert len(twilio.calls) == len(messages) == 1 + len(FAST_RETRIES)
    assert [message.resends for message in messages] == list(range(len(FAST_RETRIES) + 1))
    assert {message.error_reason for message in messages[:-1]} == {"rate limited: sent again later"}
    assert messages[-1].error_reason == "rate limited: gave up after several attempts"


async def test_whatsapp_refuses_to_start_without_a_public_url(relais: Relais) -> None:
    settings = relais.settings.model_copy(update={"public_url": None})
    unsigned = Relais(settings=settings, database=relais.database, engine=relais.engine)
    with pytest.raises(SettingsError, match="RELAIS_PUBLIC_URL"):
        create_web_app(unsigned)
    [channel] = build_channels(relais)
    assert isinstance(channel, WhatsAppChannel)
    await channel.stop()
