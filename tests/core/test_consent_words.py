"""The first message sets the reply's language; the consent is given in the person's words."""

import pytest

from bot.core.engine import Engine
from tests.transcript import Chat


def test_a_first_message_in_english_gets_english(engine: Engine) -> None:
    chat = Chat(engine, sender="first-en")
    assert "Do you agree?" in chat.send("preregister my association")


@pytest.mark.parametrize(
    ("sender", "opening", "consent", "asked"),
    [
        ("c-fr", "je veux pré-inscrire mon association", "j'accepte", "nom de l'organisation"),
        ("c-fr2", "je veux pré-inscrire mon association", "jaccepte", "nom de l'organisation"),
        ("c-en", "I want to preregister my association", "I agree", "name of the organisation"),
        ("c-en2", "I want to preregister my association", "agreed", "name of the organisation"),
        ("c-ar", "أريد التسجيل المسبق لجمعيتي", "أوافق", "اسم"),
    ],
)
def test_the_consent_is_given_in_ones_own_words(
    engine: Engine, sender: str, opening: str, consent: str, asked: str
) -> None:
    chat = Chat(engine, sender=sender)
    chat.send(opening)
    assert asked in chat.send(consent)


def test_the_consent_refused_in_words_stores_nothing(engine: Engine) -> None:
    chat = Chat(engine, sender="c-no")
    chat.send("je veux pré-inscrire mon association")
    answer = chat.send("je refuse")
    assert "nom de l'organisation" not in answer
