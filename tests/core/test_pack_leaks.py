"""No word of one country reaches a citizen of the other: every reply of a broad set of
dialogues, with each pack and in each language, is searched for the other country's words."""

import re
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.app import build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import OrgType
from tests.transcript import Chat

# Words only Gabon's deployment may say: its directorate, currency, laws, places, numbers.
GABON_WORDS = (
    "DGES", "FCFA", "XAF", "Gabon", "gabonais", "Libreville", "Franceville", "Port-Gentil",
    "Oyem", "Lambaréné", "Mouila", "Tchibanga", "Makokou", "Koulamoutou", "Estuaire",
    "Ogooué", "Ngounié", "Nyanga", "Woleu", "province", "+241", "GA-20", "35/62", "001/2011",
    "APDPVP", "CNPDCP", "OHADA", "gouv.ga", "الغابون", "غابون", "ليبرفيل", "مقاطعة", "المقاطعة",
)  # fmt: skip
# Words only Algeria's deployment may say.
ALGERIA_WORDS = (
    "Algérie", "Algeria", "algérien", "الجزائر", "wilaya", "ولاية", "الولاية", "Alger", "Oran",
    "DZ-20", "+213", "12-06", "18-07", "ANPDP", "anpdp", "APC", "dinar", "دج", "huissier",
    "bailiff", "gov.dz",
)  # fmt: skip
FOREIGN = {"ga": ALGERIA_WORDS, "dz": GABON_WORDS}
LANGUAGE_WORDS = {"fr": "français", "en": "english", "ar": "العربية"}


def _words(country: str) -> re.Pattern[str]:
    words = sorted(FOREIGN[country], key=len, reverse=True)
    # Latin words match whole (not "Oran" in "Orange"); Arabic script as written.
    parts = [
        rf"(?<![\w-]){re.escape(word)}(?![\w])" if word[0].isascii() else re.escape(word)
        for word in words
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


def _menu_walk(chat: Chat) -> list[str]:
    """Greet, open every guide and its parts, the decision helper, FAQ and help."""
    seen = [chat.send("bonjour"), chat.send("menu"), chat.send("aide")]
    for number in range(1, 6):
        chat.send("menu")
        seen.append(chat.send("1"))
        seen.append(chat.send(str(number)))
        for part in ("1", "2", "3"):
            seen.append(chat.send(part))
            seen.append(chat.send("menu"))
            chat.send("1")
            seen.append(chat.send(str(number)))
    seen.append(chat.send("menu"))
    seen.append(chat.send("2"))
    for _ in range(6):
        seen.append(chat.send("oui"))
    seen.append(chat.send("menu"))
    seen.append(chat.send("6"))
    for topic in range(1, 9):
        seen.append(chat.send(str(topic)))
        seen.append(chat.send("menu"))
        seen.append(chat.send("6"))
    return seen


def _questions(chat: Chat) -> list[str]:
    """Free questions: facts, costs, documents, offices, data, events, status, handoff."""
    asked = [
        "combien de fondateurs pour une association ?",
        "combien ça coûte ?",
        "quels documents ?",
        "où déposer le dossier ?",
        "c'est quoi une coopérative ?",
        "asso ou ONG ?",
        "on est 12",
        "qui voit mes données ?",
        "mes données",
        "prochaines formations ?",
        "où en est mon dossier ?",
        "c'est quoi l'économie sociale ?",
        "how do I create an association?",
        "كيف أنشئ جمعية؟",
        "kifach ndir jam3iya",
    ]
    return [chat.send(text) for text in asked]


def _preregistration(chat: Chat, country: str, services: Services) -> list[str]:
    """Pre-register an association to the end, with the pack's own answers."""
    territory = services.pack.territory
    region = territory.regions[0]
    seen = [chat.send("je veux pré-inscrire mon association")]
    seen.append(chat.press(_first_button(chat)))  # consent
    procedure = services.pack.procedures[OrgType.ASSOCIATION]
    if procedure.founders_by_scope:
        seen.append(chat.send("1"))
    for answer in (
        "Les Amis du Quartier",
        "c'est quoi un sigle ?",
        "non",
        "1",
        region.name,
        "pourquoi vous voulez ma ville ?",
        "Centre",
        "40",
        "Awa Diallo",
        "1",
    ):
        seen.append(chat.send(answer))
    phone = "0551234567" if country == "dz" else "077123456"
    for answer in (phone, "non", "modifier"):
        seen.append(chat.send(answer))
    seen.append(chat.send("1"))
    seen.append(chat.send("Les Amis du Quartier"))
    seen.append(chat.send("1"))
    return seen


def _first_button(chat: Chat) -> str:
    return chat.labels()[0]


@pytest.mark.parametrize("country", ["ga", "dz"])
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_no_word_of_the_other_country(
    country: str,
    language: str,
    database: DatabaseEngine,
    services_by_pack: Callable[[str], Services],
) -> None:
    services = services_by_pack(country)
    chat = Chat(Engine(database=database, services=services, router=build_router()))
    chat.send("langue")
    chat.send(LANGUAGE_WORDS[language])
    replies = [*_menu_walk(chat), *_questions(chat), *_preregistration(chat, country, services)]
    replies += [chat.send("supprimer mes données"), chat.send("oui")]
    foreign = _words(country)
    leaks = [(reply, match.group()) for reply in replies for match in foreign.finditer(reply)]
    assert not leaks, "\n\n".join(f"{word!r} in:\n{reply}" for reply, word in leaks[:5])
    # The same search finds the deployment's own words: it would see a leak.
    own = _words("dz" if country == "ga" else "ga")
    assert sum(len(own.findall(reply)) for reply in replies) > 10
    assert sum(len(reply) for reply in replies) > 20_000
