"""Run a campaign from start to end: the one path used by `relais campaign send` and the server."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns import service
from bot.campaigns.audience import PUSH_CHANNELS
from bot.campaigns.delivery import BulkSender, Recipient
from bot.campaigns.dispatcher import IN_FLIGHT, LEASE, Dispatcher, Progress
from bot.core.i18n import N_
from bot.domain import OUTBOX_UNFINISHED, CampaignState, Channel, OutboxStatus
from bot.storage import contacts, replies
from bot.storage.database import new_session
from bot.storage.models import CampaignRun
from bot.storage.types import utcnow

DUE_STATES = (CampaignState.SCHEDULED, CampaignState.SENDING)


def pick_run(database: DatabaseEngine, campaign_id: int, now: datetime) -> CampaignRun:
    """Resume the unfinished run of a campaign, or start one for now (or its due occurrence)."""
    campaign = service.get_campaign(database, campaign_id)
    if campaign.state is CampaignState.CANCELLED:
        raise service.CampaignError(N_("la campagne {id} est annulée"), id=campaign_id)
    latest = service.latest_run(database, campaign_id)
    if latest is not None and latest.finished_at is None:
        return latest
    due = campaign.next_run_at
    scheduled_for = due if due is not None and due <= now else now
    return service.start_run(database, campaign_id, scheduled_for)


def pick_due_run(database: DatabaseEngine, campaign_id: int, now: datetime) -> CampaignRun | None:
    """Resume the unfinished run of a campaign, or start the run of its due occurrence; else None.

    Another server process may have finished the run since the campaign was found due: the
    latest run is read before the campaign, so a run finished in between shows as the
    campaign's next occurrence, and is not started again for now.
    """
    latest = service.latest_run(database, campaign_id)
    if latest is not None and latest.finished_at is None:
        return latest
    campaign = service.get_campaign(database, campaign_id)
    due = campaign.next_run_at
    if campaign.state not in DUE_STATES or due is None or due > now:
        return None
    return service.start_run(database, campaign_id, due)


async def send_campaign(
    database: DatabaseEngine,
    campaign_id: int,
    senders: dict[Channel, BulkSender],
    tz: ZoneInfo,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    in_flight: int = IN_FLIGHT,
    due_only: bool = False,
) -> Counter[OutboxStatus]:
    """Prepare and deliver a campaign's current run; safe to call again after a crash.

    Again after a crash, the sends it cut off are settled first: looked up in the provider's
    log where there is one (then marked sent, or sent), recorded as unsure elsewhere.
    `due_only` (the server's loop): only a run under way or the occurrence that is due, never
    a new one for now.
    """
    moment = now or utcnow()
    if due_only:
        due_run = pick_due_run(database, campaign_id, moment)
        if due_run is None:
            return Counter()
        run = due_run
    else:
        run = pick_run(database, campaign_id, moment)
    dispatcher = Dispatcher(database, senders, lease=lease, in_flight=in_flight)
    dispatcher.materialise(run.id or 0)
    campaign = service.get_campaign(database, campaign_id)
    counts = await dispatcher.drain(
        run.id or 0,
        lambda recipient: service.message_for(campaign, recipient),
        progress=progress,
    )
    if not any(counts[status] for status in OUTBOX_UNFINISHED):
        service.finish_run(database, run, tz)
    return counts


def queue_test(
    database: DatabaseEngine,
    campaign_id: int,
    *,
    channel: Channel,
    address: str,
    locale: str | None = None,
) -> int:
    """Queue a campaign's message in one language for one staff contact, in the reply outbox.

    It leaves like a staff notice (the channel's limits and retries; on WhatsApp the
    language's template once the 24-hour window has closed), outside any run, so the
    campaign's figures are not touched. Without `locale`, in the contact's language. The
    console's and the CLI's tests both go this way. Returns the reply's id.
    """
    if channel not in PUSH_CHANNELS:
        raise service.CampaignError(
            N_("un test va vers telegram ou whatsapp, pas vers {channel}"), channel=channel.value
        )
    campaign = service.get_campaign(database, campaign_id)
    with new_session(database) as session:
        contact = contacts.get_or_create_contact(session, channel=channel, address=address)
        recipient = Recipient(
            contact_id=contact.id or 0,
            channel=channel,
            address=contact.address,
            kind=contact.kind,
            locale=locale or contact.locale,
            last_inbound_at=contact.last_inbound_at,
        )
        message = service.message_for(campaign, recipient)
        context: dict[str, Any] = {replies.NOTICE: True}
        if channel is Channel.WHATSAPP and message.template_id:
            context[replies.TEMPLATE] = {
                "content_sid": message.template_id,
                "variables": message.template_variables or {},
            }
        [item] = replies.add_replies(
            session,
            channel=channel,
            address=contact.address,
            contact_id=contact.id,
            message_id=None,
            replies=[(message.text, [])],
            context=context,
        )
        session.commit()
        return item.id or 0
