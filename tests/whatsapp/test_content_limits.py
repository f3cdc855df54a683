"""What Twilio's Content API accepts: a template variable on one line (no line break, no tab,
no more than 4 spaces in a row), list items with unique ids of at most 200 characters, titles
of at most 24 and descriptions of at most 72. The fake Twilio refuses the rest as Twilio does.
"""

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.app import Relais
from bot.channels.whatsapp.content import content_definition, fold_variable
from bot.channels.whatsapp.render import (
    MAX_ITEM_ID,
    Interactive,
    interactive_kind,
    render_interactive_turn,
    shorten,
)
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.transport import TwilioTransport
from bot.core import i18n
from bot.core.messages import Choice, Outgoing
from bot.core.turn import Services
from bot.domain import Locale, WhatsAppContentKind
from bot.settings import Settings
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, CONTENT_PATH, FakeTwilio
from tests.whatsapp.test_interactive import await_contact

LIST = WhatsAppContentKind.LIST_PICKER.value


@pytest.fixture
def wa_settings(wa_settings: Settings) -> Settings:
    """The WhatsApp settings with buttons and lists on, as in production."""
    return wa_settings.model_copy(update={"whatsapp_interactive": True})


@pytest.fixture
def french(services: Services) -> Iterator[None]:
    """Render in French, as a reply to a French speaker is rendered."""
    with i18n.using(services.catalogues.translator(Locale.FR)):
        yield


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("Une ligne", "Une ligne"),
        ("Titre\nTexte", "Titre Texte"),
        ("Titre\r\nTexte\n\nFin", "Titre Texte Fin"),
        ("a\tb", "a b"),
        ("a \t \tb", "a b"),
        ("quatre    espaces", "quatre    espaces"),
        ("cinq     espaces", "cinq espaces"),
        ("dix          espaces", "dix espaces"),
        ("insécables\u00a0\u00a0\u00a0\u00a0\u00a0fin", "insécables fin"),
        ("ligne\u2028séparée", "ligne séparée"),
        ("  autour  \n", "autour"),
        ("• un\n  • deux", "• un • deux"),
        ("سطر\nآخر", "سطر آخر"),
    ],
)
def test_a_variable_is_folded_onto_one_line(value: str, folded: str) -> None:
    result = fold_variable(value)
    assert result == folded
    assert "\n" not in result and "\t" not in result and "     " not in result
    assert fold_variable(result) == result


@pytest.mark.usefixtures("french")
def test_list_titles_are_shortened_to_24_with_the_whole_label_described() -> None:
    labels = [
        "Association",
        "Je ne sais pas, aidez-moi à choisir",
        "Pré-inscrire mon organisation",
        "Coopérative (SCOOPS ou COOP-CA)",
        "x" * 100,
    ]
    choices = tuple(Choice(label, f"guide:{n}") for n, label in enumerate(labels))
    [part] = render_interactive_turn([Outgoing("Que voulez-vous faire ?", choices)]) or []
    assert isinstance(part, Interactive) and part.kind is WhatsAppContentKind.LIST_PICKER
    items = content_definition(part, Locale.FR)["types"][LIST]["items"]
    assert [item["id"] for item in items] == [f"guide:{n}" for n in range(5)]
    assert all(len(item["item"]) <= 24 for item in items)
    assert all(item["description"] and len(item["description"]) <= 72 for item in items)
    assert items[0]["item"] == "Association"
    assert items[0]["description"] == "ou répondez 1"  # the number that may be typed instead
    assert items[1]["item"] == "Je ne sais pas…"
    assert items[1]["description"] == "Je ne sais pas, aidez-moi à choisir"
    assert items[4]["description"].endswith("…")


def test_shortening_cuts_on_a_word_when_it_can() -> None:
    assert shorten("Court", 24) == "Court"
    assert shorten("Pré-inscrire mon organisation", 24) == "Pré-inscrire mon…"
    assert shorten("x" * 30, 24) == "x" * 23 + "…"
    assert len(shorten("Les documents à fournir pour une association", 24)) <= 24


def test_ids_must_be_unique_and_short_and_titles_distinct_once_shortened() -> None:
    long_id = "x" * (MAX_ITEM_ID + 1)
    assert interactive_kind([Choice("Oui", long_id), Choice("Non", "no")]) is None
    assert interactive_kind([Choice("Oui", "x" * MAX_ITEM_ID), Choice("Non", "no")]) is not None
    assert interactive_kind([Choice("Oui", "same"), Choice("Non", "same")]) is None
    # Two labels that only differ after 24 characters would look the same: numbered text.
    alike = [Choice("Une très longue étiquette A", "a"), Choice("Une très longue étiquette B", "b")]
    assert interactive_kind(alike) is None


@pytest.mark.usefixtures("french")
def test_a_text_of_several_paragraphs_goes_first_and_the_buttons_carry_its_last() -> None:
    replies = [
        Outgoing(
            "Association, frais :\n10 000 FCFA\n\nSources : Loi n°35/62.\nVérifié le 23 novembre.",
            (Choice("Guide", "guide:association"), Choice("Menu", "menu")),
        )
    ]
    parts = render_interactive_turn(replies)
    assert parts is not None
    text, interactive = parts
    assert text == "*Association, frais :*\n10 000 FCFA"
    assert isinstance(interactive, Interactive)
    assert interactive.body == "Sources : Loi n°35/62.\nVérifié le 23 novembre."
    assert fold_variable(interactive.body) == "Sources : Loi n°35/62. Vérifié le 23 novembre."
    # The fallback is that same last part, numbered: nothing is said twice.
    assert "10 000" not in "".join(interactive.fallback)


async def test_the_sender_sends_one_line_variables_twilio_accepts(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000030")
    reply = Outgoing(
        "Où déposer :\n\tDossier au ministère.\n\nChoisissez     une suite :\nla liste.",
        (Choice("Les documents", "guide:association:documents"), Choice("Menu", "menu")),
    )
    sent = await sender.reply(contact, [reply])
    assert [message.status.value for message in sent] == ["queued", "queued"]
    text, template = twilio.sent_to("whatsapp:+24177000030")
    assert text.body.startswith("*Où déposer :*") and not text.content_sid
    assert template.content_sid.startswith("HX")
    assert template.variables == {"1": "Choisissez une suite : la liste."}


async def test_the_fake_refuses_what_twilio_refuses(
    sender: WhatsAppSender, relais: Relais, twilio: FakeTwilio
) -> None:
    contact = await_contact(relais, "+24177000031")
    await sender.reply(contact, [Outgoing("Oui ?", (Choice("Oui", "yes"), Choice("Non", "no")))])
    [call] = twilio.sent_to("whatsapp:+24177000031")
    # Sent raw, not through the sender's folding, a line break is refused with 21656.
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioTransport(twilio.url, 5, twilio.url))
    for variables in ('{"1": "deux\\nlignes"}', '{"1": "un\\ttab"}', '{"1": "cinq     espaces"}'):
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(
                to="whatsapp:+24177000031",
                from_=call.form["From"],
                content_sid=call.content_sid,
                content_variables=variables,
            )
        assert refused.value.code == 21656
    await client.http_client.aclose()
    assert all(c.answered == 201 for c in twilio.calls if c.path == CONTENT_PATH)
