"""Database engine, sessions and migrations."""

import ast
import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.errors import RelaisError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Alembic's default table, which env.py keeps.
VERSION_TABLE = "alembic_version"
# How long a write waits for another's to end before SQLite says "database is locked".
BUSY_TIMEOUT_SECONDS = 10.0
_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=\n]*=(.+)$", re.MULTILINE)


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
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.close()

    writers = _WriterTurns()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        writers.take(connection.info)
        # Take the write lock up front: two processes updating one conversation then queue
        # instead of failing half-way with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection: sa.Connection) -> None:
        writers.give_back(connection.info)

    # A connection returned without its transaction's end seen above (an error in BEGIN,
    # a connection dropped by the garbage collector) must not keep the turn.
    @sa.event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        if record is not None:
            writers.give_back(record.info)

    @sa.event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            writers.give_back(record.info)

    return engine


class _WriterTurns:
    """One write transaction at a time in this process, handed over the moment it ends.

    Every SQLite transaction takes the write lock (BEGIN IMMEDIATE). Threads of one process
    waiting for it inside SQLite sleep by steps of up to 100 ms, so a lock freed after a
    millisecond sits idle while they sleep; queued on a Python lock instead, the next thread
    starts at once. Other processes still wait inside SQLite (busy_timeout). A thread that
    cannot get its turn within the busy timeout goes on, and SQLite decides.
    """

    KEY = "relais_writer_turn"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def take(self, info: dict[Any, Any]) -> None:
        """Wait for this connection's turn to write (once per transaction)."""
        if info.get(self.KEY):
            return
        if self._lock.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            info[self.KEY] = True
        else:
            log.info("no write turn within %s s; left to SQLite's own lock", BUSY_TIMEOUT_SECONDS)

    def give_back(self, info: dict[Any, Any]) -> None:
        """End this connection's turn, if it had one."""
        if info.pop(self.KEY, False):
            self._lock.release()


def new_session(engine: Engine) -> Session:
    """Open a session whose objects stay readable after commit."""
    return Session(engine, expire_on_commit=False)


def core(session: Session) -> sa.Connection:
    """Return the session's connection, to run a statement built once without the ORM.

    `Session.execute` treats a statement on a mapped class as an ORM statement (bulk
    semantics, the session's objects kept in step): on the path of every message that cost
    more than the statement itself. What the session holds unflushed goes first, as
    `Session.execute` would flush it.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def alembic_config(url: str) -> "Config":
    """Build the Alembic configuration for a database URL (no alembic.ini needed)."""
    # Alembic is imported only to migrate: checking the revision at start-up does without it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def migration_heads() -> set[str]:
    """Return the latest revisions of the migration files, read without importing Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(
            (name, ast.literal_eval(value.strip()))
            for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8"))
        )
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update([down] if isinstance(down, str) else (down or ()))
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    """Return the revisions the database says it is at (none before the first migration)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return set()
        rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return {str(row[0]) for row in rows}


def is_up_to_date(engine: Engine) -> bool:
    """Tell whether the database is at the latest migration."""
    return current_revisions(engine) == migration_heads()


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
