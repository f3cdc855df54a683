"""'Delete my data' is complete: afterwards no table holds anything the person gave or said."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.app import build_router
from bot.channels.delivery import SentMessage
from bot.core.engine import Engine
from bot.core.messages import Incoming
from bot.core.turn import Services
from bot.domain import Channel, DeliveryStatus
from bot.storage import deliveries, inbox
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import Contact
from tests.core.test_preregistration import FULL_FORM

SENDER = "S3ss10nOfAwa-Ndong"
# Everything the person typed into the form that identifies them or their organisation.
GIVEN = ["Les Agriculteurs de Bitam", "Marie Obame", "24177123456", "marie@example.org", SENDER]


@pytest.fixture
def database_engine(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def every_value(database: DatabaseEngine) -> Iterator[tuple[str, str]]:
    """Yield (table, text) for every text-like value of every table."""
    metadata = sa.MetaData()
    metadata.reflect(database)
    with database.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    if value is not None:
                        yield table.name, str(value)


def test_nothing_of_the_person_remains_in_any_table(
    database_engine: DatabaseEngine, services: Services
) -> None:
    engine = Engine(database=database_engine, services=services, router=build_router())
    answers = [text for text, _expected in FULL_FORM]
    for number, text in enumerate(
        [*answers, "confirmer", "abonnez-moi", "prochaines formations ?", "parler à une personne"]
    ):
        engine.handle_into_outbox(
            Incoming(channel=Channel.WEB, sender=SENDER, text=text, message_id=f"{SENDER}:{number}")
        )
    with new_session(database_engine) as session:
        contact_id = session.execute(sa.text("SELECT id FROM contact")).scalar_one()
        deliveries.record_outbound(
            session,
            channel=Channel.WEB,
            contact_id=contact_id,
            text="Voici votre pré-inscription : Marie Obame, +24177123456",
            status=DeliveryStatus.SENT,
            provider_id=f"{SENDER}:reply",
        )
        inbox.enqueue(
            session,
            channel=Channel.WEB,
            message_id="late-1",
            conversation=SENDER,
            body={"text": "Marie Obame encore"},
        )
        session.commit()
    found = [(table, value) for table, value in every_value(database_engine)]
    assert any("Marie Obame" in value for _table, value in found)  # the search can find it

    for number, text in enumerate(["supprimer mes données", "oui"], start=100):
        engine.handle_into_outbox(
            Incoming(
                channel=Channel.WEB, sender=SENDER, text=text, message_id=f"{SENDER}:{number}"
            ),
            delivered=True,
        )
    left = [
        (table, value)
        for table, value in every_value(database_engine)
        for given in GIVEN
        if given.casefold() in value.casefold()
    ]
    assert left == []


def test_a_retried_confirmation_after_deletion_is_not_answered_again(
    database_engine: DatabaseEngine, services: Services
) -> None:
    engine = Engine(database=database_engine, services=services, router=build_router())
    said = ["bonjour", "supprimer mes données", "oui"]
    for number, text in enumerate(said):
        incoming = Incoming(
            channel=Channel.WEB, sender=SENDER, text=text, message_id=f"{SENDER}:{number}"
        )
        assert engine.handle_into_outbox(incoming, delivered=True)

    # The provider did not get the answer to "oui" in time and sends it again.
    retried = Incoming(channel=Channel.WEB, sender=SENDER, text="oui", message_id=f"{SENDER}:2")
    assert engine.handle_into_outbox(retried, delivered=True) == []
    # Someone new writing afterwards is answered as usual.
    fresh = Incoming(channel=Channel.WEB, sender=SENDER, text="bonjour", message_id=f"{SENDER}:3")
    assert engine.handle_into_outbox(fresh, delivered=True)
    with database_engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT message_id FROM processedmessage")).scalars()
        ids = set(kept)
    # The deleted person's ids are kept only as digests; the newcomer's is theirs.
    digests = ids - {f"{SENDER}:3"}
    assert f"{SENDER}:3" in ids
    assert len(digests) == 3
    assert all(i.startswith("forgotten:") and SENDER not in i for i in digests)


def test_deliveries_are_recorded_only_for_a_contact_still_known(
    database_engine: DatabaseEngine,
) -> None:
    with new_session(database_engine) as session:
        session.add(Contact(channel=Channel.TELEGRAM, address="555"))
        session.commit()
    sent = [SentMessage(DeliveryStatus.SENT, "555:1"), SentMessage(DeliveryStatus.FAILED, None)]
    with new_session(database_engine) as session:
        deliveries.record_deliveries(session, channel=Channel.TELEGRAM, address="555", sent=sent)
        deliveries.record_deliveries(session, channel=Channel.TELEGRAM, address="666", sent=sent)
        session.commit()
    with new_session(database_engine) as session:
        rows = session.execute(
            sa.text("SELECT contact_id, provider_id, status FROM outboundmessage ORDER BY id")
        ).all()
        contact_id = session.execute(sa.text("SELECT id FROM contact")).scalar_one()
    assert [tuple(row) for row in rows] == [
        (contact_id, "555:1", "sent"),
        (contact_id, None, "failed"),
    ]
