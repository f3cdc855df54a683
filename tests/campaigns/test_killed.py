"""A real `relais campaign send` killed with SIGKILL, at a chosen point and at random, then resumed.

WhatsApp: nobody missed, nobody twice (Twilio's log settles what was in flight). Telegram: at
most the configured number of sends in flight are unsure, none twice; `--resend-unsure` then
leaves nobody missed.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.campaigns.dispatcher import IN_FLIGHT, LOGGED_IN_FLIGHT, in_flight_bound
from bot.domain import OutboxStatus
from bot.settings import Settings
from tests.campaigns.killed import BotApiProvider, Tally, TwilioProvider, kill_and_rerun
from tests.telegram.fake_api import FakeBotApi
from tests.whatsapp.fake_twilio import FakeTwilio

RECIPIENTS = 300
RATE = 250.0


@pytest.fixture
def twilio() -> Iterator[TwilioProvider]:
    fake = FakeTwilio().start()
    yield TwilioProvider(fake, RATE)
    fake.stop()


@pytest.fixture
def bot_api() -> Iterator[BotApiProvider]:
    api = FakeBotApi()
    api.start()
    yield BotApiProvider(api, RATE)
    api.stop()


def test_the_default_concurrency_is_the_dispatcher_s() -> None:
    assert Settings(_env_file=None).campaign_in_flight == IN_FLIGHT  # type: ignore[call-arg]


@pytest.mark.parametrize(("in_flight", "carry_out"), [(IN_FLIGHT, True), (40, False)])
def test_whatsapp_killed_with_sends_held_at_twilio(
    tmp_path: Path, twilio: TwilioProvider, in_flight: int, carry_out: bool
) -> None:
    bound = in_flight_bound(in_flight, logged=True)
    assert bound == max(in_flight, LOGGED_IN_FLIGHT)
    killed = kill_and_rerun(
        twilio,
        f"sqlite:///{tmp_path / 'relais.db'}",
        recipients=RECIPIENTS,
        in_flight=in_flight,
        kill_after=RECIPIENTS // 5,
        carry_out=carry_out,
        held_at_kill=bound,
    )
    # The kill came with exactly that many sends at Twilio, unanswered: all settled by its log.
    assert killed.held_at_kill == bound
    assert 0 < killed.reached_at_kill < RECIPIENTS
    assert killed.after_rerun == Tally(missed=0, twice=0)
    assert killed.unsure == 0 and killed.after_resend is None
    assert killed.statuses == {OutboxStatus.SENT: RECIPIENTS}


def test_whatsapp_killed_at_a_random_moment(tmp_path: Path, twilio: TwilioProvider) -> None:
    killed = kill_and_rerun(
        twilio, f"sqlite:///{tmp_path / 'relais.db'}", recipients=RECIPIENTS, in_flight=IN_FLIGHT
    )
    assert 0 < killed.reached_at_kill < RECIPIENTS, "the kill must land in the middle"
    assert killed.after_rerun == Tally(missed=0, twice=0)
    assert killed.statuses == {OutboxStatus.SENT: RECIPIENTS}


def test_telegram_killed_with_sends_held_leaves_that_many_unsure(
    tmp_path: Path, bot_api: BotApiProvider
) -> None:
    in_flight = 3  # not the default: the bound follows the setting
    killed = kill_and_rerun(
        bot_api,
        f"sqlite:///{tmp_path / 'relais.db'}",
        recipients=RECIPIENTS,
        in_flight=in_flight,
        kill_after=RECIPIENTS // 5,
        carry_out=False,
        show_stats=True,
        held_at_kill=in_flight_bound(in_flight, logged=False),
    )
    assert killed.held_at_kill == in_flight
    # The held sends never arrived: those recipients are the unsure ones, and the only missed.
    assert killed.unsure == in_flight
    assert killed.after_rerun == Tally(missed=in_flight, twice=0)
    assert f"{in_flight} recipient(s) unsure" in killed.stats_output
    assert "--resend-unsure" in killed.stats_output
    assert killed.after_resend == Tally(missed=0, twice=0)
    assert killed.statuses == {OutboxStatus.SENT: RECIPIENTS}


def test_telegram_killed_at_a_random_moment(tmp_path: Path, bot_api: BotApiProvider) -> None:
    killed = kill_and_rerun(
        bot_api, f"sqlite:///{tmp_path / 'relais.db'}", recipients=RECIPIENTS, in_flight=IN_FLIGHT
    )
    assert 0 < killed.reached_at_kill < RECIPIENTS, "the kill must land in the middle"
    assert killed.unsure <= IN_FLIGHT
    assert killed.after_rerun.missed <= killed.unsure and killed.after_rerun.twice == 0
    if killed.unsure:
        assert killed.after_resend is not None and killed.after_resend.missed == 0
    assert killed.statuses == {OutboxStatus.SENT: RECIPIENTS}
