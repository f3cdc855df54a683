"""Placeholders are found however the editor typed them."""

import pytest

from bot.content import find_placeholders, has_placeholder, replace_placeholders
from bot.content.placeholders import malformed_placeholders


@pytest.mark.parametrize(
    "text",
    [
        "[À COMPLÉTER : adresse]",
        "[A COMPLETER: adresse]",
        "[à compléter :adresse]",
        "[ À  COMPLÉTER\u00a0: adresse ]",
        "[A\u0300 COMPLE\u0301TER : adresse]",
        "Voir ici : [À COMPLÉTER : adresse].",
    ],
)
def test_found_in_any_spelling(text: str) -> None:
    assert find_placeholders(text) == ["adresse"]
    assert has_placeholder(text)
    assert malformed_placeholders(text) == 0


def test_several_in_one_text() -> None:
    text = "Heures : [À COMPLÉTER : heures]\nDélai : [À COMPLÉTER : délai]"
    assert find_placeholders(text) == ["heures", "délai"]


@pytest.mark.parametrize(
    "text", ["[À COMPLÉTER]", "[À COMPLÉTER : ]", "[À COMPLÉTER : adresse", "[A completer adresse]"]
)
def test_malformed(text: str) -> None:
    assert has_placeholder(text)
    assert malformed_placeholders(text) == 1


def test_plain_text_has_none() -> None:
    assert not has_placeholder("Vérifiez auprès de la DGES [article 18].")
    assert find_placeholders("Rien à compléter ici.") == []


def test_replace() -> None:
    text = "Adresse : [À COMPLÉTER : adresse de la DGES]"
    assert replace_placeholders(text, "non connue") == "Adresse : non connue"
    assert replace_placeholders(text, str.upper) == "Adresse : ADRESSE DE LA DGES"


def test_a_placeholder_after_a_label_is_said_once() -> None:
    text = (
        "Heures de réponse : [À COMPLÉTER : jours et heures où les agents répondent]\n"
        "[À COMPLÉTER : étapes à suivre]\n"
        "مدة الرد: [À COMPLÉTER : مدة الرد]"
    )
    said = replace_placeholders(text, lambda what: f"{what} (à confirmer)", after_label="inconnu")
    assert said.splitlines() == [
        "Heures de réponse : inconnu",
        "étapes à suivre (à confirmer)",
        "مدة الرد: inconnu",
    ]
