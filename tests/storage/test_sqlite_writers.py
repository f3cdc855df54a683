"""SQLite's writers of one process take turns on a lock of their own, released however they end."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.storage.database import create_db_engine


@pytest.fixture
def database(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE tally (n INTEGER NOT NULL)")
    yield engine
    engine.dispose()


def _count(database: sa.Engine) -> int:
    with database.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM tally").scalar_one())


def test_many_threads_write_at_once_without_losing_a_row(database: sa.Engine) -> None:
    errors: list[BaseException] = []

    def write(rows: int) -> None:
        try:
            for _ in range(rows):
                with database.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO tally (n) VALUES (1)")
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(50,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count(database) == 400


def test_the_turn_is_handed_back_after_a_rollback_an_error_and_a_close(
    database: sa.Engine,
) -> None:
    with database.connect() as connection:
        connection.exec_driver_sql("INSERT INTO tally (n) VALUES (1)")
        connection.rollback()
    with pytest.raises(sa.exc.IntegrityError), database.begin() as connection:
        connection.exec_driver_sql("INSERT INTO tally (n) VALUES (NULL)")
    connection = database.connect()
    connection.exec_driver_sql("INSERT INTO tally (n) VALUES (1)")
    connection.close()  # neither committed nor rolled back by the caller
    # Each of the three ended its turn: another thread can write at once.
    done = threading.Event()

    def write() -> None:
        with database.begin() as other:
            other.exec_driver_sql("INSERT INTO tally (n) VALUES (2)")
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(timeout=5)
    assert _count(database) == 1
