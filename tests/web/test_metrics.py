"""`GET /metrics`: counters of the messages, failures by reason, turn latency, queue depths."""

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.app import MeasuredEngine, Relais, build_router
from bot.channels.queues import ReplySender, SendResult
from bot.core.engine import Engine
from bot.domain import Channel
from bot.settings import Settings
from bot.storage import inbox, replies
from bot.storage.database import new_session
from bot.web.server import create_web_app


@pytest.fixture
async def client(engine: Engine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    measured = MeasuredEngine(
        database=engine.database, services=engine.services, router=build_router()
    )
    relais = Relais(settings=settings, database=engine.database, engine=measured)
    transport = httpx.ASGITransport(app=create_web_app(relais, channels=[]))
    async with httpx.AsyncClient(transport=transport, base_url="http://relais.test") as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_a_conversation_counts_in_out_and_its_turns(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await client.get("/chat")
    for number, text in enumerate(["bonjour", "cmt creer 1 asso", "combien ça coûte"]):
        await client.post("/chat/messages", json={"text": text, "id": str(number)})

    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("relais_messages_in_total", channel="web") == 3
    assert grew("relais_messages_out_total", channel="web", kind="reply") >= 3
    assert grew("relais_turn_seconds_count", channel="web") == 3
    assert grew("relais_turn_seconds_bucket", channel="web", le="+Inf") == 3
    assert value(after, "relais_turn_seconds_sum", channel="web") > 0


async def test_the_queue_depths_are_read_from_the_database(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    with new_session(engine.database) as session:
        for number in range(3):
            inbox.enqueue(
                session,
                channel=Channel.TELEGRAM,
                message_id=f"update-{number}",
                conversation="42",
                body={"update_id": number},
            )
        replies.add_replies(
            session,
            channel=Channel.WHATSAPP,
            address="whatsapp:+24107000000",
            contact_id=None,
            message_id=None,
            replies=[("un", []), ("deux", [])],
        )
        session.commit()

    scraped = await scrape(client)

    assert value(scraped, "relais_inbox_depth", channel="telegram") == 3
    assert value(scraped, "relais_inbox_depth", channel="whatsapp") == 0
    assert value(scraped, "relais_outbox_depth", channel="whatsapp", kind="reply") == 2
    assert value(scraped, "relais_outbox_depth", channel="telegram", kind="campaign") == 0


async def test_send_results_are_counted_by_channel_and_reason(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    with new_session(engine.database) as session:
        [item] = replies.add_replies(
            session,
            channel=Channel.TELEGRAM,
            address="42",
            contact_id=None,
            message_id=None,
            replies=[("bonjour", [])],
        )
        session.commit()

    async def never(_item: object) -> SendResult:
        raise AssertionError

    sender = ReplySender(engine.database, Channel.TELEGRAM, never)
    before = await scrape(client)
    sender._record(item, SendResult.refused("Forbidden: bot was blocked by the user"))
    sender._record(item, SendResult.later(3.0, "RetryAfter: Flood control exceeded"))
    sender._record(item, SendResult.ok("99"))
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    failures = "relais_send_failures_total"
    assert grew(failures, channel="telegram", reason="forbidden", outcome="failed") == 1
    assert grew(failures, channel="telegram", reason="retryafter", outcome="retry") == 1
    assert grew("relais_messages_out_total", channel="telegram", kind="reply") == 1


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("63016: outside the 24 hour window", "63016"),
        ("Twilio error 21610 (the user opted out)", "21610"),
        ("Forbidden: bot was blocked by the user", "forbidden"),
        ("network error: timed out", "network_error"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_a_reason_label_is_short(reason: str | None, label: str) -> None:
    assert metrics.reason_label(reason) == label


def test_free_text_reasons_cannot_grow_the_series_without_bound() -> None:
    kinds = [f"{first}{second}" for first in "abcdefghij" for second in "abcdefghij"]
    labels = {metrics.reason_label(f"error kind {kind}: detail") for kind in kinds}

    assert len(labels) <= metrics.MAX_REASONS + 1
    assert metrics.OTHER_REASON in labels
