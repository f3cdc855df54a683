"""Campaign delivery over Telegram: the BulkSender of the campaigns, on the Bot API."""

import asyncio

from sqlalchemy.engine import Engine as DatabaseEngine
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.campaigns.delivery import (
    BULK_SHARE,
    BulkSender,
    CampaignMessage,
    Delivery,
    Outcome,
    Recipient,
)
from bot.channels.telegram.ptb import retry_after_seconds, use_timedelta_periods
from bot.channels.telegram.render import render
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus
from bot.settings import Settings
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import OutboxItem
from bot.storage.types import clip

# Telegram lets a bot post about 20 messages a minute in one group.
GROUP_MESSAGES_PER_MINUTE = 20


class TelegramCampaigns:
    """Campaign delivery through the Bot API, within Telegram's overall and per-group limits."""

    channel = Channel.TELEGRAM

    def __init__(self, settings: Settings, database: DatabaseEngine) -> None:
        token = settings.secret("telegram_token")
        assert token is not None
        use_timedelta_periods()
        self.rate = settings.telegram_rate * BULK_SHARE
        self._database = database
        self._bot: ExtBot[int] = ExtBot(
            token,
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
            return Delivery(
                Outcome.RETRY, "Telegram asked to slow down", retry_after=retry_after_seconds(error)
            )
        except Forbidden as error:
            await asyncio.to_thread(self._gone, recipient, str(error))
            return Delivery(Outcome.FAILED, f"blocked or removed: {error}")
        except NetworkError as error:
            if provider_ids:
                return Delivery(Outcome.FAILED, f"sent in part, then: {error}")
            return Delivery(Outcome.RETRY, f"network error: {error}")
        except TelegramError as error:
            # The dispatcher keeps the reason on the outbox item.
            return Delivery(Outcome.FAILED, clip(OutboxItem, "error", str(error)))
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


def build_bulk_sender(settings: Settings, database: DatabaseEngine) -> BulkSender:
    """Return the Telegram campaign sender of the configured bot."""
    return TelegramCampaigns(settings, database)
