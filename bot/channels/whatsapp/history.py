"""Read Twilio's log of the messages an account sent: what settles a send cut off by a crash.

Twilio keeps every message it accepted, listed by `GET /2010-04-01/Accounts/{sid}/Messages.json`
with `To`, `From` and `DateSent>=` filters, newest first, in pages (`page_size`, then
`next_page_uri`, which the twilio library follows). `DateSent>=` filters by date only, so the
exact moment is checked here on each message's `date_created`.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from bot.channels.whatsapp.codes import WHATSAPP_PREFIX
from bot.channels.whatsapp.transport import TwilioUnreachableError

log = logging.getLogger(__name__)

# Twilio's clock and ours may differ a little, and `date_created` has whole seconds only.
CLOCK_MARGIN = timedelta(seconds=30)
PAGE_SIZE = 50
# A campaign's recipient gets a few messages a day: more than this many is not ours to read.
MOST = 1000


class TwilioLogError(ConnectionError):
    """Twilio's message log could not be read (unreachable, refused, or too busy)."""


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    """One message of Twilio's log, as far as settling a cut-off send needs."""

    sid: str
    body: str
    status: str
    direction: str
    created_at: datetime


async def sent_since(
    client: Client,
    *,
    sender: str,
    address: str,
    since: datetime,
    retry_delays: Sequence[float] = (),
    page_size: int = PAGE_SIZE,
) -> list[LoggedMessage]:
    """Return what `sender` sent to `address` from `since` on (less a margin), oldest first."""
    start = since.astimezone(UTC) - CLOCK_MARGIN
    delays = iter(retry_delays)
    while True:
        try:
            records = await client.messages.list_async(
                to=WHATSAPP_PREFIX + address.removeprefix(WHATSAPP_PREFIX),
                from_=sender,
                # Sent as `DateSent>=YYYY-MM-DD`: a date, not a moment.
                date_sent_after=start.date().isoformat(),
                page_size=page_size,
                limit=MOST,
            )
            break
        except (TwilioException, TwilioUnreachableError) as error:
            delay = next(delays, None)
            if delay is None:
                raise TwilioLogError(str(error) or type(error).__name__) from error
            log.warning("Twilio's message log unreadable (%s): retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
    found = [
        LoggedMessage(
            sid=str(record.sid),
            body=str(record.body or ""),
            status=str(record.status or ""),
            direction=str(record.direction or ""),
            created_at=record.date_created,
        )
        for record in records
        if record.date_created is not None and record.date_created >= start
    ]
    return sorted(found, key=lambda message: message.created_at)
