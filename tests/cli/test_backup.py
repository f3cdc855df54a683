"""`relais db backup FILE`: a consistent, checked copy of a live SQLite database."""

import sqlite3
import threading
from pathlib import Path

import sqlalchemy as sa

from bot.storage.backup import backup_sqlite
from bot.storage.database import create_db_engine
from tests.cli.conftest import Relais, runner_for


def test_the_copy_holds_what_the_database_holds(
    relais: Relais, env: dict[str, str], tmp_path: Path
) -> None:
    chat = relais("chat", "--user", "backup-test", stdin="bonjour\n")
    assert chat.exit_code == 0, chat.output

    result = relais("db", "backup", str(tmp_path / "saved" / "relais-copy.db"))

    assert result.exit_code == 0, result.output
    assert "integrity checked" in result.output
    copy = sqlite3.connect(tmp_path / "saved" / "relais-copy.db")
    [[addresses]] = copy.execute("SELECT count(*) FROM contact WHERE address = 'backup-test'")
    [[revision]] = copy.execute("SELECT version_num FROM alembic_version")
    copy.close()
    assert addresses == 1 and revision
    assert not list((tmp_path / "saved").glob(".relais-copy.db.*"))  # no temporary left


def test_a_backup_while_the_database_is_written(sqlite_url: str, tmp_path: Path) -> None:
    engine = create_db_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE scratch (n INTEGER)"))
    stop = threading.Event()

    def write() -> None:
        number = 0
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO scratch VALUES (:n)"), {"n": number})
            number += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        pages = [backup_sqlite(sqlite_url, tmp_path / f"copy-{n}.db") for n in range(3)]
    finally:
        stop.set()
        writer.join()
        engine.dispose()

    assert all(count > 0 for count in pages)
    for n in range(3):
        copy = sqlite3.connect(tmp_path / f"copy-{n}.db")
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copy.close()


def test_a_relative_file_goes_in_the_data_dir(env: dict[str, str], tmp_path: Path) -> None:
    relais = runner_for({**env, "RELAIS_DATA_DIR": str(tmp_path / "data")})

    result = relais("db", "backup", "backups/today.db")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "backups" / "today.db").is_file()


def test_postgresql_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    relais = runner_for({"RELAIS_DATABASE_URL": "postgresql+psycopg://relais:secret@db/relais"})

    result = relais("db", "backup", str(tmp_path / "x.db"))

    assert result.exit_code == 1
    assert "pg_dump" in result.output and "secret" not in result.output
    assert not (tmp_path / "x.db").exists()


def test_no_database_file_is_an_error_not_an_empty_copy(tmp_path: Path) -> None:
    relais = runner_for({"RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'missing.db'}"})

    result = relais("db", "backup", str(tmp_path / "x.db"))

    assert result.exit_code == 1 and "no SQLite database" in result.output
    assert not (tmp_path / "x.db").exists()
