"""Events that recur every quarter, each time in the next place of a list.

The ESS actors' network meets every quarter, each time in a different region. A series is
anchored on one date (the seed meeting, even a past one) and steps three months at a time on
the same day and local hour; the place of the n-th meeting since the anchor is the n-th of the
list, round and round. Only the occurrences after now are created: a past date is never
offered as the next meeting. Each occurrence is an ordinary event, with its own reminders,
registrations and waiting list, and all of them carry the series' id.
"""

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.campaigns.events import create_event
from bot.campaigns.service import CampaignError
from bot.core.i18n import N_
from bot.domain import EventKind
from bot.storage.database import new_session
from bot.storage.models import Event

DEFAULT_OCCURRENCES = 4
MAX_OCCURRENCES = 12


class Recurrence(StrEnum):
    """How often a series of events comes back."""

    QUARTERLY = "quarterly"


_MONTHS = {Recurrence.QUARTERLY: 3}


@dataclass(frozen=True, slots=True)
class Place:
    """Where one occurrence takes place, and the unit (wilaya, province) it is in."""

    name: str
    province: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One meeting of a series: its rank since the anchor, its start and its place."""

    number: int
    starts_at: datetime
    place: Place


def add_months(moment: datetime, months: int) -> datetime:
    """Step whole months on the same local day and hour (the 31st becomes the month's last)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def occurrences(
    anchor: datetime,
    places: Sequence[Place],
    *,
    after: datetime,
    count: int = DEFAULT_OCCURRENCES,
    every: Recurrence = Recurrence.QUARTERLY,
) -> list[Occurrence]:
    """Return the next `count` occurrences that start after `after`, with their places."""
    if anchor.tzinfo is None:
        raise CampaignError(N_("la date de départ d'une série a besoin de son fuseau horaire"))
    if not places:
        raise CampaignError(N_("une série a besoin d'au moins un lieu"))
    if not 1 <= count <= MAX_OCCURRENCES:
        raise CampaignError(
            N_("une série se crée pour 1 à {most} occurrences à la fois"), most=MAX_OCCURRENCES
        )
    step = _MONTHS[every]
    # Jump close to `after` instead of walking from a seed date years back.
    elapsed = (after.year - anchor.year) * 12 + after.month - anchor.month
    number = max(0, elapsed // step - 1)
    found: list[Occurrence] = []
    while len(found) < count:
        starts_at = add_months(anchor, number * step)
        if starts_at > after:
            found.append(Occurrence(number, starts_at, places[number % len(places)]))
        number += 1
    return found


def create_series(
    database: DatabaseEngine,
    *,
    kind: EventKind,
    title: dict[str, str],
    anchor: datetime,
    places: Sequence[Place],
    now: datetime,
    count: int = DEFAULT_OCCURRENCES,
    every: Recurrence = Recurrence.QUARTERLY,
    description: dict[str, str] | None = None,
    capacity: int | None = None,
    audience: str = "all topic=events groups",
    offsets: list[int] | None = None,
) -> list[Event]:
    """Create the next occurrences of a series, each an event with its own reminders."""
    series = uuid.uuid4().hex
    return [
        create_event(
            database,
            kind=kind,
            title=title,
            starts_at=occurrence.starts_at,
            place=occurrence.place.name,
            description=description,
            province=occurrence.place.province,
            capacity=capacity,
            audience=audience,
            offsets=offsets,
            series=series,
        )
        for occurrence in occurrences(anchor, places, after=now, count=count, every=every)
    ]


def series_events(database: DatabaseEngine, series: str) -> list[Event]:
    """Return the events of a series, soonest first."""
    with new_session(database) as session:
        return list(
            session.exec(
                select(Event).where(Event.series == series).order_by(col(Event.starts_at))
            ).all()
        )
