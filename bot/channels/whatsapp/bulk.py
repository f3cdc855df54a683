"""Campaign delivery over WhatsApp: the BulkSender of the campaigns, on the WhatsApp sender."""

import asyncio

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.campaigns.delivery import (
    BULK_SHARE,
    BulkSender,
    CampaignMessage,
    Delivery,
    Outcome,
    Recipient,
)
from bot.channels.whatsapp.sender import Template, WhatsAppSender
from bot.core.i18n import Catalogues
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage


class WhatsAppCampaigns:
    """Campaign delivery through the WhatsApp sender (window, templates, opt-outs, 429s)."""

    channel = Channel.WHATSAPP

    def __init__(
        self, settings: Settings, database: DatabaseEngine, catalogues: Catalogues
    ) -> None:
        self.rate = settings.whatsapp_rate * BULK_SHARE
        self._database = database
        self._sender = WhatsAppSender.from_settings(settings, database, catalogues, rate=self.rate)

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        """Send one campaign message and say how it went."""
        contact = await asyncio.to_thread(_contact, self._database, recipient.contact_id)
        if contact is None:
            return Delivery(Outcome.SKIPPED, "contact deleted")
        fallback = (
            Template(message.template_id, message.template_variables or {})
            if message.template_id
            else None
        )
        results = await self._sender.send(contact, Outgoing(message.text), fallback=fallback)
        first = results[0]
        outbound_id = await asyncio.to_thread(_outbound_id, self._database, first.provider_id)
        if first.status is DeliveryStatus.SKIPPED:
            return Delivery(Outcome.SKIPPED, first.error_reason, outbound_id=outbound_id)
        if first.status in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED):
            return Delivery(Outcome.FAILED, first.error_reason, outbound_id=outbound_id)
        return Delivery(Outcome.SENT, outbound_id=outbound_id)

    async def aclose(self) -> None:
        """Wait for the sender's background work and close its connections."""
        await self._sender.aclose()


def _contact(database: DatabaseEngine, contact_id: int) -> Contact | None:
    with new_session(database) as session:
        return session.get(Contact, contact_id)


def _outbound_id(database: DatabaseEngine, provider_id: str | None) -> int | None:
    if provider_id is None:
        return None
    with new_session(database) as session:
        return session.exec(
            select(OutboundMessage.id).where(OutboundMessage.provider_id == provider_id)
        ).first()


def build_bulk_sender(
    settings: Settings, database: DatabaseEngine, catalogues: Catalogues
) -> BulkSender:
    """Return the WhatsApp campaign sender of the configured Twilio account."""
    return WhatsAppCampaigns(settings, database, catalogues)
