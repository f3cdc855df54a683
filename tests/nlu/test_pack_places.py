"""Each country's NLU knows its own places only: the place entity comes from its territory."""

from collections.abc import Callable

import pytest

from bot.content import DEFAULT_CONTENT_DIR, load_pack
from bot.core.turn import Services
from nlu import DEFAULT_DATA_DIR
from nlu.normalization import normalize_phrase
from nlu.places import load_country_data, place_examples, rasa_lines
from nlu.snapshot import inputs_key
from nlu.training_data import TrainingData, load_training_data

PACKS = {code: load_pack(DEFAULT_CONTENT_DIR, code) for code in ("ga", "dz")}


def _names(country: str) -> set[str]:
    return {normalize_phrase(name) for name, _ in PACKS[country].territory.places()}


def _country_data(country: str) -> TrainingData:
    pack = PACKS[country]
    return load_country_data(
        DEFAULT_DATA_DIR,
        extra_examples=pack.training_examples(),
        extra_source=pack.facts_source,
        places=pack.territory.places(),
    )


def _words(data: TrainingData) -> set[str]:
    """Return every word and pair of words the data holds: texts, lookups, synonyms."""
    texts = [
        *data.texts,
        *(element for elements in data.lookups.values() for element in elements),
        *data.synonyms,
        *data.synonyms.values(),
    ]
    found: set[str] = set()
    for text in texts:
        words = normalize_phrase(text).split()
        for size in (1, 2, 3, 4):
            found.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return found


def test_the_shared_training_data_names_no_country_s_places() -> None:
    words = _words(load_training_data(DEFAULT_DATA_DIR))
    assert not words & _names("ga")
    assert not words & _names("dz")
    countries = ["Gabon", "الغابون", "gabonaise", "Algérie", "Algeria", "algérien", "wilaya"]
    assert not words & {normalize_phrase(name) for name in countries}


@pytest.mark.parametrize(("country", "other"), [("dz", "ga"), ("ga", "dz")])
def test_a_country_s_training_data_names_its_places_not_the_other_s(
    country: str, other: str
) -> None:
    data = _country_data(country)
    words = _words(data)
    # Names both countries share would be no leak; there are none today.
    leaked = (_names(other) - _names(country)) & words
    assert leaked == set()
    values = {region.name for region in PACKS[country].territory.regions}
    assert set(data.lookups["province"]) == values
    annotated = {
        e.value for example in data.examples for e in example.entities if e.entity == "province"
    }
    assert annotated and annotated <= values


@pytest.mark.parametrize(
    "text", ["je suis à Oran", "ana f wahran", "أنا في وهران", "bureau de la wilaya d'Oran"]
)
def test_a_wilaya_is_the_place_of_an_algerian_message(
    text: str, services_by_pack: Callable[[str], Services]
) -> None:
    assert services_by_pack("dz").nlu.parse(text).entity("province") == "Oran"


def test_each_country_knows_its_own_places_only(
    services_by_pack: Callable[[str], Services],
) -> None:
    algeria, gabon = services_by_pack("dz").nlu, services_by_pack("ga").nlu
    assert algeria.parse("une asso à tizi ouzou").entity("province") == "Tizi Ouzou"
    assert algeria.parse("je suis à Oyem").entity("province") is None
    assert gabon.parse("je suis à Oyem").entity("province") == "Woleu-Ntem"
    assert gabon.parse("une coop à Moanda").entity("province") == "Haut-Ogooué"
    assert gabon.parse("هل يوجد مكتب في ليبرفيل").entity("province") == "Estuaire"
    assert gabon.parse("je suis à Oran").entity("province") is None


def test_the_snapshot_key_follows_the_territory() -> None:
    places = PACKS["dz"].territory.places()
    key = inputs_key(DEFAULT_DATA_DIR, [], "facts", "format", places)
    assert key == inputs_key(DEFAULT_DATA_DIR, [], "facts", "format", list(places))
    assert key != inputs_key(DEFAULT_DATA_DIR, [], "facts", "format", places[:-1])
    assert key != inputs_key(
        DEFAULT_DATA_DIR, [], "facts", "format", PACKS["ga"].territory.places()
    )


def test_arabic_questions_name_places_in_arabic_script() -> None:
    filled = place_examples(PACKS["dz"].territory.places())
    arabic = [line for line, _ in filled if "في [" in line]
    assert arabic and all("[" + line.split("[", 1)[1][0] in line for line in arabic)
    assert all(not line.split("[", 1)[1][0].isascii() for line in arabic)


def test_the_rasa_export_holds_the_country_s_place_vocabulary() -> None:
    lines = rasa_lines(PACKS["dz"].territory.places())
    assert "- lookup: province" in lines and "    - Oran" in lines
    assert '- synonym: "Oran"' in lines and "    - Wahran" in lines
    assert not any("Estuaire" in line or "Libreville" in line for line in lines)
