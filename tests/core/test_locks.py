"""Keyed locks: one key at a time, other keys at once, nothing kept once released."""

import asyncio
import threading
import time

from bot.locks import TaskLocks, ThreadLocks


def test_threads_of_one_key_take_turns_and_the_lock_is_dropped() -> None:
    locks = ThreadLocks()
    inside: list[int] = []
    overlap = threading.Event()

    def work(key: str) -> None:
        with locks.hold(key):
            inside.append(1)
            if len(inside) > 1:
                overlap.set()
            time.sleep(0.01)
            inside.pop()

    threads = [threading.Thread(target=work, args=("same",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not overlap.is_set()
    assert len(locks) == 0


async def test_tasks_of_different_keys_run_at_once() -> None:
    locks = TaskLocks()
    both_in = asyncio.Event()
    entered: set[str] = set()

    async def work(key: str) -> None:
        async with locks.hold(key):
            entered.add(key)
            if len(entered) == 2:
                both_in.set()
            await asyncio.wait_for(both_in.wait(), timeout=2)

    await asyncio.gather(work("a"), work("b"))
    assert len(locks) == 0
