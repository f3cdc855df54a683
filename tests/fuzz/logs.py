"""Watching the logs of every thread while an example runs: no record at ERROR or above."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_error_logged() -> Iterator[None]:
    """Fail when anything logs at ERROR (a traceback) while the block runs, in any thread."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    errors = [
        f"{record.name}: {record.getMessage()}"
        + (f" ({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else "")
        for record in handler.records
    ]
    assert errors == [], errors
