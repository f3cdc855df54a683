"""Campaign delivery over WhatsApp: the BulkSender of the campaigns, on the WhatsApp sender."""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.campaigns.delivery import (
    BULK_SHARE,
    BulkSender,
    CampaignMessage,
    Delivery,
    Outcome,
    Recipient,
)
from bot.channels.whatsapp.codes import STATUSES
from bot.channels.whatsapp.history import LoggedMessage, TwilioLogError
from bot.channels.whatsapp.sender import Template, WhatsAppSender
from bot.core.i18n import Catalogues
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus
from bot.settings import Settings
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage, OutboxItem
from bot.storage.types import clip


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

    async def reconcile(
        self, recipient: Recipient, message: CampaignMessage, since: datetime
    ) -> Delivery | None:
        """Settle a send cut off at `since` by Twilio's log of what this number sent.

        The text's bodies are matched in order (a long text leaves in parts: the parts not
        found are sent now); a template, whose text Twilio's log shows filled in, is matched
        by the first message to that number since then that is not recorded as another one.
        """
        contact = await asyncio.to_thread(_contact, self._database, recipient.contact_id)
        if contact is None:
            return Delivery(Outcome.SKIPPED, "contact deleted")
        try:
            logged = await self._sender.sent_since(contact.address, since)
        except TwilioLogError as error:
            reason = clip(OutboxItem, "error", f"Twilio's message log unreadable: {error}")
            return Delivery(Outcome.RETRY, reason)
        outbound = [item for item in logged if item.direction.startswith("outbound")]
        known = await asyncio.to_thread(_known, self._database, [m.sid for m in outbound])
        bodies = self._sender.render(contact, [Outgoing(message.text)])
        found = _in_order(outbound, bodies)
        parts = len(bodies)
        template = message.template_id
        if not found and template:
            found = [
                item
                for item in outbound
                if item.sid not in known or known[item.sid].template_id == template
            ][:1]
            parts = 1
        if not found:
            return None
        ids = await asyncio.to_thread(
            self._record_found, contact, found, known, template if parts == 1 else None
        )
        if len(found) < parts:
            await self._sender.send_parts(contact, bodies[len(found) :])
        return Delivery(Outcome.SENT, outbound_id=ids[0])

    def _record_found(
        self,
        contact: Contact,
        found: Sequence[LoggedMessage],
        known: dict[str, OutboundMessage],
        template: str | None,
    ) -> list[int | None]:
        """Record what Twilio has and this database missed (the crash came before)."""
        ids: list[int | None] = []
        with new_session(self._database) as session:
            for item in found:
                if item.sid in known:
                    ids.append(known[item.sid].id)
                    continue
                recorded = deliveries.record_outbound(
                    session,
                    channel=Channel.WHATSAPP,
                    contact_id=contact.id,
                    text=item.body,
                    status=STATUSES.get(item.status, DeliveryStatus.QUEUED),
                    provider_id=item.sid,
                    template_id=template,
                )
                ids.append(recorded.id)
            session.commit()
        return ids

    async def aclose(self) -> None:
        """Wait for the sender's background work and close its connections."""
        await self._sender.aclose()


def _in_order(logged: Sequence[LoggedMessage], bodies: Sequence[str]) -> list[LoggedMessage]:
    """Return the logged messages that are the first bodies of a text, in their order."""
    found: list[LoggedMessage] = []
    for item in logged:
        if len(found) == len(bodies):
            break
        if item.body.strip() == bodies[len(found)].strip():
            found.append(item)
    return found


def _known(database: DatabaseEngine, sids: Sequence[str]) -> dict[str, OutboundMessage]:
    if not sids:
        return {}
    with new_session(database) as session:
        rows = session.exec(
            select(OutboundMessage).where(
                OutboundMessage.channel == Channel.WHATSAPP,
                col(OutboundMessage.provider_id).in_(sids),
            )
        ).all()
    return {row.provider_id: row for row in rows if row.provider_id}


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
