"""Choices people tap on WhatsApp: quick replies and list pickers made through the Content API."""

import socket
import threading
from collections.abc import Iterator

import pytest
from sqlmodel import select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.app import Relais
from bot.channels.whatsapp.inbound import parse_inbound
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.transport import TwilioTransport
from bot.core.messages import Choice, Outgoing
from bot.domain import Channel, Locale, WhatsAppContentKind
from bot.settings import Settings
from bot.storage.database import new_session
from bot.storage.models import Contact, Registration, WhatsAppContent
from bot.storage.types import utcnow
from tests.whatsapp.conftest import FAST_RETRIES
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, CONTENT_PATH, Call, FakeTwilio
from tests.whatsapp.phone import INBOUND_URL, WhatsAppChat, inbound_form, post_signed

QUICK = WhatsAppContentKind.QUICK_REPLY.value
LIST = WhatsAppContentKind.LIST_PICKER.value


@pytest.fixture
def wa_settings(wa_settings: Settings) -> Settings:
    """The WhatsApp settings with buttons and lists on, as in production."""
    return wa_settings.model_copy(update={"whatsapp_interactive": True})


def to(chat: WhatsAppChat) -> str:
    return f"whatsapp:{chat.sender}"


def creations(twilio: FakeTwilio) -> list[Call]:
    return [call for call in twilio.calls if call.path == CONTENT_PATH]


def contents(relais: Relais) -> list[WhatsAppContent]:
    with new_session(relais.database) as session:
        return list(session.exec(select(WhatsAppContent)).all())


def choices(count: int, width: int = 10) -> tuple[Choice, ...]:
    return tuple(Choice(f"Choix {n}".ljust(width, "x"), f"menu:{n}") for n in range(count))


def test_two_choices_go_as_buttons_created_once_and_reused(
    whatsapp_chat: WhatsAppChat, twilio: FakeTwilio, relais: Relais
) -> None:
    consent = whatsapp_chat.send("preinscription")
    assert "[J'accepte]" in consent and "[Je refuse]" in consent
    [call] = twilio.sent_to(to(whatsapp_chat))
    # Sent by its SID with the text as its variable: no Body, no numbers to type.
    assert call.body == "" and call.content_sid.startswith("HX")
    assert call.variables["1"].startswith("Avant de commencer")
    assert "Répondez" not in call.variables["1"]
    [created] = creations(twilio)
    assert created.answered == 201 and created.json is not None
    assert created.json["language"] == "fr"
    quick = created.json["types"][QUICK]
    assert quick["body"] == "{{1}}"
    assert [action["title"] for action in quick["actions"]] == ["J'accepte", "Je refuse"]
    assert all(action["id"] for action in quick["actions"])
    # The same buttons for someone else, later: the same SID, nothing created again.
    other = WhatsAppChat(
        engine=whatsapp_chat.engine,
        bridge=whatsapp_chat.bridge,
        client=whatsapp_chat.client,
        whatsapp=whatsapp_chat.whatsapp,
        twilio=twilio,
        sender="+24177000002",
    )
    other.send("je veux pré-inscrire mon asso")
    [again] = twilio.sent_to(to(other))
    assert again.content_sid == call.content_sid
    assert len(creations(twilio)) == 1
    [row] = contents(relais)
    assert row.content_sid == call.content_sid and row.kind is WhatsAppContentKind.QUICK_REPLY


def test_the_buttons_survive_a_restart(
    whatsapp_chat: WhatsAppChat, twilio: FakeTwilio, relais: Relais
) -> None:
    whatsapp_chat.send("preinscription")
    [first] = twilio.sent_to(to(whatsapp_chat))
    restarted = WhatsAppSender.from_settings(
        relais.settings, relais.database, relais.engine.services.catalogues
    )
    with new_session(relais.database) as session:
        contact = session.exec(select(Contact).where(Contact.address == whatsapp_chat.sender)).one()
    reply = whatsapp_chat.last[0]
    replies = [Outgoing("Un autre texte, mêmes boutons", reply.choices)]
    whatsapp_chat.bridge.run(restarted.reply(contact, replies))
    whatsapp_chat.bridge.run(restarted.aclose())
    second = twilio.sent_to(to(whatsapp_chat))[-1]
    assert second.content_sid == first.content_sid
    assert second.variables == {"1": "Un autre texte, mêmes boutons"}
    assert len(creations(twilio)) == 1


def test_tapping_a_button_drives_the_conversation(
    whatsapp_chat: WhatsAppChat, twilio: FakeTwilio, relais: Relais
) -> None:
    whatsapp_chat.send("preinscription")
    answer = whatsapp_chat.press("J'accepte")
    # The tap reached the webhook as Twilio sends it (the id in ButtonPayload, the title in
    # Body) and moved the form on.
    assert "Quel type d'organisation" in answer
    [types] = twilio.sent_to(to(whatsapp_chat))[-1:]
    picker = twilio.contents[types.content_sid]["types"]
    # More than three types: a list to pick from, each item read back the same way.
    assert list(picker) == [LIST]
    assert "Quel est le nom" in whatsapp_chat.press("Association")
    with new_session(relais.database) as session:
        contact = session.exec(select(Contact).where(Contact.address == whatsapp_chat.sender)).one()
    assert contact.channel is Channel.WHATSAPP


async def test_a_list_picker_is_made_and_sent(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000010")
    sent = await sender.reply(contact, [Outgoing("Quelle province ?", choices(9, width=22))])
    assert [message.status.value for message in sent] == ["queued"]
    [call] = twilio.sent_to("whatsapp:+24177000010")
    content = twilio.contents[call.content_sid]
    items = content["types"][LIST]["items"]
    assert [item["id"] for item in items] == [f"menu:{n}" for n in range(9)]
    assert content["types"][LIST]["button"] == "Voir les choix"
    assert call.variables == {"1": "Quelle province ?"}
    # Fetched back through the SDK, the way Twilio's API returns it.
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioTransport(twilio.url, 5, twilio.url))
    fetched = await client.content.v1.contents(call.content_sid).fetch_async()
    assert fetched.sid == call.content_sid and fetched.language == "fr"
    assert fetched.types == content["types"] and fetched.account_sid == ACCOUNT_SID
    with pytest.raises(TwilioRestException) as missing:
        await client.content.v1.contents("HX" + "0" * 32).fetch_async()
    assert missing.value.status == 404 and missing.value.code == 20404
    await client.http_client.aclose()


def await_contact(relais: Relais, number: str, locale: str | None = None) -> Contact:
    with new_session(relais.database) as session:
        contact = Contact(
            channel=Channel.WHATSAPP, address=number, last_inbound_at=utcnow(), locale=locale
        )
        session.add(contact)
        session.commit()
        session.refresh(contact)
        return contact


async def test_a_refused_content_falls_back_to_numbered_text_and_is_not_asked_again(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000011")
    twilio.fail_content(70002)
    replies = [Outgoing("Voulez-vous continuer ?", (Choice("Oui", "a:1"), Choice("Non", "a:2")))]
    await sender.reply(contact, replies)
    await sender.reply(contact, replies)
    bodies = [call.body for call in twilio.sent_to("whatsapp:+24177000011")]
    assert bodies == ["Voulez-vous continuer ?\n\n1. Oui\n2. Non\n_Répondez 1 ou 2_"] * 2
    assert len(creations(twilio)) == 1  # the refusal is remembered
    [row] = contents(relais)
    assert row.content_sid is None and row.refused and row.refused.startswith("70002")


async def test_a_failing_content_api_is_asked_again_next_time(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000012")
    twilio.fail_content(20500)
    replies = [Outgoing("On continue ?", (Choice("Oui", "b:1"), Choice("Non", "b:2")))]
    await sender.reply(contact, replies)
    await sender.reply(contact, replies)
    first, second = twilio.sent_to("whatsapp:+24177000012")
    assert first.body.startswith("On continue ?\n\n1. Oui") and not first.content_sid
    assert second.content_sid and second.variables == {"1": "On continue ?"}
    assert [call.answered for call in creations(twilio)] == [500, 201]


@pytest.fixture
def hanging_up() -> Iterator[tuple[str, list[int]]]:
    """A server that hangs up on every connection: Twilio unreachable. Counts the attempts."""
    listener = socket.create_server(("127.0.0.1", 0))
    attempts: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            attempts.append(1)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", attempts
    listener.close()
    thread.join(5)


async def test_an_unreachable_content_api_leaves_numbered_text_for_a_while(
    relais: Relais, twilio: FakeTwilio, hanging_up: tuple[str, list[int]]
) -> None:
    url, attempts = hanging_up
    unreachable = WhatsAppSender.from_settings(
        relais.settings.model_copy(update={"twilio_content_api_url": url}),
        relais.database,
        relais.engine.services.catalogues,
        retry_delays=FAST_RETRIES,
    )
    contact = await_contact(relais, "+24177000013")
    await unreachable.reply(contact, [Outgoing("Prêt ?", (Choice("Oui", "c:1"),))])
    # Other choices right after: not tried again for a while, numbered text at once.
    await unreachable.reply(contact, [Outgoing("Sûr ?", (Choice("Oui", "c:2"),))])
    await unreachable.aclose()
    first, second = twilio.sent_to("whatsapp:+24177000013")
    assert first.body == "Prêt ?\n\n1. Oui\n_Répondez 1_"
    assert second.body == "Sûr ?\n\n1. Oui\n_Répondez 1_"
    assert len(attempts) == 1
    assert contents(relais) == []


async def test_a_content_deleted_on_twilio_is_sent_as_text_then_made_again(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000014")
    replies = [Outgoing("Et maintenant ?", (Choice("Suite", "d:1"), Choice("Menu", "d:2")))]
    await sender.reply(contact, replies)
    [first] = twilio.sent_to("whatsapp:+24177000014")
    twilio.forget_content(first.content_sid)
    sent = await sender.reply(contact, replies)
    assert [message.status.value for message in sent] == ["queued"]
    fallback = twilio.sent_to("whatsapp:+24177000014")[-1]
    assert fallback.body == "Et maintenant ?\n\n1. Suite\n2. Menu\n_Répondez 1 ou 2_"
    await sender.reply(contact, replies)
    remade = twilio.sent_to("whatsapp:+24177000014")[-1]
    assert remade.content_sid and remade.content_sid != first.content_sid
    assert len(creations(twilio)) == 2


async def test_each_language_gets_its_own_content(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    french = await_contact(relais, "+24177000015", Locale.FR.value)
    arabic = await_contact(relais, "+24177000016", Locale.AR.value)
    offered = (Choice("Oui", "e:1"), Choice("Non", "e:2"))
    await sender.reply(french, [Outgoing("Continuer ?", offered)])
    await sender.reply(arabic, [Outgoing("متابعة؟", offered)])
    assert [call.json["language"] for call in creations(twilio) if call.json] == ["fr", "ar"]


async def test_with_the_switch_off_nothing_is_created(relais: Relais, twilio: FakeTwilio) -> None:
    plain = WhatsAppSender.from_settings(
        relais.settings.model_copy(update={"whatsapp_interactive": False}),
        relais.database,
        relais.engine.services.catalogues,
    )
    contact = await_contact(relais, "+24177000017")
    await plain.reply(contact, [Outgoing("Prêt ?", (Choice("Oui", "f:1"), Choice("Non", "f:2")))])
    await plain.aclose()
    assert creations(twilio) == []
    [call] = twilio.sent_to("whatsapp:+24177000017")
    assert call.body.endswith("_Répondez 1 ou 2_")


def test_a_forged_button_payload_is_refused_cleanly(
    whatsapp_chat: WhatsAppChat, twilio: FakeTwilio, relais: Relais
) -> None:
    whatsapp_chat.send("preinscription")
    accept = next(c.payload for c in whatsapp_chat.last[-1].choices if c.label == "J'accepte")
    # Someone who was never asked sends the "I accept" button's id, then junk ids.
    stranger = "+24177000099"
    for payload, words in ((accept, "J'accepte"), ("../../admin", "salut"), ("x" * 5000, "")):
        form = inbound_form(stranger, words, ButtonPayload=payload, ButtonText=words)
        response = whatsapp_chat.bridge.run(post_signed(whatsapp_chat.client, INBOUND_URL, form))
        assert response.status_code == 200
        whatsapp_chat.bridge.run(whatsapp_chat.whatsapp.drain())
    answers = twilio.sent_to(f"whatsapp:{stranger}")
    # Three answers (one with buttons sends its earlier paragraphs first, as text).
    assert 3 <= len(answers) <= 6
    texts = [call.body or call.variables.get("1", "") for call in answers]
    assert not any("Quel type d'organisation" in text for text in texts)
    with new_session(relais.database) as session:
        assert session.exec(select(Registration)).all() == []
    assert all(text.strip() for text in texts)  # every answer says something


def test_a_list_item_or_a_button_tapped_is_read_as_its_payload() -> None:
    button = parse_inbound(inbound_form("+24177000020", "Menu", ButtonPayload="menu"))
    item = parse_inbound(inbound_form("+24177000020", "Menu", ListId="menu", ListTitle="Menu"))
    junk = parse_inbound(inbound_form("+24177000020", "Menu", ListId="pas un bouton"))
    assert button is not None and button.incoming.payload == "menu"
    assert item is not None and item.incoming.payload == "menu"
    assert junk is not None and junk.incoming.payload is None and junk.incoming.text == "Menu"
