"""WhatsApp rendering: numbered choices, a bold title, bodies of at most 1600 characters."""

from collections.abc import Iterator

import pytest

from bot.channels.whatsapp.render import (
    MAX_BODY,
    MAX_CONTENT_BODY,
    Interactive,
    answer_hint,
    body_length,
    embolden_title,
    render_interactive_turn,
    render_turn,
    split_body,
)
from bot.core import i18n
from bot.core.messages import Choice, Outgoing
from bot.core.turn import Services
from bot.domain import Locale, WhatsAppContentKind


@pytest.fixture(autouse=True)
def french(services: Services) -> Iterator[None]:
    with i18n.using(services.catalogues.translator(Locale.FR)):
        yield


def choices(*labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(label, f"p{number}") for number, label in enumerate(labels))


def test_choices_become_numbered_lines_with_how_to_answer() -> None:
    [body] = render_turn([Outgoing("Acceptez-vous ?", choices("J'accepte", "Je refuse"))])
    assert body == "Acceptez-vous ?\n\n1. J'accepte\n2. Je refuse\n_Répondez 1 ou 2_"


def test_the_hint_names_the_numbers() -> None:
    assert answer_hint(1) == "Répondez 1"
    assert answer_hint(3) == "Répondez 1, 2 ou 3"
    assert answer_hint(7) == "Répondez par un numéro de 1 à 7"


def test_only_the_last_choices_are_numbered() -> None:
    [body] = render_turn(
        [
            Outgoing("Je n'ai pas compris.", choices("Créer", "Menu")),
            Outgoing("Voulez-vous parler à une personne ?", choices("Oui", "Non", "Menu")),
        ]
    )
    assert "Créer" not in body
    assert body.endswith("1. Oui\n2. Non\n3. Menu\n_Répondez 1, 2 ou 3_")


def test_titles_are_bold_sentences_are_not() -> None:
    assert embolden_title("Créer une association\nUne association...") == (
        "*Créer une association*\nUne association..."
    )
    assert embolden_title("Bonjour ! Je suis Relais.\nSuite") == "Bonjour ! Je suis Relais.\nSuite"
    assert embolden_title("Une seule ligne") == "Une seule ligne"
    assert embolden_title("Nom *déjà* gras\nSuite") == "Nom *déjà* gras\nSuite"


def test_short_text_is_one_body() -> None:
    assert split_body("  Bonjour  ") == ["Bonjour"]
    assert split_body("   ") == []


def test_long_text_is_cut_between_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 1000, "b" * 1000, "c" * 500]
    assert split_body("\n\n".join(paragraphs)) == ["a" * 1000, "b" * 1000 + "\n\n" + "c" * 500]
    lines = "\n".join(["ligne " + "x" * 90] * 40)
    parts = split_body(lines)
    assert all(body_length(part) <= MAX_BODY for part in parts)
    assert all(part.startswith("ligne") for part in parts)
    words = " ".join(["mot"] * 1000)
    assert all(part.startswith("mot") and part.endswith("mot") for part in split_body(words))
    assert split_body("z" * 3300) == ["z" * 1600, "z" * 1600, "z" * 100]


def test_emoji_count_twice_as_twilio_counts_them() -> None:
    assert body_length("😀") == 2
    parts = split_body("😀" * 1000)
    assert [body_length(part) for part in parts] == [1600, 400]


def many_choices(count: int, width: int = 10) -> tuple[Choice, ...]:
    return tuple(Choice(f"Choix {n}".ljust(width, "x"), f"menu:{n}") for n in range(count))


def test_four_to_ten_choices_go_as_a_list_and_more_as_numbered_text() -> None:
    for count in (4, 7, 10):
        [part] = render_interactive_turn([Outgoing("Choisissez", many_choices(count))]) or []
        assert isinstance(part, Interactive) and part.kind is WhatsAppContentKind.LIST_PICKER
        assert part.button and len(part.button) <= 20
    assert render_interactive_turn([Outgoing("Choisissez", many_choices(11))]) is None
    # Titles: 20 characters for a button, 24 for a list item; longer ones stay numbered.
    [short] = render_interactive_turn([Outgoing("Oui ?", many_choices(2, width=20))]) or []
    assert isinstance(short, Interactive) and short.kind is WhatsAppContentKind.QUICK_REPLY
    [longer] = render_interactive_turn([Outgoing("Oui ?", many_choices(2, width=21))]) or []
    assert isinstance(longer, Interactive) and longer.kind is WhatsAppContentKind.LIST_PICKER
    # Longer list titles are shortened to 24, the whole label in the item's description (72).
    [cut] = render_interactive_turn([Outgoing("Oui ?", many_choices(2, width=25))]) or []
    assert isinstance(cut, Interactive) and cut.kind is WhatsAppContentKind.LIST_PICKER
    assert all(len(title) <= 24 and title.endswith("…") for title in cut.titles())
    assert cut.descriptions == tuple(choice.label for choice in cut.choices)
    assert render_interactive_turn([Outgoing("Rien à choisir")]) is None
    twice = (Choice("Oui", "yes"), Choice("Bien sûr", "yes"))
    assert render_interactive_turn([Outgoing("Oui ?", twice)]) is None


def test_a_long_text_goes_first_and_the_buttons_carry_its_end() -> None:
    long_text = "\n\n".join(f"Étape {n} : " + "détail " * 40 for n in range(12))
    parts = render_interactive_turn(
        [Outgoing("Titre\nIntro"), Outgoing(long_text, many_choices(3))]
    )
    assert parts is not None
    *texts, last = parts
    assert texts and all(isinstance(text, str) and len(text) <= 1600 for text in texts)
    assert isinstance(last, Interactive) and len(last.body) <= MAX_CONTENT_BODY
    assert texts[0].startswith("*Titre*")
    assert long_text.rstrip().endswith(last.body.strip()[-200:])
    assert last.fallback[-1].endswith("_Répondez 1, 2 ou 3_")
