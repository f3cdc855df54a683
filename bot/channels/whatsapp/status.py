"""Twilio's status callbacks: what became of each message, opt-outs, rate-limited resends."""

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, select

from bot.channels.whatsapp.codes import (
    GONE,
    RATE_LIMITS,
    REASON_OF_CODE,
    STATUSES,
    WHATSAPP_PREFIX,
    Reason,
    TwilioError,
    parse_code,
)
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.domain import Channel, DeliveryStatus
from bot.storage import deliveries
from bot.storage.database import new_session
from bot.storage.models import OutboundMessage

log = logging.getLogger(__name__)

_FINAL = GONE | {DeliveryStatus.DELIVERED, DeliveryStatus.READ}


@dataclass(frozen=True, slots=True)
class _StatusReport:
    """A status callback, read: what to record, and whether to send the message again."""

    provider_id: str
    status: DeliveryStatus
    code: int | None
    reason: str | None
    recipient: str | None
    send_again: bool
    attempts: int


class StatusCallbacks:
    """Apply Twilio's status callbacks to the messages the sender recorded."""

    def __init__(self, database: DatabaseEngine, sender: WhatsAppSender) -> None:
        self._database = database
        self._sender = sender
        # How many times a message refused for its rate was already sent again, by new SID.
        self._resends: dict[str, int] = {}

    async def on_status(
        self, *, provider_id: str, status: str, error_code: str | None, recipient: str | None
    ) -> None:
        """Apply one of Twilio's status callbacks to the message it reports on."""
        delivery_status = STATUSES.get(status.lower())
        if delivery_status is None:
            log.info("ignoring Twilio status %r of %s", status[:32], provider_id)
            return
        code = parse_code(error_code)
        delays = self._sender.retry_delays
        attempts = (
            self._resends.pop(provider_id, 0)
            if delivery_status in _FINAL
            else self._resends.get(provider_id, 0)
        )
        again = code in RATE_LIMITS and delivery_status in GONE and attempts < len(delays)
        reason: str | None = REASON_OF_CODE.get(code) if code is not None else None
        if code in RATE_LIMITS and not again:
            reason = Reason.GAVE_UP
        report = _StatusReport(
            provider_id, delivery_status, code, reason, recipient, again, attempts
        )
        if not await self._apply(report):
            # Twilio can report on a message before its SID is recorded here: look once more.
            self._sender.spawn(self._apply_later(report))

    async def _apply(self, report: _StatusReport) -> bool:
        outcome = await asyncio.to_thread(self._apply_status, report)
        if outcome is None:
            return False
        message, newly_gone = outcome
        if report.send_again and newly_gone:
            self._sender.spawn(self._send_again(message, report.attempts))
        return True

    async def _apply_later(self, report: _StatusReport) -> None:
        delays = self._sender.retry_delays
        await asyncio.sleep(delays[0] if delays else 1.0)
        if not await self._apply(report):
            log.info("status of an unknown WhatsApp message %s", report.provider_id)

    def _apply_status(self, report: _StatusReport) -> tuple[OutboundMessage, bool] | None:
        with new_session(self._database) as session:
            message = _find(session, report.provider_id)
            if message is None:
                return None
            was_gone = message.status in GONE
            deliveries.update_delivery(
                session,
                channel=Channel.WHATSAPP,
                provider_id=report.provider_id,
                status=report.status,
                error_code=None if report.code is None else str(report.code),
                error_reason=report.reason,
            )
            session.commit()
        if report.code == TwilioError.OPTED_OUT:
            address = (report.recipient or "").removeprefix(WHATSAPP_PREFIX)
            if address:
                self._sender.opt_out(address)
        return message, report.status in GONE and not was_gone

    async def _send_again(self, message: OutboundMessage, attempts: int) -> None:
        await asyncio.sleep(self._sender.retry_delays[attempts])
        for delivery in await self._sender.resend(message):
            if delivery.provider_id:
                self._resends[delivery.provider_id] = attempts + 1


def _find(session: Session, provider_id: str) -> OutboundMessage | None:
    return session.exec(
        select(OutboundMessage).where(
            OutboundMessage.channel == Channel.WHATSAPP, OutboundMessage.provider_id == provider_id
        )
    ).first()
