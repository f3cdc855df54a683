"""Buttons are input like any other: checked against what the current question offers."""

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

# Registers the staff broadcast's "diff" buttons, which the engine must not answer.
import bot.channels.telegram.broadcast  # noqa: F401
from bot.core.engine import Engine
from bot.storage.database import new_session
from bot.storage.models import Registration
from tests.core.test_preregistration import FULL_FORM
from tests.transcript import Chat, verify_dialog

# Up to the question about the town (the form's sixth question), answered by typing.
UP_TO_TOWN = FULL_FORM[:8]


def registrations(database: DatabaseEngine) -> list[Registration]:
    with new_session(database) as session:
        return list(session.exec(select(Registration)).all())


@pytest.mark.parametrize("words", ["annuler", "cancel", "/annuler", "إلغاء"])
@pytest.mark.parametrize(
    "before", [[], ["comment créer une association"], ["parler à une personne"]]
)
def test_cancel_with_nothing_open_is_answered(
    engine: Engine, words: str, before: list[str]
) -> None:
    chat = Chat(engine)
    for text in before:
        chat.send(text)
    answer = chat.send(words)
    # The menu comes back in the language the word is written in.
    assert ("ماذا تريد أن تفعل" if words == "إلغاء" else "Que voulez-vous faire") in answer


@pytest.mark.parametrize(
    "forged", ["skip:town", "skip:contact_name", "skip:contact_role", "skip:phone", "skip:name"]
)
def test_a_skip_the_question_does_not_offer_is_refused(
    engine: Engine, database: DatabaseEngine, forged: str
) -> None:
    chat = Chat(engine)
    verify_dialog(chat, UP_TO_TOWN)
    answer = chat.send(payload=forged)
    assert "Ce bouton n'est plus valable" in answer
    assert "ville" in answer  # the town question, asked again
    verify_dialog(chat, FULL_FORM[8:])
    chat.press("Confirmer")
    [registration] = registrations(database)
    assert registration.town == "Bitam"
    assert registration.contact_name == "Marie Obame"
    assert registration.phone == "+24177123456"


@pytest.mark.parametrize(
    "forged", ["edit:zzz", "review:ok", "consent:y", "fv:sector:zzz", "dec:x:y"]
)
def test_form_buttons_out_of_place_are_refused(engine: Engine, forged: str) -> None:
    chat = Chat(engine)
    verify_dialog(chat, UP_TO_TOWN)
    answer = chat.send(payload=forged)
    assert "Ce bouton n'est plus valable" in answer and "ville" in answer


@pytest.mark.parametrize(
    "forged",
    [
        "leave:99999999999999999999",
        "join:99999999999999999999",
        "join:-99999999999",
        "guide:spaceship:o",
        "menu:extra:fields",
        "",
        ":",
        "x" * 200,
        "delok:y",
        "diff:1:send",
    ],
)
def test_nonsense_buttons_with_nothing_open_show_the_menu(
    engine: Engine, database: DatabaseEngine, forged: str
) -> None:
    chat = Chat(engine)
    chat.send("bonjour")
    answer = chat.send(payload=forged) if forged else chat.send("")
    assert "Que voulez-vous faire" in answer or "Je ne lis que" in answer
    # Nothing was deleted by a forged confirmation.
    assert "Bienvenue" not in answer


def test_a_replayed_deletion_confirmation_deletes_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    chat.send("abonnez-moi")
    chat.send(payload="delok:y")
    assert "abonné" in chat.send("mes abonnements").casefold()
