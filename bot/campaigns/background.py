"""Send due campaigns while `relais serve` runs; the database, not memory, says what is due.

At start-up and then every `interval` seconds the loop looks for campaigns whose next run has
come (or whose run was interrupted) and sends them. A restart therefore loses nothing: an
interrupted run resumes, and an occurrence missed while the server was down is sent late if it
is still recent, or skipped (a "today is Fair Trade Day" message two days late helps no one).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select
from starlette.routing import BaseRoute

from bot.campaigns import consultations
from bot.campaigns.delivery import BulkSender
from bot.campaigns.dispatcher import IN_FLIGHT, LEASE
from bot.campaigns.events import send_due_reminders
from bot.campaigns.runner import send_campaign
from bot.campaigns.service import advance, reopened_campaigns
from bot.core.i18n import Catalogues
from bot.domain import CampaignState, Channel
from bot.storage.database import new_session
from bot.storage.models import Campaign
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

LATE_GRACE = timedelta(hours=12)


class CampaignLoop:
    """A background task of the server, shaped like a channel adapter (no routes)."""

    def __init__(
        self,
        database: DatabaseEngine,
        senders: dict[Channel, BulkSender],
        tz: ZoneInfo,
        *,
        interval: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = LEASE,
        catalogues: Catalogues | None = None,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self._lease = lease
        self._in_flight = in_flight
        self._catalogues = catalogues
        self._database = database
        self._senders = senders
        self._tz = tz
        self._interval = interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def routes(self) -> list[BaseRoute]:
        """Return no routes: this runs in the background only."""
        return []

    async def start(self) -> None:
        """Start looking for due campaigns."""
        self._task = asyncio.create_task(self._loop(), name="relais-campaigns")

    async def stop(self) -> None:
        """Stop; a run cut short resumes at the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for sender in self._senders.values():
            await sender.aclose()

    async def run_due(self) -> list[int]:
        """Send every campaign that is due now; return their ids."""
        sent = []
        if self._catalogues is not None:
            await asyncio.to_thread(
                send_due_reminders, self._database, self._catalogues, self._tz, self._clock()
            )
            await asyncio.to_thread(
                consultations.send_due_reminders,
                self._database,
                self._catalogues,
                self._tz,
                self._clock(),
            )
        for campaign_id in await asyncio.to_thread(self._due):
            log.info("sending campaign %s", campaign_id)
            counts = await send_campaign(
                self._database,
                campaign_id,
                self._senders,
                self._tz,
                now=self._clock(),
                lease=self._lease,
                in_flight=self._in_flight,
                due_only=True,
            )
            log.info("campaign %s: %s", campaign_id, dict(counts))
            sent.append(campaign_id)
        return sent

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # the loop must outlive one bad campaign
                log.exception("dispatching due campaigns failed; trying again later")
            await asyncio.sleep(self._interval)

    def _due(self) -> list[int]:
        now = self._clock()
        with new_session(self._database) as session:
            rows = session.exec(
                select(Campaign).where(
                    col(Campaign.state).in_([CampaignState.SCHEDULED, CampaignState.SENDING]),
                    col(Campaign.next_run_at) <= now,
                )
            ).all()
            due = []
            for campaign in rows:
                missed = now - (campaign.next_run_at or now)
                if campaign.state is CampaignState.SCHEDULED and missed > LATE_GRACE:
                    self._skip_missed(campaign, now)
                    session.add(campaign)
                else:
                    due.append(campaign.id or 0)
            session.commit()
        # Runs staff reopened to resend their unsure rows.
        return due + [c for c in reopened_campaigns(self._database) if c not in due]

    def _skip_missed(self, campaign: Campaign, now: datetime) -> None:
        log.warning(
            "campaign %s missed its run of %s while the server was down: skipped",
            campaign.id,
            campaign.next_run_at,
        )
        advance(campaign, after=now, tz=self._tz)
