"""A consultation over WhatsApp, against the fake Twilio: the invitation inside and outside
the 24-hour window, then quick replies, list pickers and typed answers."""

from datetime import timedelta

import pytest

from bot.app import Relais
from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import send_consultation
from bot.channels.whatsapp.bulk import WhatsAppCampaigns
from bot.domain import Channel, WhatsAppContentKind
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.types import utcnow
from tests.consultations.helpers import TZ, spec_data, subscribers
from tests.transcript import verify_dialog
from tests.whatsapp.fake_twilio import FakeTwilio
from tests.whatsapp.phone import WhatsAppChat

INSIDE, OUTSIDE = "+24177000001", "+24177000002"
TEMPLATE = "HX0123456789abcdef0123456789abcdef"


@pytest.fixture
def wa_settings(wa_settings: Settings) -> Settings:
    """Buttons and lists on, as in production."""
    return wa_settings.model_copy(update={"whatsapp_interactive": True})


async def invite(relais: Relais) -> None:
    data = spec_data()
    data["templates"] = {"fr": {"content_sid": TEMPLATE, "variables": {"1": "le guichet"}}}
    from bot.services.consultations import create_consultation, parse_spec

    consultation = create_consultation(relais.database, parse_spec(data, TZ))
    subscribers(relais.database, INSIDE, OUTSIDE, channel=Channel.WHATSAPP)
    with new_session(relais.database) as session:
        for address, hours in ((INSIDE, 1), (OUTSIDE, 30)):
            contact = contacts.find_contact(session, channel=Channel.WHATSAPP, address=address)
            assert contact is not None
            contact.last_inbound_at = utcnow() - timedelta(hours=hours)
            session.add(contact)
        session.commit()
    catalogues = relais.engine.services.catalogues
    send_consultation(relais.database, consultation.id or 0, catalogues, TZ)
    sender = WhatsAppCampaigns(relais.settings, relais.database, catalogues)
    loop = CampaignLoop(relais.database, {Channel.WHATSAPP: sender}, TZ, catalogues=catalogues)
    try:
        await loop.run_due()
    finally:
        await sender.aclose()


def test_invited_inside_and_outside_the_window_then_answering(
    whatsapp_chat: WhatsAppChat, twilio: FakeTwilio, relais: Relais
) -> None:
    whatsapp_chat.bridge.run(invite(relais))
    [template] = twilio.sent_to(f"whatsapp:{OUTSIDE}")
    assert template.form["ContentSid"] == TEMPLATE
    [text] = twilio.sent_to(f"whatsapp:{INSIDE}")
    assert "vous consulte" in text.body and "Répondez « consultation »" in text.body

    verify_dialog(
        whatsapp_chat,
        [
            ("consultation", ["Le nouveau guichet unique", "[Commencer]", "[Plus tard]"]),
            ("[Commencer]", ["Question 1/6", "[Par téléphone]"]),
            ("[Par téléphone]", ["Question 2/6", "[La liste des membres]"]),
            ("1, 3", "Question 3/6"),
            ("quatre", "Question 4/6"),
            ("[3]", "Question 5/6"),
            ("skip", "Partie 1/2"),
            ("[Pas de commentaire]", "Partie 2/2"),
            ("Trente jours, c'est trop long.", ["Voici vos réponses", "Par téléphone"]),
            ("[Modifier une réponse]", "[4. Notez l'accueil de 1…]"),
            ("[4. Notez]", "Question 4/6"),
            ("5", ["Voici vos réponses", "Notez l'accueil de 1 à 5. — 5"]),
            ("oui", "Merci ! Vos réponses sont enregistrées."),
        ],
    )
    sids = [call.content_sid for call in twilio.sent_to(f"whatsapp:{INSIDE}") if call.content_sid]
    kinds = {kind for sid in sids for kind in twilio.contents[sid]["types"]}
    # Two or three choices as quick replies, more as a list to pick from.
    assert kinds == {WhatsAppContentKind.QUICK_REPLY.value, WhatsAppContentKind.LIST_PICKER.value}


def test_typed_numbers_and_words_instead_of_taps(
    relais: Relais, twilio: FakeTwilio, whatsapp_chat: WhatsAppChat
) -> None:
    whatsapp_chat.bridge.run(invite(relais))
    verify_dialog(
        whatsapp_chat,
        [
            ("consultation", "[Commencer]"),
            ("1", ["Question 1/6", "[En ligne]"]),
            ("en lign", "Question 2/6"),
            ("stop", "mise de côté"),
        ],
    )
    with new_session(relais.database) as session:
        contact = contacts.find_contact(session, channel=Channel.WHATSAPP, address=INSIDE)
        assert contact is not None and contact.opted_out_at is None
        assert contacts.topics_of(session, contact_id=contact.id or 0)
