"""Shared fixtures: services built once, a fresh migrated database per test."""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.app import build_router, build_services
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.settings import Settings
from bot.storage.database import create_db_engine, upgrade
from tests.offline import offline
from tests.telegram.fake_api import FakeBotApi
from tests.transcript import PACKS, Chat
from tests.whatsapp.fake_twilio import FakeTwilio

POSTGRES_URL_VARIABLE = "RELAIS_TEST_POSTGRES_URL"


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Fail any test that tries a real network address (the fakes are on 127.0.0.1)."""
    with offline():
        yield


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for tests: no tokens, a cache of the trained NLU inside the test tree."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="sqlite://",
        cache_dir=Path(".cache"),
    )


@pytest.fixture(scope="session")
def services(settings: Settings) -> Services:
    """Content, catalogues and NLU, built once for the whole run."""
    return build_services(settings)


@pytest.fixture(scope="session")
def services_by_pack(services: Services) -> Callable[[str], Services]:
    """Build each country's services once (its own pack, NLU model and time zone)."""
    built: dict[str, Services] = {services.settings.country: services}

    def get(country: str) -> Services:
        if country not in built:
            built[country] = build_services(
                Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    database_url="sqlite://",
                    cache_dir=Path(".cache"),
                    country=country,
                )
            )
        return built[country]

    return get


@pytest.fixture(params=PACKS)
def pack_services(request: pytest.FixtureRequest, services_by_pack: Any) -> Services:
    """The services of each country's pack in turn."""
    return services_by_pack(str(request.param))  # type: ignore[no-any-return]


@pytest.fixture
def pack_engine(database: DatabaseEngine, pack_services: Services) -> Engine:
    """The conversation engine of each country's pack in turn, over a fresh database."""
    return Engine(database=database, services=pack_services, router=build_router())


@pytest.fixture
def pack_chat(pack_engine: Engine) -> Chat:
    """A person talking to the bot of each country's pack in turn."""
    return Chat(pack_engine)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied by each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "relais.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of a fresh, migrated SQLite database."""
    path = tmp_path / "relais.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, migrated, dropped at the end."""
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: the Makefile sets it")
    name = f"relais_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL_VARIABLE} ({reason})")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """The PostgreSQL test database, emptied before each test."""
    engine = sa.create_engine(postgres_server_url)
    with engine.begin() as connection:
        tables = connection.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{table}"' for table in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_server_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def database(sqlite_url: str) -> Iterator[DatabaseEngine]:
    """A fresh SQLite database engine."""
    engine = create_db_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def country() -> str:
    """The content pack of the engine; `@both_packs` plays a test with each country's."""
    return "ga"


@pytest.fixture
def engine(
    database: DatabaseEngine, country: str, services_by_pack: Callable[[str], Services]
) -> Engine:
    """The conversation engine over a fresh database, with the country's pack."""
    return Engine(database=database, services=services_by_pack(country), router=build_router())


@pytest.fixture
def chat(engine: Engine) -> Chat:
    """A person talking to the bot in the terminal channel."""
    return Chat(engine)


@pytest.fixture(scope="session")
def bot_api() -> Iterator[FakeBotApi]:
    """One fake Bot API server for the whole run."""
    api = FakeBotApi()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def api(bot_api: FakeBotApi) -> FakeBotApi:
    """The fake Bot API, with no calls, updates or failures left from another test."""
    bot_api.reset()
    return bot_api


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    """One fake Twilio server for the whole run."""
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def twilio(fake_twilio: FakeTwilio) -> FakeTwilio:
    """The fake Twilio, with no calls recorded and nothing scripted."""
    fake_twilio.reset()
    return fake_twilio
