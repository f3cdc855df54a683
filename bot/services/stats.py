"""Staff figures: contacts, subscribers, pre-registrations by status and province."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.domain import Channel, ContactKind, OrgType, RegistrationStatus
from bot.storage.database import new_session
from bot.storage.models import Contact, Registration, Subscription


@dataclass(frozen=True, slots=True)
class Stats:
    """What staff see at a glance; every count is of rows in the database now."""

    people: int
    people_by_channel: dict[Channel, int]
    groups: int
    subscribers: int
    unreachable: int
    registrations: int
    registrations_by_status: dict[RegistrationStatus, int]
    registrations_by_province: list[tuple[str, int]]
    registrations_by_type: list[tuple[OrgType, int]] = field(default_factory=list)


def collect_stats(database: DatabaseEngine) -> Stats:
    """Count contacts, active groups, subscribers and registrations."""
    with new_session(database) as session:
        by_channel = {
            Channel(channel): count
            for channel, count in session.exec(
                select(Contact.channel, sa.func.count())
                .where(Contact.kind == ContactKind.PERSON)
                .group_by(col(Contact.channel))
            ).all()
        }
        groups = session.exec(
            select(sa.func.count())
            .select_from(Contact)
            .where(Contact.kind == ContactKind.GROUP, col(Contact.opted_out_at).is_(None))
        ).one()
        subscribers = session.exec(
            select(sa.func.count(sa.distinct(col(Subscription.contact_id))))
            .join(Contact, col(Contact.id) == col(Subscription.contact_id))
            .where(col(Contact.opted_out_at).is_(None))
        ).one()
        unreachable = session.exec(
            select(sa.func.count())
            .select_from(Contact)
            .where(col(Contact.opted_out_at).isnot(None))
        ).one()
        by_status = {
            RegistrationStatus(status): count
            for status, count in session.exec(
                select(Registration.status, sa.func.count()).group_by(col(Registration.status))
            ).all()
        }
        count = sa.func.count().label("count")
        by_province = [
            (province, number)
            for province, number in session.exec(
                select(Registration.province, count)
                .group_by(col(Registration.province))
                .order_by(count.desc(), col(Registration.province))
            ).all()
        ]
        by_type = [
            (OrgType(org_type), number)
            for org_type, number in session.exec(
                select(Registration.org_type, count)
                .group_by(col(Registration.org_type))
                .order_by(count.desc(), col(Registration.org_type))
            ).all()
        ]
    return Stats(
        people=sum(by_channel.values()),
        people_by_channel=by_channel,
        groups=groups,
        subscribers=subscribers,
        unreachable=unreachable,
        registrations=sum(by_status.values()),
        registrations_by_status={status: by_status.get(status, 0) for status in RegistrationStatus},
        registrations_by_province=by_province,
        registrations_by_type=by_type,
    )


def subscribers_over_time(
    database: DatabaseEngine, *, tz: ZoneInfo, days: int = 90, today: date | None = None
) -> list[tuple[date, int]]:
    """Return, for each of the last `days` days, how many of today's subscribers had joined.

    A subscriber counts from their first subscription; people who said STOP are not counted
    (their subscriptions are gone), so the line shows today's audience as it grew.
    """
    last = today or datetime.now(tz).date()
    first = last - timedelta(days=days - 1)
    with new_session(database) as session:
        joined = session.exec(
            select(sa.func.min(Subscription.created_at))
            .join(Contact, col(Contact.id) == col(Subscription.contact_id))
            .where(col(Contact.opted_out_at).is_(None))
            .group_by(col(Subscription.contact_id))
        ).all()
    per_day: dict[date, int] = {}
    before = 0
    for moment in joined:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = aware.astimezone(tz).date()
        if day < first:
            before += 1
        else:
            per_day[day] = per_day.get(day, 0) + 1
    running = before
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        running += per_day.get(day, 0)
        series.append((day, running))
    return series


def latest_registrations(database: DatabaseEngine, *, limit: int = 10) -> list[Registration]:
    """Return the most recent pre-registrations, newest first."""
    with new_session(database) as session:
        return list(
            session.exec(
                select(Registration).order_by(col(Registration.id).desc()).limit(limit)
            ).all()
        )
