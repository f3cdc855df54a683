"""What `GET /metrics` reports, in the Prometheus text format.

Counters and the turn histogram live in the process, from the moment it serves `/metrics`
(each `relais serve` reports its own; a Prometheus server adds them up); the queue depths are
read from the database when scraped, so they cost nothing between scrapes. Recording is one
locked addition: cheap on the path of every message.
"""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram


@dataclass(frozen=True)
class _Collectors:
    messages_in: "Counter"
    messages_out: "Counter"
    send_failures: "Counter"
    turn_seconds: "Histogram"


# None until a process serves `/metrics` (`collect`): a command that nobody scrapes, such as
# `relais chat`, neither imports prometheus-client nor counts.
_collectors: _Collectors | None = None
_collectors_lock = threading.Lock()


def collect() -> None:
    """Start counting, in the default registry that `/metrics` renders (once per process)."""
    global _collectors  # one set per process, as prometheus-client's default registry is
    with _collectors_lock:
        if _collectors is not None:
            return
        from prometheus_client import Counter, Histogram

        _collectors = _Collectors(
            messages_in=Counter(
                "relais_messages_in", "Messages received from people, by channel.", ["channel"]
            ),
            messages_out=Counter(
                "relais_messages_out",
                "Messages the providers accepted (replies and campaign messages), by channel.",
                ["channel", "kind"],
            ),
            send_failures=Counter(
                "relais_send_failures",
                "Sends that failed, by channel, reason, and whether they are retried or given up.",
                ["channel", "reason", "outcome"],
            ),
            turn_seconds=Histogram(
                "relais_turn_seconds",
                "Time to understand one message and write its replies, by channel.",
                ["channel"],
                # A turn is milliseconds; SQLite's write lock under load can make it seconds.
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            ),
        )


# A reason label is a short class of the provider's message; past this many distinct ones,
# new ones count as "other" so that free-text errors cannot grow the series without bound.
MAX_REASONS = 50
OTHER_REASON = "other"
_CODE = re.compile(r"\b(\d{3,5})\b")
_NOT_LABEL = re.compile(r"[^a-z0-9]+")
_reasons: set[str] = set()
_reasons_lock = threading.Lock()


def reason_label(reason: str | None) -> str:
    """Return a bounded label for a failure text: its provider code, else its first words."""
    text = (reason or "").strip()
    code = _CODE.search(text)
    if code is not None:
        label = code.group(1)
    else:
        head = text.split(":", 1)[0].casefold()
        label = _NOT_LABEL.sub("_", head).strip("_")[:40] or "unknown"
    with _reasons_lock:
        if label in _reasons:
            return label
        if len(_reasons) >= MAX_REASONS:
            return OTHER_REASON
        _reasons.add(label)
    return label


def message_in(channel: str) -> None:
    """Count one message received."""
    if _collectors is not None:
        _collectors.messages_in.labels(channel).inc()


def sent(channel: str, kind: str, count: int = 1) -> None:
    """Count messages a provider accepted; kind is `reply` or `campaign`."""
    if count and _collectors is not None:
        _collectors.messages_out.labels(channel, kind).inc(count)


def send_failed(channel: str, reason: str | None, *, retried: bool) -> None:
    """Count one failed send, retried later or given up."""
    if _collectors is not None:
        outcome = "retry" if retried else "failed"
        _collectors.send_failures.labels(channel, reason_label(reason), outcome).inc()


@contextmanager
def turn(channel: str) -> Iterator[None]:
    """Count a message received and time its turn."""
    collectors = _collectors
    if collectors is None:
        yield
        return
    collectors.messages_in.labels(channel).inc()
    started = time.perf_counter()
    try:
        yield
    finally:
        collectors.turn_seconds.labels(channel).observe(time.perf_counter() - started)
