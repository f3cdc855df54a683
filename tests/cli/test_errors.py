"""What staff see when a request cannot be carried out: one clear line, status 1, no traceback."""

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.storage import database
from tests.cli.conftest import Relais, cli_env, runner_for

NOT_MIGRATED = "Error: the database is not migrated: run `relais db upgrade`"
COMMANDS = [
    pytest.param(("handoffs", "close", "1"), 1, "Error: no open request #1", id="handoffs-close"),
    pytest.param(("handoffs", "list"), 0, "0 open request(s)", id="handoffs-list"),
    pytest.param(("campaign", "list"), 0, "", id="campaign-list"),
    pytest.param(("event", "list"), 0, "", id="event-list"),
]


def assert_clean(result_output: str) -> None:
    assert "Traceback" not in result_output


@pytest.mark.parametrize("file", ["empty", "missing"])
@pytest.mark.parametrize(("args", "status", "said"), COMMANDS)
def test_a_new_sqlite_file_is_migrated_first(
    tmp_path: Path, file: str, args: tuple[str, ...], status: int, said: str
) -> None:
    path = tmp_path / "relais.db"
    if file == "empty":
        path.touch()
    result = runner_for(cli_env(f"sqlite:///{path}"))(*args)
    assert result.exit_code == status, result.output
    assert said in result.stderr
    assert "bringing the SQLite database up to date" in result.stderr
    assert_clean(result.output)
    engine = database.create_db_engine(f"sqlite:///{path}")
    assert database.is_up_to_date(engine)
    engine.dispose()


@pytest.mark.parametrize(("args", "status", "said"), COMMANDS)
def test_an_unmigrated_server_database_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], status: int, said: str
) -> None:
    # A server database is never migrated behind staff's back: play one with an SQLite file.
    monkeypatch.setattr(database, "is_sqlite", lambda _engine: False)
    result = runner_for(cli_env(f"sqlite:///{tmp_path / 'relais.db'}"))(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == NOT_MIGRATED
    assert_clean(result.output)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, never migrated, dropped at the end."""
    admin_url = os.environ.get("RELAIS_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("RELAIS_TEST_POSTGRES_URL is not set: the Makefile sets it")
    name = f"relais_cli_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_an_unmigrated_postgres_database_is_named(empty_postgres_url: str) -> None:
    relais = runner_for(cli_env(empty_postgres_url))
    for args in (("handoffs", "close", "1"), ("handoffs", "list"), ("event", "list")):
        result = relais(*args)
        assert result.exit_code == 1 and result.stderr.strip() == NOT_MIGRATED, result.output
    assert relais("db", "upgrade").exit_code == 0
    assert relais("handoffs", "list").exit_code == 0


def test_a_database_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    missing_dir = runner_for(cli_env(f"sqlite:///{tmp_path / 'nowhere' / 'relais.db'}"))
    result = missing_dir("campaign", "list")
    assert result.exit_code == 1
    assert "Error: cannot open the database sqlite:///" in result.stderr
    assert_clean(result.output)
    not_a_url = runner_for(cli_env("relais.db"))("handoffs", "list")
    assert not_a_url.exit_code == 1
    assert "Error: RELAIS_DATABASE_URL is not a database URL" in not_a_url.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("event", "move", "1", "--at", "garbage"),
        ("campaign", "create", "--name", "x", "--message", "y", "--at", "garbage"),
        ("event", "create", "--kind", "training", "--title", "T", "--place", "Oyem",
         "--at", "3 mars"),
    ],
    ids=["event-move", "campaign-create", "event-create"],
)  # fmt: skip
def test_a_date_typed_wrong_is_explained(relais: Relais, args: tuple[str, ...]) -> None:
    result = relais(*args)
    assert result.exit_code == 1
    assert "is not a date-time: expected e.g. 2027-03-03T09:00" in result.stderr
    assert_clean(result.output)


def test_dates_are_read_in_the_configured_time_zone(relais: Relais) -> None:
    created = relais(
        "event", "create", "--kind", "seminar", "--title", "T", "--place", "Oyem",
        "--at", "2030-03-03T08:00+00:00",
    )  # fmt: skip
    assert "starts: 2030-03-03 09:00 (Africa/Libreville)" in created.stdout
    campaign = relais("campaign", "create", "--name", "x", "--message", "y", "--at", "2030-05-14")
    shown = relais("campaign", "show", campaign.stdout.splitlines()[0])
    assert "schedule: at:2030-05-14T00:00" in shown.stdout


def test_invalid_settings_are_listed_one_line_each(env: dict[str, str]) -> None:
    secret = "not a valid secret!"
    relais = runner_for(
        {**env, "RELAIS_TELEGRAM_RATE": "fast", "RELAIS_TELEGRAM_WEBHOOK_SECRET": secret}
    )
    result = relais("campaign", "list")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "Error: invalid settings"
    assert "  RELAIS_TELEGRAM_RATE: Input should be a valid number" in result.stderr
    assert secret not in result.stderr
    assert_clean(result.output)
    inconsistent = runner_for(
        {**env, "RELAIS_TWILIO_ACCOUNT_SID": "AC1", "RELAIS_TWILIO_AUTH_TOKEN": "token"}
    )
    result = inconsistent("event", "list")
    assert result.exit_code == 1
    assert "  WhatsApp needs RELAIS_PUBLIC_URL" in result.stderr
    assert "Value error" not in result.stderr


def test_each_invocation_has_its_own_settings_database_and_log_handler(tmp_path: Path) -> None:
    first = runner_for(cli_env(f"sqlite:///{tmp_path / 'first.db'}"))
    second = runner_for(cli_env(f"sqlite:///{tmp_path / 'second.db'}"))
    handlers = list(logging.getLogger().handlers)
    assert first("campaign", "create", "--name", "Only here", "--message", "y").exit_code == 0
    assert "Only here" not in second("campaign", "list").stdout
    assert "Only here" in first("campaign", "list").stdout
    assert logging.getLogger().handlers == handlers


def test_a_contacts_file_that_cannot_be_read_is_named(relais: Relais, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(
        "channel,address,name,language,province,topics,consent_at\n"
        "telegram,1,Éloïse,fr,Estuaire,news,2026-01-10\n".encode("cp1252")
    )
    result = relais("contacts", "import", "--file", str(legacy))
    assert result.exit_code == 1
    assert 'is not UTF-8 text: save it as "CSV UTF-8"' in result.stderr
    no_header = tmp_path / "no_header.csv"
    no_header.write_text("telegram,1\n", encoding="utf-8")
    result = relais("contacts", "import", "--file", str(no_header))
    assert result.exit_code == 1 and "missing columns" in result.stderr
    assert_clean(result.output)
