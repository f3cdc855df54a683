"""The form keeps the answer, not the words before it, in every language."""

import pytest

from bot.core.engine import Engine
from bot.core.flows.lead_ins import Answering, says_there_is_none, without_lead_in
from tests.transcript import Chat


@pytest.mark.parametrize(
    ("text", "answering", "kept"),
    [
        ("my name is John Obame", Answering.PERSON, "John Obame"),
        ("je m'appelle Awa Ndong", Answering.PERSON, "Awa Ndong"),
        ("Je m’appelle Marie-Claire Mba", Answering.PERSON, "Marie-Claire Mba"),
        ("moi c'est Paul", Answering.PERSON, "Paul"),
        ("اسمي فاطمة نزي", Answering.PERSON, "فاطمة نزي"),
        ("smiti Karim Benali", Answering.PERSON, "Karim Benali"),
        ("Ana Ndong", Answering.PERSON, "Ana Ndong"),
        ("Imane Kadi", Answering.PERSON, "Imane Kadi"),
        ("c'est", Answering.PERSON, "c'est"),
        ("I'm the chairman", Answering.ROLE, "chairman"),
        ("je suis la présidente", Answering.ROLE, "présidente"),
        ("c est le trésorier", Answering.ROLE, "trésorier"),
        ("she is the secretary", Answering.ROLE, "secretary"),
        ("أنا الرئيس", Answering.ROLE, "الرئيس"),
        ("président", Answering.ROLE, "président"),
        ("elle s'appelle Jeunesse Active", Answering.ORGANISATION, "Jeunesse Active"),
        ("it's called Green Hands", Answering.ORGANISATION, "Green Hands"),
        (
            "Association des Jeunes de Bitam",
            Answering.ORGANISATION,
            "Association des Jeunes de Bitam",
        ),
    ],
)
def test_the_answer_is_kept_without_its_lead_in(text: str, answering: Answering, kept: str) -> None:
    assert without_lead_in(text, answering) == kept


@pytest.mark.parametrize(
    "text",
    [
        "j'en ai pas",
        "je n'en ai pas",
        "ليس لدي",
        "ما عنديش",
        "nope",
        "pas de sigle",
        "I don't have one",
    ],
)
def test_saying_there_is_none(text: str) -> None:
    assert says_there_is_none(text)


@pytest.mark.parametrize("text", ["Nopeau", "AJF", "pas mal", "ana@example.org"])
def test_an_answer_is_not_read_as_none(text: str) -> None:
    assert not says_there_is_none(text)


def test_the_form_saves_the_answers_without_their_lead_ins(engine: Engine) -> None:
    chat = Chat(engine, sender="lead-ins")
    for text in ["je veux pré-inscrire mon organisation", "oui", "cooperativ", "scoops"]:
        chat.send(text)
    chat.send("elle s'appelle Les Semeurs de Bitam")
    chat.send("pas de sigle")
    for text in ["1", "woleu ntem", "Bitam", "8"]:
        chat.send(text)
    chat.send("je m'appelle Marie Obame")
    chat.send("je suis la trésorière")
    chat.send("077 12 34 56")
    summary = chat.send("j'en ai pas")
    assert "Voici votre pré-inscription" in summary
    assert "Les Semeurs de Bitam" in summary and "elle s'appelle" not in summary
    assert "Marie Obame" in summary and "je m'appelle" not in summary
    assert "trésorière" in summary and "je suis" not in summary
