"""A consistent copy of a live SQLite database, through SQLite's online backup API."""

import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import RelaisError

# Pages copied per step: the server's writers wait at most one step's time between steps.
PAGES_PER_STEP = 1024


class BackupError(RelaisError):
    """The database cannot be backed up this way; the message says what to do instead."""


def sqlite_file(url: str) -> Path:
    """Return the file of an SQLite URL, or explain why this URL cannot be backed up here."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        shown = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        msg = (
            "RELAIS_DATABASE_URL is a PostgreSQL database: back it up with PostgreSQL's own "
            f'tool, e.g. pg_dump --format=custom --file relais.dump "{shown}" (see the README)'
        )
        raise BackupError(msg)
    if parsed.get_backend_name() != "sqlite":
        msg = f"cannot back up a {parsed.get_backend_name()} database"
        raise BackupError(msg)
    if not parsed.database or parsed.database == ":memory:":
        msg = "RELAIS_DATABASE_URL is an in-memory SQLite database: there is nothing to back up"
        raise BackupError(msg)
    path = Path(parsed.database)
    if not path.is_file():
        msg = f"no SQLite database at {path}"
        raise BackupError(msg)
    return path


def backup_sqlite(url: str, target: Path) -> int:
    """Copy the database to target while the server may be writing; return the pages copied.

    The copy is written beside target and renamed into place once checked, so a failed or
    interrupted backup never leaves a half-written file under target's name.
    """
    source_path = sqlite_file(url)
    if target.resolve() == source_path.resolve():
        msg = "the backup file must not be the database itself"
        raise BackupError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy, pages=PAGES_PER_STEP)
            [verdict] = copy.execute("PRAGMA integrity_check").fetchone()
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
            # A backup is read alone: one file, not a WAL beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        if verdict != "ok":
            msg = f"the copy failed SQLite's integrity check: {verdict}"
            raise BackupError(msg)
        Path(temporary).replace(target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return pages
