"""What became of a campaign once sent: its figures over time by channel, and its failures.

Times come from the rows the dispatcher and the providers' reports already write: a message
counts as sent when it was recorded sent, as failed when its recipient's row was given up or
the provider reported it undelivered, and as delivered or read when the provider's latest
report said so (the report's time). Delivered includes read, as in `campaign_stats`.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.domain import Channel, DeliveryStatus, OutboxStatus
from bot.storage.database import new_session
from bot.storage.models import CampaignRun, Contact, OutboundMessage, OutboxItem

FIGURES = ("sent", "delivered", "read", "failed")
MAX_FAILURES = 200
PROVIDER_FAILED = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Running totals of one channel's figures at the end of each step of time."""

    channel: Channel
    steps: list[datetime]
    totals: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class Failure:
    """A recipient the campaign did not reach, and why."""

    channel: Channel
    address: str
    name: str | None
    reason: str
    at: datetime


def timelines(database: DatabaseEngine, campaign_id: int) -> list[Timeline]:
    """Return each channel's running totals of sent, delivered, read and failed over time."""
    moments: dict[Channel, list[tuple[datetime, str]]] = {}
    for channel, status, item_time, outbound_status, sent_at, reported_at in _rows(
        database, campaign_id
    ):
        events = moments.setdefault(channel, [])
        if status is OutboxStatus.FAILED:
            events.append((item_time, "failed"))
            continue
        if status is not OutboxStatus.SENT:
            continue
        events.append((sent_at or item_time, "sent"))
        if outbound_status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
            events.append((reported_at or item_time, "delivered"))
        if outbound_status is DeliveryStatus.READ:
            events.append((reported_at or item_time, "read"))
        if outbound_status in PROVIDER_FAILED:
            events.append((reported_at or item_time, "failed"))
    return [timeline_of(channel, events) for channel, events in sorted(moments.items()) if events]


def failures(database: DatabaseEngine, campaign_id: int) -> list[Failure]:
    """Return the recipients given up, or reported undelivered by the provider, latest first."""
    runs = select(CampaignRun.id).where(CampaignRun.campaign_id == campaign_id)
    with new_session(database) as session:
        rows = session.exec(
            select(OutboxItem, OutboundMessage, Contact)
            .join(
                OutboundMessage,
                col(OutboundMessage.id) == col(OutboxItem.outbound_id),
                isouter=True,
            )
            .join(Contact, col(Contact.id) == col(OutboxItem.contact_id), isouter=True)
            .where(col(OutboxItem.run_id).in_(runs))
            .where(
                (col(OutboxItem.status) == OutboxStatus.FAILED)
                | col(OutboundMessage.status).in_(PROVIDER_FAILED)
            )
            .order_by(col(OutboxItem.updated_at).desc(), col(OutboxItem.id).desc())
            .limit(MAX_FAILURES)
        ).all()
    found = []
    for item, outbound, contact in rows:
        reason = item.error if item.status is OutboxStatus.FAILED else None
        if outbound is not None and outbound.status in PROVIDER_FAILED:
            code = f"{outbound.error_code}: " if outbound.error_code else ""
            reason = f"{code}{outbound.error_reason or outbound.status.value}"
        found.append(
            Failure(
                channel=item.channel,
                address=contact.address if contact else "—",
                name=contact.name if contact else None,
                reason=reason or "—",
                at=outbound.updated_at if outbound is not None else item.updated_at,
            )
        )
    return found


def _rows(
    database: DatabaseEngine, campaign_id: int
) -> list[
    tuple[Channel, OutboxStatus, datetime, DeliveryStatus | None, datetime | None, datetime | None]
]:
    runs = select(CampaignRun.id).where(CampaignRun.campaign_id == campaign_id)
    with new_session(database) as session:
        return [
            (channel, OutboxStatus(status), item_time, _delivery(outbound), sent, reported)
            for channel, status, item_time, outbound, sent, reported in session.execute(
                sa.select(
                    col(OutboxItem.channel),
                    col(OutboxItem.status),
                    col(OutboxItem.updated_at),
                    col(OutboundMessage.status),
                    col(OutboundMessage.created_at),
                    col(OutboundMessage.updated_at),
                )
                .join(
                    OutboundMessage,
                    col(OutboundMessage.id) == col(OutboxItem.outbound_id),
                    isouter=True,
                )
                .where(col(OutboxItem.run_id).in_(runs))
            ).all()
        ]


def _delivery(value: str | None) -> DeliveryStatus | None:
    return DeliveryStatus(value) if value is not None else None


def timeline_of(channel: Channel, events: list[tuple[datetime, str]]) -> Timeline:
    """Add the events up in steps: of a minute, an hour or a day, whichever gives few points."""
    start = min(moment for moment, _figure in events)
    end = max(moment for moment, _figure in events)
    span = end - start
    step = next(
        (size for size in (timedelta(minutes=1), timedelta(hours=1)) if span <= size * 120),
        timedelta(days=1),
    )
    count = int(span / step) + 1
    per_step: list[Counter[str]] = [Counter() for _index in range(count)]
    for moment, figure in events:
        per_step[min(int((moment - start) / step), count - 1)][figure] += 1
    totals: dict[str, list[int]] = {figure: [] for figure in FIGURES}
    running: Counter[str] = Counter()
    for counts in per_step:
        running.update(counts)
        for figure in FIGURES:
            totals[figure].append(running[figure])
    # Each point closes a step; the last one is the last event (or a step on, if all at once).
    steps = [start + step * (index + 1) for index in range(count - 1)]
    steps.append(end if end > start else start + step)
    # The lines start from nothing at the first send; each later point closes a step.
    steps.insert(0, start)
    for figure in FIGURES:
        totals[figure].insert(0, 0)
    return Timeline(channel=channel, steps=steps, totals=totals)
