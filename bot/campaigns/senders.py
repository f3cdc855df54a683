"""The channels able to deliver campaigns, from the settings."""

import asyncio
from datetime import timedelta

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.campaigns.delivery import BulkSender, CampaignMessage, Delivery, Outcome, Recipient
from bot.core.i18n import Catalogues
from bot.core.messages import Channel, Outgoing
from bot.settings import Settings
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import Contact, DeliveryStatus, OutboundMessage

# Telegram lets a bot post about 20 messages a minute in one group.
GROUP_MESSAGES_PER_MINUTE = 20
# Bulk sends keep a fifth of the channel's rate free, so that replies to people chatting
# (sent by the channel itself, with its own limiter) never wait behind a campaign.
BULK_SHARE = 0.8


class WhatsAppCampaigns:
    """Campaign delivery through the WhatsApp sender (window, templates, opt-outs, 429s)."""

    channel = Channel.WHATSAPP

    def __init__(
        self, settings: Settings, database: DatabaseEngine, catalogues: Catalogues
    ) -> None:
        from bot.channels.whatsapp_sender import WhatsAppSender

        self.rate = settings.whatsapp_rate * BULK_SHARE
        self._database = database
        self._sender = WhatsAppSender.from_settings(settings, database, catalogues, rate=self.rate)

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        """Send one campaign message and say how it went."""
        from bot.channels.whatsapp_sender import Template

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


class TelegramCampaigns:
    """Campaign delivery through the Bot API, within Telegram's overall and per-group limits."""

    channel = Channel.TELEGRAM

    def __init__(self, settings: Settings, database: DatabaseEngine) -> None:
        import os

        from telegram.ext import AIORateLimiter, ExtBot

        # Time periods as timedelta (PTB 23's form): the int form warns on every 429.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        assert settings.telegram_token is not None
        self.rate = settings.telegram_rate * BULK_SHARE
        self._database = database
        self._bot: ExtBot[int] = ExtBot(
            settings.telegram_token,
            base_url=settings.telegram_api_url,
            rate_limiter=AIORateLimiter(
                overall_max_rate=self.rate,
                overall_time_period=1,
                group_max_rate=GROUP_MESSAGES_PER_MINUTE,
                group_time_period=60,
                # The dispatcher reschedules a refused message; the limiter must not wait.
                max_retries=0,
            ),
        )
        self._started = False

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        """Send one campaign message (split at 4096 characters) and say how it went."""
        from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

        from bot.channels.telegram_render import render

        if not self._started:
            await self._bot.initialize()
            self._started = True
        chat_id = int(recipient.address)
        provider_ids = []
        try:
            for part in render(Outgoing(message.text)):
                sent = await self._bot.send_message(chat_id, part.text)
                provider_ids.append(f"{sent.chat.id}:{sent.message_id}")
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Delivery(Outcome.RETRY, "Telegram asked to slow down", retry_after=seconds)
        except Forbidden as error:
            await asyncio.to_thread(self._gone, recipient, str(error))
            return Delivery(Outcome.FAILED, f"blocked or removed: {error}")
        except NetworkError as error:
            if provider_ids:
                return Delivery(Outcome.FAILED, f"sent in part, then: {error}")
            return Delivery(Outcome.RETRY, f"network error: {error}")
        except TelegramError as error:
            return Delivery(Outcome.FAILED, str(error)[:200])
        outbound_id = await asyncio.to_thread(self._record, recipient, provider_ids[0])
        return Delivery(Outcome.SENT, outbound_id=outbound_id)

    async def aclose(self) -> None:
        """Close the Bot API connections."""
        if self._started:
            await self._bot.shutdown()

    def _record(self, recipient: Recipient, provider_id: str) -> int | None:
        with new_session(self._database) as session:
            message = deliveries.record_outbound(
                session,
                channel=Channel.TELEGRAM,
                contact_id=recipient.contact_id,
                text=None,
                status=DeliveryStatus.SENT,
                provider_id=provider_id,
            )
            session.commit()
            return message.id

    def _gone(self, recipient: Recipient, reason: str) -> None:
        with new_session(self._database) as session:
            deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address=recipient.address)
            deliveries.record_outbound(
                session,
                channel=Channel.TELEGRAM,
                contact_id=recipient.contact_id,
                text=None,
                status=DeliveryStatus.FAILED,
                error_code="403",
                error_reason=reason,
            )
            session.commit()


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


def build_senders(
    settings: Settings, database: DatabaseEngine, catalogues: Catalogues | None = None
) -> dict[Channel, BulkSender]:
    """Return a bulk sender for each channel whose credentials are configured."""
    senders: dict[Channel, BulkSender] = {}
    catalogues = catalogues or Catalogues(settings.locales_dir, settings.tz)
    if settings.telegram_token:
        senders[Channel.TELEGRAM] = TelegramCampaigns(settings, database)
    if settings.twilio_account_sid and settings.twilio_auth_token:
        senders[Channel.WHATSAPP] = WhatsAppCampaigns(settings, database, catalogues)
    return senders
