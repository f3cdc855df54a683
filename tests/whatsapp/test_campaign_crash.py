"""A real `relais campaign send` killed with SIGKILL mid-send, then run again."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.campaigns import service
from bot.campaigns.dispatcher import IN_FLIGHT, INTERRUPTED
from bot.domain import Channel, OutboxStatus, Topic
from bot.storage import contacts
from bot.storage.database import create_db_engine, new_session, upgrade
from bot.storage.models import Contact, OutboxItem
from bot.storage.types import utcnow
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio
from tests.whatsapp.phone import PUBLIC_URL

RECIPIENTS = 400


def test_sigkill_in_the_middle_then_resume(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    fake_twilio.reset()
    fake_twilio.delay = 0.01
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade(url)
    database = create_db_engine(url)
    numbers = [f"+2417710{n:04d}" for n in range(RECIPIENTS)]
    with new_session(database) as session:
        for number in numbers:
            contact = contacts.get_or_create_contact(
                session, channel=Channel.WHATSAPP, address=number
            )
            contact.last_inbound_at = utcnow()  # inside the 24-hour window
            session.add(contact)
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.NEWS)
        session.commit()
    created, size = service.create_campaign(
        database, name="Crash", messages={"fr": "Bonjour"}, tz=ZoneInfo("Africa/Libreville")
    )
    assert size == RECIPIENTS
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": url,
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
        "RELAIS_PUBLIC_URL": PUBLIC_URL,
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "RELAIS_TWILIO_API_URL": fake_twilio.url,
        "RELAIS_TWILIO_CONTENT_API_URL": fake_twilio.url,
        "RELAIS_WHATSAPP_RATE": "100",
        "RELAIS_CAMPAIGN_LEASE_SECONDS": "1",
    }
    command = [sys.executable, "-m", "bot", "campaign", "send", str(created.id)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(fake_twilio.calls) < RECIPIENTS // 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    reached_before = len(fake_twilio.calls)
    assert 0 < reached_before < RECIPIENTS, "the kill must land in the middle of the send"

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr

    received = Counter(call.to.removeprefix("whatsapp:") for call in fake_twilio.calls)
    assert max(received.values()) == 1, "nobody gets the campaign twice"
    with new_session(database) as session:
        rows = session.exec(select(OutboxItem)).all()
    statuses = Counter(row.status for row in rows)
    interrupted = [row for row in rows if row.error == INTERRUPTED]
    assert len(rows) == RECIPIENTS
    assert set(statuses) <= {OutboxStatus.SENT, OutboxStatus.FAILED}
    assert statuses[OutboxStatus.FAILED] == len(interrupted)
    # Only the requests in flight at the kill are left unsure; every other recipient got it.
    by_id = {row.contact_id: row for row in rows}
    with new_session(database) as session:
        address = {c.id: c.address for c in session.exec(select(Contact)).all()}
    unsure = {address[row.contact_id] for row in interrupted}
    sent = {address[c] for c, row in by_id.items() if row.status is OutboxStatus.SENT}
    assert sent <= set(received)
    assert set(numbers) - set(received) <= unsure
    # A row is unsure from its "sending" mark until its result is written: the dispatcher lets
    # at most IN_FLIGHT of them be so at once, whatever the load.
    assert len(unsure) <= IN_FLIGHT, f"{len(unsure)} in flight at the kill"
    print(f"{reached_before} reached before the kill, {len(unsure)} left unsure")
    database.dispose()
