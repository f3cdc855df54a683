"""The core's transcripts replayed over WhatsApp: signed webhooks in, Twilio REST calls out."""

import inspect
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.core.engine import Engine
from tests.core import (
    test_dialogues,
    test_fact_dialogues,
    test_preregistration,
    test_procedure_facts,
    test_scope_places,
)
from tests.transcript import play, replays, verify_dialog
from tests.whatsapp.phone import WhatsAppChat

# Every transcript of the core that talks through a `chat`, except two that cannot hold on
# WhatsApp: a second STOP gets no second confirmation there (see test_stop_is_confirmed_once),
# and the restart transcript resumes in the terminal channel, as another contact.
NOT_REPLAYED = {
    "test_subscribe_and_stop",
    "test_resume_after_a_detour_and_a_restart",
}
TRANSCRIPTS = [
    function
    for module in (
        test_dialogues,
        test_preregistration,
        test_fact_dialogues,
        test_procedure_facts,
        test_scope_places,
    )
    for name, function in vars(module).items()
    if name.startswith("test_")
    and name not in NOT_REPLAYED
    # Only the transcripts that take nothing but the chat and the database (no parameters).
    and "chat" in inspect.signature(function).parameters
    and set(inspect.signature(function).parameters) <= {"chat", "database", "engine", "country"}
]


@pytest.mark.parametrize(("transcript", "country"), replays(TRANSCRIPTS))
def test_core_transcript_over_whatsapp(
    transcript: Callable[..., None],
    whatsapp_chat: WhatsAppChat,
    database: DatabaseEngine,
    engine: Engine,
    country: str,
) -> None:
    play(transcript, chat=whatsapp_chat, database=database, engine=engine, country=country)


def test_choices_are_numbered_lines_answered_by_number_or_words(
    whatsapp_chat: WhatsAppChat,
) -> None:
    whatsapp_chat.send("menu")
    [body] = whatsapp_chat.bodies
    assert "\n1. Créer une organisation\n" in body
    assert body.endswith("_Répondez par un numéro de 1 à 7_")
    verify_dialog(
        whatsapp_chat,
        [
            ("1", ["[Association]", "[Coopérative]"]),
            (
                "cooperativ",
                ["Créer une coopérative", "*Créer une coopérative (SCOOPS ou COOP-CA)*"],
            ),
            ("les documnts", "Documents à fournir"),
        ],
    )
    consent = whatsapp_chat.send("preinscription")
    assert whatsapp_chat.bodies[-1].endswith("2. Je refuse\n_Répondez 1 ou 2_"), consent


def test_stop_is_confirmed_once_and_start_subscribes_again(whatsapp_chat: WhatsAppChat) -> None:
    verify_dialog(
        whatsapp_chat,
        [
            ("abonnez-moi", ["C'est fait", "STOP"]),
            ("ARRÊT", "vous ne recevrez plus"),
        ],
    )
    assert whatsapp_chat.send("stop") == ""
    assert whatsapp_chat.bodies == []
    verify_dialog(
        whatsapp_chat,
        [
            ("Start", "C'est fait"),
            # Each answer is in the language of the word the person wrote.
            ("إيقاف", "لن تصلك الأخبار"),
            ("REPRENDRE", "C'est fait"),
            ("désabonner", "vous ne recevrez plus"),
            ("subscribe", "Done: you will get news"),
        ],
    )


def test_the_whatsapp_number_and_profile_name_are_offered(whatsapp_chat: WhatsAppChat) -> None:
    verify_dialog(
        whatsapp_chat,
        [
            *test_preregistration.FULL_FORM[:9],
            ("8", ["personne à contacter", "[Utiliser : Marie Obame]"]),
            ("[Utiliser : Marie Obame]", "fonction"),
            ("[Président(e)]", ["téléphone", "[Utiliser : +24177000001]"]),
            ("[Utiliser : +24177000001]", "e-mail"),
            ("[Passer]", ["Voici votre pré-inscription", "Marie Obame", "+24177000001"]),
        ],
    )
