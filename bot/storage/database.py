"""Database engine, sessions and migrations."""

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.errors import RelaisError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(RelaisError, RuntimeError):
    """A server database older than the code; `relais db upgrade` brings it up to date."""


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-locking transactions."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, **kwargs)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if ":memory:" not in url and url != "sqlite://":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Take the write lock up front: two processes updating one conversation then queue
        # instead of failing half-way with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def new_session(engine: Engine) -> Session:
    """Open a session whose objects stay readable after commit."""
    return Session(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for a database URL (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def is_up_to_date(engine: Engine) -> bool:
    """Tell whether the database is at the latest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def ensure_schema(engine: Engine, url: str) -> None:
    """Upgrade an SQLite database by itself; refuse to start on an outdated server database."""
    if is_up_to_date(engine):
        return
    if is_sqlite(engine):
        log.info("bringing the SQLite database up to date")
        upgrade(url)
        return
    msg = "the database is not migrated: run `relais db upgrade`"
    raise SchemaError(msg)


def check_connection(engine: Engine) -> None:
    """Run a trivial query; raises if the database does not answer."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
