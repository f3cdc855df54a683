"""One lock per key (a conversation, a chat, a phone number), dropped once nobody needs it.

The same registry serves threads (the engine runs in worker threads) and the event loop (the
channels): the caller picks the kind of lock.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Generic, TypeVar

L = TypeVar("L", threading.Lock, asyncio.Lock)


class KeyedLocks(Generic[L]):
    """Serialise work per key while different keys run concurrently."""

    def __init__(self, factory: Callable[[], L]) -> None:
        self._factory: Callable[[], L] = factory
        # Guards the registry itself, which threads may share.
        self._guard = threading.Lock()
        self._locks: dict[Hashable, tuple[L, int]] = {}

    def _take(self, key: Hashable) -> L:
        with self._guard:
            lock, users = self._locks.get(key) or (self._factory(), 0)
            self._locks[key] = (lock, users + 1)
            return lock

    def _drop(self, key: Hashable) -> None:
        with self._guard:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class ThreadLocks(KeyedLocks[threading.Lock]):
    """Keyed locks for threads."""

    def __init__(self) -> None:
        super().__init__(threading.Lock)

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        """Hold the lock of `key` for the duration of the block."""
        lock = self._take(key)
        try:
            with lock:
                yield
        finally:
            self._drop(key)


class TaskLocks(KeyedLocks[asyncio.Lock]):
    """Keyed locks for tasks of one event loop."""

    def __init__(self) -> None:
        super().__init__(asyncio.Lock)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock of `key` for the duration of the block."""
        lock = self._take(key)
        try:
            async with lock:
                yield
        finally:
            self._drop(key)
