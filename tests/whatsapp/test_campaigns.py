"""Campaigns over WhatsApp, against the fake Twilio: window, templates, 429s, opt-outs."""

from datetime import timedelta

from bot.app import Relais
from bot.campaigns import service
from bot.campaigns.dispatcher import Dispatcher
from bot.channels.whatsapp.bulk import WhatsAppCampaigns
from bot.domain import Channel, OutboxStatus, Topic
from bot.storage import contacts, deliveries
from bot.storage.database import new_session
from bot.storage.types import utcnow
from tests.whatsapp.fake_twilio import FakeTwilio

INSIDE, OUTSIDE, STOPPED = "+24177000001", "+24177000002", "+24177000003"


def prepare(relais: Relais) -> None:
    with new_session(relais.database) as session:
        for address, last in ((INSIDE, 1), (OUTSIDE, 30), (STOPPED, 1)):
            contact = contacts.get_or_create_contact(
                session, channel=Channel.WHATSAPP, address=address
            )
            contact.last_inbound_at = utcnow() - timedelta(hours=last)
            session.add(contact)
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        deliveries.mark_opted_out(session, channel=Channel.WHATSAPP, address=STOPPED)
        session.commit()


async def send(relais: Relais, templates: dict[str, object] | None = None) -> int:
    created, size = service.create_campaign(
        relais.database,
        name="Formation",
        messages={"fr": "Formation le 3 mars"},
        tz=relais.settings.tz,
        templates=templates,
    )
    assert size == 2  # the opted-out contact is not in the audience
    run = service.start_run(relais.database, created.id or 0, utcnow())
    channel = WhatsAppCampaigns(relais.settings, relais.database, relais.engine.services.catalogues)
    dispatcher = Dispatcher(relais.database, {Channel.WHATSAPP: channel})
    dispatcher.materialise(run.id or 0)
    try:
        counts = await dispatcher.drain(
            run.id or 0, lambda recipient: service.message_for(created, recipient)
        )
    finally:
        await channel.aclose()
    assert counts[OutboxStatus.PENDING] == 0
    return created.id or 0


async def test_outside_the_window_without_template_is_skipped(
    relais: Relais, twilio: FakeTwilio
) -> None:
    prepare(relais)
    twilio.fail(f"whatsapp:{INSIDE}", 20429)  # busy once: sent again
    campaign_id = await send(relais)
    assert len(twilio.sent_to(f"whatsapp:{INSIDE}")) == 1
    assert twilio.sent_to(f"whatsapp:{OUTSIDE}") == []
    assert twilio.sent_to(f"whatsapp:{STOPPED}") == []
    stats = service.campaign_stats(relais.database, campaign_id)
    assert (stats.targeted, stats.sent, stats.skipped) == (2, 1, 1)


async def test_outside_the_window_the_template_goes(relais: Relais, twilio: FakeTwilio) -> None:
    prepare(relais)
    await send(relais, {"fr": {"content_sid": "HX123", "variables": {"1": "3 mars"}}})
    [template] = twilio.sent_to(f"whatsapp:{OUTSIDE}")
    assert template.form["ContentSid"] == "HX123"
    [text] = twilio.sent_to(f"whatsapp:{INSIDE}")
    assert text.body.startswith("Formation le 3 mars")
