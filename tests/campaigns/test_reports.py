"""A campaign's figures over time: running totals in steps that keep the chart readable."""

from datetime import UTC, datetime, timedelta

from bot.campaigns.reports import timeline_of
from bot.domain import Channel

START = datetime(2027, 5, 14, 9, tzinfo=UTC)


def test_minutes_for_a_quick_send_starting_from_nothing() -> None:
    events = [(START, "sent"), (START + timedelta(seconds=30), "sent")]
    events += [(START + timedelta(minutes=3), "delivered"), (START + timedelta(minutes=5), "read")]
    events += [(START + timedelta(minutes=5, seconds=10), "failed")]
    line = timeline_of(Channel.WHATSAPP, events)
    assert line.steps[0] == START
    assert line.steps[1] - line.steps[0] == timedelta(minutes=1)
    assert line.totals["sent"] == [0, 2, 2, 2, 2, 2, 2]
    assert line.totals["delivered"][-1] == 1 and line.totals["read"][-1] == 1
    assert line.totals["failed"] == [0, 0, 0, 0, 0, 0, 1]
    assert line.steps[-1] == START + timedelta(minutes=5, seconds=10)


def test_hours_then_days_for_reports_that_come_late() -> None:
    hours = timeline_of(Channel.TELEGRAM, [(START, "sent"), (START + timedelta(hours=5), "read")])
    assert hours.steps[2] - hours.steps[1] == timedelta(hours=1) and len(hours.steps) == 7
    days = timeline_of(Channel.TELEGRAM, [(START, "sent"), (START + timedelta(days=9), "read")])
    assert days.steps[2] - days.steps[1] == timedelta(days=1)
    assert days.totals["sent"][-1] == 1 and days.totals["read"] == [0] * 10 + [1]


def test_a_send_all_at_once_still_draws_a_line() -> None:
    line = timeline_of(Channel.TELEGRAM, [(START, "sent"), (START, "sent")])
    assert line.steps == [START, START + timedelta(minutes=1)]
    assert line.totals["sent"] == [0, 2]
