"""Schedules fire at the right local time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.campaigns.schedule import ScheduleError, parse_schedule

LIBREVILLE = ZoneInfo("Africa/Libreville")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def occurrences(spec: str, count: int) -> list[datetime]:
    schedule = parse_schedule(spec, LIBREVILLE)
    found, moment = [], NOW
    for _ in range(count):
        following = schedule.next_after(moment)
        assert following is not None
        found.append(following)
        moment = following
    return found


@pytest.mark.parametrize(
    "rule", ["second saturday of may", "2e samedi de mai", "deuxième samedi de mai"]
)
def test_second_saturday_of_may(rule: str) -> None:
    dates = [moment.date().isoformat() for moment in occurrences(f"rule:{rule}", 4)]
    assert dates == ["2027-05-08", "2028-05-13", "2029-05-12", "2030-05-11"]


def test_fair_trade_day_yearly_at_nine_local_time() -> None:
    first, second = occurrences("yearly:05-14", 2)
    assert first == datetime(2027, 5, 14, 9, 0, tzinfo=LIBREVILLE)
    assert first.astimezone(UTC).hour == 8  # Libreville is UTC+1
    assert second.year == 2028


def test_a_local_date_time_fires_once() -> None:
    schedule = parse_schedule("at:2027-01-15T10:30", LIBREVILLE)
    assert schedule.next_after(NOW) == datetime(2027, 1, 15, 10, 30, tzinfo=LIBREVILLE)
    assert not schedule.recurring


def test_weekly_monthly_and_cron() -> None:
    monday = occurrences("rule:every monday at 8h30", 1)[0]
    assert monday.weekday() == 0 and (monday.hour, monday.minute) == (8, 30)
    monthly = occurrences("rule:le 1 de chaque mois", 2)
    assert [moment.day for moment in monthly] == [1, 1]
    cron = occurrences("cron:0 18 * * 5", 1)[0]
    assert cron.weekday() == 4 and cron.hour == 18


@pytest.mark.parametrize(
    "spec", ["yearly:13-40", "at:tomorrow", "rule:whenever", "cron:bad", "soon"]
)
def test_bad_schedules_are_explained(spec: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(spec, LIBREVILLE)
