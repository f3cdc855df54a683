"""The storage contract, run against SQLite and PostgreSQL alike."""

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.domain import Channel, OrgType, Topic
from bot.storage import contacts, registrations
from bot.storage.database import create_db_engine, is_up_to_date, new_session
from bot.storage.models import Contact, HandoffRequest, Registration, Subscription
from bot.storage.types import utcnow


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseEngine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def _registration(reference: str, contact_id: int | None, name: str = "Les Amis") -> Registration:
    return Registration(
        reference=reference,
        contact_id=contact_id,
        org_type=OrgType.ASSOCIATION,
        name=name,
        name_key=registrations.name_key(name),
        sector="culture",
        province="Estuaire",
        town="Libreville",
        founders=3,
        contact_name="Awa",
        contact_role="Présidente",
        phone="+24177123456",
        channel=Channel.TELEGRAM,
    )


def test_schema_is_at_head(db: DatabaseEngine) -> None:
    assert is_up_to_date(db)


def test_message_ids_are_claimed_once(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        assert contacts.claim_message(session, channel=Channel.TELEGRAM, message_id="1")
        assert not contacts.claim_message(session, channel=Channel.TELEGRAM, message_id="1")
        assert contacts.claim_message(session, channel=Channel.WHATSAPP, message_id="1")
        session.commit()


def test_contacts_are_unique_per_channel_and_address(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        first = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="7")
        again = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="7")
        other = contacts.get_or_create_contact(session, channel=Channel.WHATSAPP, address="7")
        session.commit()
    assert first.id == again.id != other.id
    assert first.created_at.tzinfo is not None


def test_conversation_state_round_trips(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.WEB, address="s")
        conversation = contacts.lock_conversation(session, contact_id=contact.id or 0)
        conversation.data = {"form": {"answers": {"name": "Éclat ☀"}}}
        session.add(conversation)
        session.commit()
    with new_session(db) as session:
        conversation = contacts.lock_conversation(session, contact_id=contact.id or 0)
        assert conversation.data["form"]["answers"]["name"] == "Éclat ☀"
        session.commit()


def test_references_are_unique_under_concurrency(db: DatabaseEngine) -> None:
    got: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(5):
            with new_session(db) as session:
                reference = registrations.next_reference(session, prefix="GA", year=2026)
                session.commit()
            with lock:
                got.append(reference)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == len(set(got)) == 20
    assert sorted(got)[0] == "GA-2026-00001"
    assert sorted(got)[-1] == "GA-2026-00020"
    with new_session(db) as session:
        assert registrations.next_reference(session, prefix="GA", year=2027) == "GA-2027-00001"


def test_duplicates_found_by_normalised_name(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        session.add(_registration("GA-2026-00001", None, "Les Amis de l'École"))
        session.commit()
        key = registrations.name_key("les amis de l ecole")
        found = registrations.find_duplicate(session, key=key, province="Estuaire")
        assert found is not None and found.reference == "GA-2026-00001"
        assert registrations.find_duplicate(session, key=key, province="Nyanga") is None


def test_subscriptions(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.WEB, address="s")
        assert contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        assert not contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        assert contacts.topics_of(session, contact_id=contact.id or 0) == [Topic.NEWS]
        assert contacts.unsubscribe_all(session, contact_id=contact.id or 0) == 1
        assert contacts.topics_of(session, contact_id=contact.id or 0) == []
        session.commit()


def test_deleting_a_contact_anonymises_and_cascades(db: DatabaseEngine) -> None:
    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.WHATSAPP, address="+241")
        contact_id = contact.id or 0
        contacts.lock_conversation(session, contact_id=contact_id)
        contacts.subscribe(session, contact_id=contact_id, topic=Topic.EVENTS)
        contacts.record_handoff(session, contact_id=contact_id, reason="asked", last_message="allo")
        session.add(_registration("GA-2026-00009", contact_id))
        session.commit()
        summary = contacts.delete_contact_data(session, contact=contact)
        session.expunge_all()
        session.commit()
    assert summary.registrations_anonymised == 1
    assert summary.subscriptions_removed == 1
    assert summary.handoffs_removed == 1
    with new_session(db) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(Subscription)).all() == []
        assert session.exec(select(HandoffRequest)).all() == []
        [kept] = session.exec(select(Registration)).all()
        assert kept.contact_id is None and kept.name is None and kept.phone is None
        assert kept.anonymised_at is not None and kept.anonymised_at <= utcnow()
        assert kept.province == "Estuaire"


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    from alembic import command

    from bot.storage.database import alembic_config, upgrade

    command.downgrade(alembic_config(database_url), "base")
    engine = create_db_engine(database_url)
    assert not is_up_to_date(engine)
    upgrade(database_url)
    assert is_up_to_date(engine)
    engine.dispose()


def test_delivery_reports_only_move_forward(db: DatabaseEngine) -> None:
    from bot.domain import DeliveryStatus
    from bot.storage import deliveries

    with new_session(db) as session:
        deliveries.record_outbound(
            session, channel=Channel.WHATSAPP, contact_id=None, text="hi", provider_id="SM1"
        )
        for status in (DeliveryStatus.READ, DeliveryStatus.SENT):
            deliveries.update_delivery(
                session, channel=Channel.WHATSAPP, provider_id="SM1", status=status
            )
        message = deliveries.update_delivery(
            session, channel=Channel.WHATSAPP, provider_id="SM1", status=DeliveryStatus.DELIVERED
        )
        assert message is not None and message.status is DeliveryStatus.READ
        assert (
            deliveries.update_delivery(
                session, channel=Channel.WHATSAPP, provider_id="nope", status=DeliveryStatus.READ
            )
            is None
        )
        session.commit()


def test_opt_out_and_back(db: DatabaseEngine) -> None:
    from bot.storage import deliveries

    with new_session(db) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address="5")
        assert deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address="5")
        assert not deliveries.mark_opted_out(session, channel=Channel.TELEGRAM, address="5")
        deliveries.clear_opt_out(session, contact_id=contact.id or 0)
        session.commit()
        session.refresh(contact)
        assert contact.opted_out_at is None


def test_old_message_ids_are_forgotten(db: DatabaseEngine) -> None:
    from datetime import timedelta

    with new_session(db) as session:
        contacts.claim_message(session, channel=Channel.WEB, message_id="old")
        session.commit()
        assert contacts.forget_processed_messages(session, before=utcnow() - timedelta(days=1)) == 0
        assert contacts.forget_processed_messages(session, before=utcnow() + timedelta(days=1)) == 1
        assert contacts.claim_message(session, channel=Channel.WEB, message_id="old")
        session.commit()


def test_the_heads_read_from_the_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    from bot.storage.database import alembic_config, migration_heads

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))

    assert migration_heads() == set(script.get_heads())
    assert len(migration_heads()) == 1
