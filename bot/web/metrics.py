"""`GET /metrics`: the process's counters plus the queue depths read from the database."""

import logging
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine as DatabaseEngine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot import metrics
from bot.domain import Channel
from bot.storage.database import new_session
from bot.storage.depths import queue_depths

log = logging.getLogger(__name__)

# The provider channels queue their work; the web chat answers in its HTTP response.
QUEUED_CHANNELS = (Channel.TELEGRAM, Channel.WHATSAPP)


class QueueDepths(Collector):
    """Read the depth of the inbox and of the outboxes when Prometheus scrapes."""

    def __init__(self, database: DatabaseEngine) -> None:
        self._database = database

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Return the inbox and outbox gauges, every queued channel present (0 when empty)."""
        with new_session(self._database) as session:
            depths = queue_depths(session)
        inbox = GaugeMetricFamily(
            "relais_inbox_depth",
            "Received updates not handled yet, by channel.",
            labels=["channel"],
        )
        outbox = GaugeMetricFamily(
            "relais_outbox_depth",
            "Messages not sent yet, by channel and kind (reply or campaign).",
            labels=["channel", "kind"],
        )
        for channel in QUEUED_CHANNELS:
            inbox.add_metric([channel.value], depths.get(("inbox", channel.value), 0))
            for kind in ("reply", "campaign"):
                outbox.add_metric([channel.value, kind], depths.get((kind, channel.value), 0))
        return [inbox, outbox]


def metrics_endpoint(database: DatabaseEngine) -> Callable[[Request], Awaitable[Response]]:
    """Return the `/metrics` handler of one application, and start counting."""
    metrics.collect()
    depths = CollectorRegistry(auto_describe=False)
    depths.register(QueueDepths(database))

    def render() -> bytes:
        try:
            queues = generate_latest(depths)
        except Exception:
            # The counters are still worth reading when the database does not answer.
            log.exception("metrics: the queue depths could not be read")
            queues = b""
        return generate_latest(REGISTRY) + queues

    async def endpoint(request: Request) -> Response:
        return Response(await run_in_threadpool(render), media_type=CONTENT_TYPE_LATEST)

    return endpoint
