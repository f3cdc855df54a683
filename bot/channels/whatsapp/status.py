"""Twilio's status callbacks: what became of each message, opt-outs, rate-limited resends.

A message Twilio refuses for the sender's rate (63018, 20429) is sent again after a delay, at
most once per retry delay of the sender. How many times a text was already sent again is kept
on its record (`OutboundMessage.resends`), so the limit holds across restarts and processes.
"""

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


@dataclass(frozen=True, slots=True)
class _StatusReport:
    """A status callback, read: which message, its new status and Twilio's error code."""

    provider_id: str
    status: DeliveryStatus
    code: int | None
    recipient: str | None


class StatusCallbacks:
    """Apply Twilio's status callbacks to the messages the sender recorded."""

    def __init__(self, database: DatabaseEngine, sender: WhatsAppSender) -> None:
        self._database = database
        self._sender = sender

    async def on_status(
        self, *, provider_id: str, status: str, error_code: str | None, recipient: str | None
    ) -> None:
        """Apply one of Twilio's status callbacks to the message it reports on."""
        delivery_status = STATUSES.get(status.lower())
        if delivery_status is None:
            log.info("ignoring Twilio status %r of %s", status[:32], provider_id)
            return
        report = _StatusReport(provider_id, delivery_status, parse_code(error_code), recipient)
        if not await self._apply(report):
            # Twilio can report on a message before its SID is recorded here: look once more.
            self._sender.spawn(self._apply_later(report))

    async def _apply(self, report: _StatusReport) -> bool:
        outcome = await asyncio.to_thread(self._apply_status, report)
        if outcome is None:
            return False
        message, send_again = outcome
        if send_again:
            self._sender.spawn(self._send_again(message))
        return True

    async def _apply_later(self, report: _StatusReport) -> None:
        delays = self._sender.retry_delays
        await asyncio.sleep(delays[0] if delays else 1.0)
        if not await self._apply(report):
            log.info("status of an unknown WhatsApp message %s", report.provider_id)

    def _apply_status(self, report: _StatusReport) -> tuple[OutboundMessage, bool] | None:
        """Record the report; return the message and whether to send it again, None if unknown."""
        with new_session(self._database) as session:
            message = _find(session, report.provider_id)
            if message is None:
                return None
            again = (
                report.code in RATE_LIMITS
                and report.status in GONE
                and message.resends < len(self._sender.retry_delays)
            )
            reason: str | None = None if report.code is None else REASON_OF_CODE.get(report.code)
            if report.code in RATE_LIMITS and not again:
                reason = Reason.GAVE_UP
            # Twilio repeats callbacks: only the first report of a failure sends again.
            newly_gone = report.status in GONE and message.status not in GONE
            deliveries.update_delivery(
                session,
                channel=Channel.WHATSAPP,
                provider_id=report.provider_id,
                status=report.status,
                error_code=None if report.code is None else str(report.code),
                error_reason=reason,
            )
            session.commit()
        if report.code == TwilioError.OPTED_OUT:
            address = (report.recipient or "").removeprefix(WHATSAPP_PREFIX)
            if address:
                self._sender.opt_out(address)
        return message, again and newly_gone

    async def _send_again(self, message: OutboundMessage) -> None:
        await asyncio.sleep(self._sender.retry_delays[message.resends])
        await self._sender.resend(message)


def _find(session: Session, provider_id: str) -> OutboundMessage | None:
    return session.exec(
        select(OutboundMessage).where(
            OutboundMessage.channel == Channel.WHATSAPP, OutboundMessage.provider_id == provider_id
        )
    ).first()
