"""Staff notices on WhatsApp: free text inside the 24-hour window, the approved template after."""

from datetime import timedelta

from argon2 import PasswordHasher

from bot.app import Relais
from bot.domain import Channel, Locale, StaffRole
from bot.services import conversations
from bot.services.review import NoticeSettings
from bot.services.staff import StaffService
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.types import utcnow
from tests.whatsapp.fake_twilio import FakeTwilio
from tests.whatsapp.test_outbox import rows, serving, until

NOTICE = NoticeSettings(
    default_locale=Locale.FR,
    directorate="DGES",
    templates={"fr": "HXnotice0fr", "en": "HXnotice0en"},
)


def person(relais: Relais, number: str, *, wrote_hours_ago: float, locale: str) -> int:
    """Create a WhatsApp contact who asked for a person; return the request id."""
    with new_session(relais.database) as session:
        contact = contacts.get_or_create_contact(session, channel=Channel.WHATSAPP, address=number)
        contact.last_inbound_at = utcnow() - timedelta(hours=wrote_hours_ago)
        contact.locale = locale
        session.add(contact)
        session.flush()
        request = contacts.record_handoff(
            session, contact_id=contact.id or 0, reason="asked", last_message="allô"
        )
        session.commit()
        return request.id or 0


async def test_inside_the_window_text_outside_it_the_template(
    relais: Relais, twilio: FakeTwilio
) -> None:
    staff = StaffService(relais.database, hasher=PasswordHasher(time_cost=1, memory_cost=8192))
    staff.add_account("agent@dges.example", StaffRole.AGENT, "a long password")
    agent = staff.login("agent@dges.example", "a long password").identity
    assert agent is not None
    recent = person(relais, "+24166000001", wrote_hours_ago=2, locale="fr")
    old = person(relais, "+24166000002", wrote_hours_ago=30, locale="en")
    untemplated = person(relais, "+24166000003", wrote_hours_ago=30, locale="ar")
    for request_id in (recent, old, untemplated):
        conversations.take(
            relais.database,
            relais.catalogues,
            request_id=request_id,
            actor=agent,
            notice=NOTICE,
        )
        conversations.reply(
            relais.database,
            request_id=request_id,
            actor=agent,
            text="Votre dossier est prêt.",
            notice=NOTICE,
        )
    async with serving(relais):
        await until(lambda: all(row.status.value != "pending" for row in rows(relais)))
    inside = twilio.sent_to("whatsapp:+24166000001")
    assert [message.body for message in inside][-1] == "Votre dossier est prêt."
    assert all("ContentSid" not in message.form for message in inside)
    outside = twilio.sent_to("whatsapp:+24166000002")
    assert [message.form["ContentSid"] for message in outside] == ["HXnotice0en"] * 2
    assert "Votre dossier est prêt." in outside[-1].form["ContentVariables"]
    assert "agent from the DGES" in outside[0].form["ContentVariables"]
    # No template for Arabic: nothing is sent, and the reply says why.
    assert twilio.sent_to("whatsapp:+24166000003") == []
    refused = [row for row in rows(relais) if row.address == "+24166000003"]
    assert {row.status.value for row in refused} == {"failed"}
    assert all("24-hour window" in (row.error or "") for row in refused)
