"""The ESS actors' network meets every quarter, each time in the next place of a list."""

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.app import build_router
from bot.campaigns.series import Place, add_months, create_series, occurrences, series_events
from bot.campaigns.service import CampaignError
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import EventKind
from bot.storage.database import new_session
from bot.storage.models import EventReminder
from bot.storage.types import utcnow
from tests.transcript import Chat

ALGIERS = ZoneInfo("Africa/Algiers")
# The seed: the first meeting was set in Algiers on Tuesday 15 March 2016, long past.
SEED = datetime(2016, 3, 15, 10, 0, tzinfo=ALGIERS)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ALGIERS)
ROTATION = [Place("Alger", "Alger"), Place("Oran", "Oran"), Place("Constantine", "Constantine")]


def test_the_next_quarters_after_a_past_seed() -> None:
    found = occurrences(SEED, ROTATION, after=NOW, count=4)
    assert [item.starts_at for item in found] == [
        datetime(2026, 12, 15, 10, 0, tzinfo=ALGIERS),
        datetime(2027, 3, 15, 10, 0, tzinfo=ALGIERS),
        datetime(2027, 6, 15, 10, 0, tzinfo=ALGIERS),
        datetime(2027, 9, 15, 10, 0, tzinfo=ALGIERS),
    ]
    assert all(item.starts_at > NOW for item in found)
    assert SEED not in [item.starts_at for item in found]


def test_the_place_rotates_from_the_seed() -> None:
    found = occurrences(SEED, ROTATION, after=NOW, count=6)
    # The n-th meeting since the seed is at the n-th place, round and round (the seed in Alger).
    assert [item.place.name for item in found] == [ROTATION[item.number % 3].name for item in found]
    names = [item.place.name for item in found]
    assert all(first != second for first, second in pairwise(names))
    assert set(names) == {"Alger", "Oran", "Constantine"}
    assert occurrences(SEED, ROTATION, after=SEED, count=1)[0].place.name == "Oran"


def test_months_keep_the_day_and_clamp_the_end_of_month() -> None:
    assert add_months(datetime(2026, 11, 30, 9, tzinfo=ALGIERS), 3) == datetime(
        2027, 2, 28, 9, tzinfo=ALGIERS
    )
    assert add_months(datetime(2027, 10, 15, 9, tzinfo=ALGIERS), 3).year == 2028


@pytest.mark.parametrize(
    ("anchor", "places", "count"),
    [
        (SEED.replace(tzinfo=None), ROTATION, 4),
        (SEED, [], 4),
        (SEED, ROTATION, 0),
        (SEED, ROTATION, 50),
    ],
)
def test_bad_series_are_refused(anchor: datetime, places: list[Place], count: int) -> None:
    with pytest.raises(CampaignError):
        occurrences(anchor, places, after=NOW, count=count)


def test_each_occurrence_is_an_event_with_its_own_reminders(database: DatabaseEngine) -> None:
    created = create_series(
        database,
        kind=EventKind.QUARTERLY_MEETING,
        title={"fr": "Réunion du réseau des acteurs de l'ESS"},
        anchor=SEED,
        places=ROTATION,
        now=NOW,
        count=3,
    )
    assert len(created) == 3
    series = {event.series for event in created}
    assert len(series) == 1 and None not in series
    assert [event.id for event in series_events(database, series.pop() or "")] == [
        event.id for event in created
    ]
    with new_session(database) as session:
        for event in created:
            reminders = session.exec(
                select(EventReminder).where(col(EventReminder.event_id) == event.id)
            ).all()
            assert sorted(r.due_at for r in reminders)[-1] < event.starts_at
            assert len(reminders) == 3  # 7 days, 1 day and 2 hours before, as for any event


def test_citizens_are_offered_the_next_meeting_never_the_seed(
    database: DatabaseEngine, services_by_pack: Callable[[str], Services]
) -> None:
    services = services_by_pack("dz")
    create_series(
        database,
        kind=EventKind.QUARTERLY_MEETING,
        title={
            "fr": "Réunion du réseau des acteurs de l'ESS",
            "ar": "اجتماع شبكة فاعلي الاقتصاد الاجتماعي",
        },
        anchor=SEED,
        places=ROTATION,
        now=utcnow(),
        count=2,
    )
    chat = Chat(Engine(database=database, services=services, router=build_router()))
    answer = chat.send("prochaines réunions ?")
    assert "Réunion du réseau des acteurs de l'ESS" in answer
    assert "2016" not in answer
    assert answer.count("S'inscrire") == 2
