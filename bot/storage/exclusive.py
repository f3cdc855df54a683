"""Work only one process may do at a time, whatever machine it runs on: a named lock.

On PostgreSQL it is a session advisory lock, held by a connection of its own for as long as
the process runs (the server drops it when that connection ends, even after a SIGKILL). On an
SQLite file it is an advisory lock on a file next to the database (the kernel drops it when
the process ends). An in-memory SQLite database has only one process: nothing to lock.
"""

import contextlib
import fcntl
import hashlib
import os
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as DatabaseEngine


class Held(Protocol):
    """A lock this process holds."""

    def release(self) -> None:
        """Let another process take it."""


class _Nothing:
    def release(self) -> None:
        """Nothing was held."""


class _Advisory:
    def __init__(self, connection: Connection, key: int) -> None:
        self._connection: Connection | None = connection
        self._key = key

    def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        with contextlib.suppress(sa.exc.DBAPIError):
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            connection.commit()
        connection.close()


class _LockFile:
    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    def release(self) -> None:
        if self._descriptor is None:
            return
        descriptor, self._descriptor = self._descriptor, None
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def hold(database: DatabaseEngine, name: str) -> Held | None:
    """Take the lock called `name` for the processes sharing this database; None if taken.

    The name is hashed: it may carry a secret (a token), which is written nowhere.
    """
    digest = hashlib.sha256(name.encode()).digest()
    if database.dialect.name == "postgresql":
        key = int.from_bytes(digest[:8], "big", signed=True)
        connection = database.connect()
        taken = connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
        ).scalar_one()
        connection.commit()
        if not taken:
            connection.close()
            return None
        return _Advisory(connection, key)
    path = database.url.database
    if not path or path == ":memory:":
        return _Nothing()
    descriptor = os.open(f"{path}.{digest.hex()[:16]}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return _LockFile(descriptor)
