"""A place abroad (a country, or one of its cities) is outside the deployment's scope; the
towns and provinces of the pack's own country never are, nor words that only look like a place.
"""

import pytest

from bot.core.scope import countries_named, foreign_city, foreign_country
from tests.transcript import Chat, verify_dialog

HOME = "GA"

ABROAD = [
    ("je suis à Paris", "FR", "Paris"),
    ("jsuis a paris, je peux creer une asso ?", "FR", "Paris"),
    ("can I register from Douala?", "CM", "Douala"),
    ("association à Alger", "DZ", "Alger"),
    ("on veut monter une coop a oran", "DZ", "Oran"),
    ("je vis à Tizi Ouzou", "DZ", "Tizi Ouzou"),
    ("une mutuelle à Yaoundé c'est possible ?", "CM", "Yaoundé"),
    ("je suis à Brazzaville", "CG", "Brazzaville"),
    ("ONG a Pointe-Noire", "CG", "Pointe-Noire"),
    ("i live in London, can I create an NGO", "GB", "London"),
    ("we are in Montreal", "CA", "Montréal"),
    ("coopérative à Dakar", "SN", "Dakar"),
    ("je suis basé à Abidjan", "CI", "Abidjan"),
    ("fondation à Bruxelles", "BE", "Bruxelles"),
    ("association in New York", "US", "New York"),
    ("je suis a malabo", "GQ", "Malabo"),
    ("أنا في باريس", "FR", "باريس"),
    ("أريد تأسيس جمعية في وهران", "DZ", "وهران"),
    ("جمعية بوهران", "DZ", "وهران"),
    ("rani f Alger nheb ndir jam3iya", "DZ", "Alger"),
    # A country, as before: no city to name.
    ("au Cameroun comment on crée une coopérative", "CM", None),
    ("in Senegal, how do I register an NGO?", "SN", None),
    ("je suis à la wilaya de Blida", "DZ", "Blida"),
]

AT_HOME = [
    "je suis à Franceville",
    "ya une antenne a oyem",
    "on est à Port-Gentil, on veut une coop",
    "association à Lambaréné",
    "coopérative de pêcheurs à Mayumba",
    "je vis à Bitam",
    "une mutuelle à Moanda",
    "on est de Lastourville",
    "je suis à Mitzic",
    "ntoum, owendo, akanda",
    "à Gamba il y a un bureau ?",
    "cocobeach",
    "on habite Ndendé",
    "Fougamou, Ndjolé, Booué, Okondja",
    "Mounana, Lébamba, Mimongo, Mékambo",
    "Minvoul, Médouneu, Omboué, Kango",
    "je suis à Mouila",
    "Tchibanga",
    "Makokou, Koulamoutou",
    "province de l'Estuaire",
    "dans le Haut-Ogooué",
    "Woleu-Ntem, Ngounié, Nyanga, Ogooué-Lolo, Ogooué-Ivindo, Ogooué-Maritime",
    "I live in Libreville",
    "أنا في ليبرفيل",
    "comment créer une asso au Gabon",
    # A place abroad with a project at home: the pack's country is named too.
    "je suis à Paris et je veux créer une association au Gabon",
    # Words that only look like places.
    "c'est nice",
    "on fait un tour de table",
    "l'acte uniforme de Lomé c'est quoi",
    "je suis en réunion",
    "هل يوجد دعم مالي",
    "kayen da3m mali",
    "paris sportifs",
    "on veut une aide financière",
]


@pytest.mark.parametrize(("text", "code", "city"), ABROAD)
def test_a_place_abroad_is_recognised(text: str, code: str, city: str | None) -> None:
    assert foreign_country(text, HOME) == code
    assert foreign_city(text, HOME) == city


@pytest.mark.parametrize("text", AT_HOME)
def test_home_towns_provinces_and_look_alikes_are_not_abroad(text: str) -> None:
    assert foreign_country(text, HOME) is None
    assert foreign_city(text, HOME) is None


def test_a_deployment_s_own_cities_are_never_abroad() -> None:
    # Algiers is abroad for Gabon, home for Algeria.
    assert foreign_country("association à Alger", "DZ") is None
    assert foreign_city("association à Alger", "DZ") is None
    assert countries_named("de Douala à Alger") == ["CM", "DZ"]


def test_a_city_abroad_hears_what_the_service_covers_and_who_to_ask(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            (
                "je suis à Paris, comment créer une association ?",
                [
                    "Ce service ne couvre qu'un pays : Gabon",
                    "Paris est dans un autre pays (France)",
                    "même si vous vivez à Paris",
                    "Parler à une personne",
                    "!Créer une association\n",
                ],
            ),
            ("[Démarches : Gabon]", "Quel type d'organisation"),
            ("je suis à Franceville, c'est combien pour une asso ?", ["Association, frais"]),
        ],
    )


def test_a_city_abroad_in_english_and_in_arabic(chat: Chat) -> None:
    verify_dialog(
        chat,
        [
            ("english please", "English"),
            (
                "can I register from Douala?",
                [
                    "covers one country only: Gabon",
                    "Douala is in another country (Cameroon)",
                    "!vous",
                ],
            ),
            ("العربية", "العربية"),
            ("أريد تأسيس جمعية في وهران", ["وهران", "الجزائر", "الغابون", "!Ce service"]),
        ],
    )
