"""Asking how to reach the directorate gets its office, as far as it is known, and a person."""

import pytest

from bot.core.engine import Engine
from tests.transcript import Chat


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("what's the phone number of the DGES", "To reach the DGES"),
        ("c koi les horaires d'ouverture de la dges", "Pour joindre la DGES"),
        ("vous avez un numéro pour les appeler ?", "Pour joindre la DGES"),
        ("ما هو رقم هاتف الإدارة", "للاتصال"),
    ],
)
def test_asking_how_to_reach_the_directorate(engine: Engine, text: str, said: str) -> None:
    chat = Chat(engine, sender=f"reach-{len(text)}")
    answer = chat.send(text)
    assert said in answer
    assert "[À COMPLÉTER" not in answer
    assert any(
        choice.payload.startswith("human") for reply in chat.last for choice in reply.choices
    )


@pytest.mark.parametrize(
    "text", ["pourquoi vous voulez mon numéro", "mon numéro c'est le 077 12 34 56", "menu"]
)
def test_other_mentions_of_a_number_are_not_taken_for_it(engine: Engine, text: str) -> None:
    assert "Pour joindre" not in Chat(engine, sender=f"other-{len(text)}").send(text)
