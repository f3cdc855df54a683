"""Campaign sends killed with SIGKILL at a random moment, on each channel and each database.

Each time: a {RECIPIENTS}-recipient campaign, `relais campaign send` in its own process killed
once 5 to 95 % of the recipients were reached (the share drawn at random), run again, and on
Telegram once more with `--resend-unsure`. Counted at the fake provider: recipients who never
got the campaign, and recipients who got it twice. PostgreSQL runs on a database of its own
(created and dropped here) on the server of RELAIS_TEST_POSTGRES_URL; without one, it is
skipped and said so.
"""

import os
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from statistics import mean

import sqlalchemy as sa

from bot.campaigns.dispatcher import IN_FLIGHT, in_flight_bound
from bot.domain import Channel
from tests.campaigns.killed import BotApiProvider, KilledSend, Provider, TwilioProvider
from tests.campaigns.killed import kill_and_rerun as kill
from tests.telegram.fake_api import FakeBotApi
from tests.whatsapp.fake_twilio import FakeTwilio

RECIPIENTS = 2000
REPEATS = 10
# Messages per second asked of each channel (the campaigns take 80 % of it).
RATE = 1000.0
# A fresh database for one kill, by its number.
Databases = Callable[[int, str], AbstractContextManager[str]]
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "relais_bench_killed"


def run(
    folder: Path,
    repeats: int = REPEATS,
    *,
    channels: Collection[str] = ("whatsapp", "telegram"),
    databases: Collection[str] = ("sqlite", "postgresql"),
) -> Iterator[str]:
    """Kill, resume and count, `repeats` times per channel and database; one line each."""
    twilio = FakeTwilio().start()
    api = FakeBotApi()
    api.start()
    try:
        providers: list[Provider] = [TwilioProvider(twilio, RATE), BotApiProvider(api, RATE)]
        chosen = [
            (name, databases_of)
            for name, databases_of in (("SQLite", _sqlite), ("PostgreSQL", _postgres))
            if name.lower() in databases
        ]
        providers = [p for p in providers if p.channel.value in channels]
        for database, databases_of in chosen:
            urls = databases_of(folder)
            if urls is None:
                yield f"{database}: skipped (no server at RELAIS_TEST_POSTGRES_URL)"
                continue
            for provider in providers:
                kills = []
                for number in range(repeats):
                    provider.reset()
                    with urls(number, provider.channel.value) as url:
                        killed = kill(provider, url, recipients=RECIPIENTS, in_flight=IN_FLIGHT)
                    kills.append(killed)
                    yield f"  {_kill_line(killed)}"
                yield _line(database, kills)
    finally:
        twilio.stop()
        api.stop()


def _line(database: str, kills: list[KilledSend]) -> str:
    channel = kills[0].channel.value
    missed = [k.after_rerun.missed for k in kills]
    twice = [k.after_rerun.twice for k in kills]
    reached = mean(k.reached_at_kill for k in kills) / RECIPIENTS
    bound = in_flight_bound(IN_FLIGHT, logged=kills[0].channel is Channel.WHATSAPP)
    line = (
        f"{channel} on {database}, {len(kills)} SIGKILLs of a {RECIPIENTS}-recipient send "
        f"(on average {reached:.0%} reached at the kill; {bound} sends in flight at most): "
        f"recipients missed {sum(missed)} (at most {max(missed)} per kill), "
        f"twice {sum(twice)}"
    )
    unsure = [k.unsure for k in kills]
    if any(unsure) or channel == "telegram":
        resent = [k.after_resend for k in kills if k.after_resend is not None]
        line += (
            f"; unsure {sum(unsure)} (at most {max(unsure)}); after --resend-unsure: missed "
            f"{sum(t.missed for t in resent)}, twice {sum(t.twice for t in resent)}"
        )
    return line


def _kill_line(killed: KilledSend) -> str:
    line = (
        f"{killed.channel.value}: killed at {killed.reached_at_kill} reached, then missed "
        f"{killed.after_rerun.missed}, twice {killed.after_rerun.twice}, unsure {killed.unsure}"
    )
    if killed.after_resend is not None:
        line += (
            f"; after --resend-unsure missed {killed.after_resend.missed}, "
            f"twice {killed.after_resend.twice}"
        )
    return line


def _sqlite(folder: Path) -> Databases:
    @contextmanager
    def url(number: int, channel: str) -> Iterator[str]:
        yield f"sqlite:///{folder / f'killed-{channel}-{number}.db'}"

    return url


def _postgres(_folder: Path) -> Databases | None:
    admin_url = os.environ.get("RELAIS_TEST_POSTGRES_URL") or POSTGRES_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        admin.dispose()
        return None

    @contextmanager
    def url(number: int, channel: str) -> Iterator[str]:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_DATABASE}"'))
        try:
            yield (
                sa.make_url(admin_url)
                .set(database=POSTGRES_DATABASE)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_DATABASE}" WITH (FORCE)')
                )

    return url
