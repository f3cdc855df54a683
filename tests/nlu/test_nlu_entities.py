"""Entity extraction: synonyms, capitals, typos, multi-word forms and no false positives."""

from pathlib import Path

import pytest

from nlu.entities import EXACT_EXTRACTOR, FUZZY_EXTRACTOR, EntityExtractor
from nlu.training_data import TrainingData, load_training_data


@pytest.fixture(scope="module")
def extractor(training_data: TrainingData) -> EntityExtractor:
    """Build the extractor from the shipped data."""
    return EntityExtractor.from_training_data(training_data)


def found(extractor: EntityExtractor, text: str) -> set[tuple[str, str, str]]:
    """Return (entity, value, matched text) for every entity of text."""
    return {(e.entity, e.value, text[e.start : e.end]) for e in extractor.extract(text)}


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("je veux une asso", "association", "asso"),
        ("créer une assocation", "association", "assocation"),
        ("créer une assosiation", "association", "assosiation"),
        ("une cooperativ de pêcheurs", "cooperative", "cooperativ"),
        ("une cooperatve", "cooperative", "cooperatve"),
        ("ma fondaton", "foundation", "fondaton"),
        ("ma fondasion", "foundation", "fondasion"),
        ("une O.N.G", "ngo", "O.N.G"),
        ("an NGO", "ngo", "NGO"),
        ("une mutuele", "mutual", "mutuele"),
        ("une mutuelle de santé", "mutual", "mutuelle de santé"),
        ("une mutuelle de sante", "mutual", "mutuelle de sante"),
        ("les COOPÉRATIVES", "cooperative", "COOPÉRATIVES"),
        ("إنشاء جمعية", "association", "جمعية"),
        ("تعاونية فلاحية", "cooperative", "تعاونية"),
    ],
)
def test_org_types(extractor: EntityExtractor, text: str, value: str, surface: str) -> None:
    assert ("org_type", value, surface) in found(extractor, text)


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("je suis à Libreville", "Estuaire", "Libreville"),
        ("à LBV", "Estuaire", "LBV"),
        ("à franceviile", "Haut-Ogooué", "franceviile"),
        ("a Franceville", "Haut-Ogooué", "Franceville"),
        ("a lambarene", "Moyen-Ogooué", "lambarene"),
        ("à Mouila", "Ngounié", "Mouila"),
        ("à Tchibanga", "Nyanga", "Tchibanga"),
        ("à Makokou", "Ogooué-Ivindo", "Makokou"),
        ("à Koulamoutou", "Ogooué-Lolo", "Koulamoutou"),
        ("à Port-Gentil", "Ogooué-Maritime", "Port-Gentil"),
        ("a port gentil", "Ogooué-Maritime", "port gentil"),
        ("a portgentil", "Ogooué-Maritime", "portgentil"),
        ("a port gentill", "Ogooué-Maritime", "port gentill"),
        ("à oyemm", "Woleu-Ntem", "oyemm"),
        ("dans le haut ogooue", "Haut-Ogooué", "haut ogooue"),
        ("dans le Haut-Ogooué", "Haut-Ogooué", "Haut-Ogooué"),
        ("province du woleu ntem", "Woleu-Ntem", "woleu ntem"),
        ("ogooue maritime", "Ogooué-Maritime", "ogooue maritime"),
        ("la Ngounie", "Ngounié", "Ngounie"),
        ("Estuaire", "Estuaire", "Estuaire"),
    ],
)
def test_provinces(extractor: EntityExtractor, text: str, value: str, surface: str) -> None:
    assert found(extractor, text) == {("province", value, surface)}


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("english please", "en", "english"),
        ("en anglais", "en", "anglais"),
        ("en anglai", "en", "anglai"),
        ("en francais", "fr", "francais"),
        ("en Français", "fr", "Français"),
        ("french", "fr", "french"),
        ("parle arabe", "ar", "arabe"),
        ("arabic please", "ar", "arabic"),
        ("العربية", "ar", "العربية"),
        ("تكلم عربي", "ar", "عربي"),
        ("بالعربية", "ar", "بالعربية"),
    ],
)
def test_languages(extractor: EntityExtractor, text: str, value: str, surface: str) -> None:
    assert found(extractor, text) == {("language", value, surface)}


def test_cooperative_forms_imply_a_cooperative(extractor: EntityExtractor) -> None:
    assert found(extractor, "créer une SCOOPS") == {
        ("coop_form", "scoops", "SCOOPS"),
        ("org_type", "cooperative", "SCOOPS"),
    }
    assert found(extractor, "ou une coopérative avec conseil d'administration") == {
        ("coop_form", "coop_ca", "coopérative avec conseil d'administration"),
        ("org_type", "cooperative", "coopérative avec conseil d'administration"),
    }
    assert ("coop_form", "coop_ca", "COOP-CA") in found(extractor, "une COOP-CA")


def test_fuzzy_matches_carry_a_confidence(extractor: EntityExtractor) -> None:
    exact, fuzzy = extractor.extract("asso à franceviile")

    assert exact.extractor == EXACT_EXTRACTOR
    assert exact.confidence is None
    assert "confidence_entity" not in exact.to_dict()
    assert fuzzy.extractor == FUZZY_EXTRACTOR
    assert fuzzy.confidence is not None
    assert 0.85 <= fuzzy.confidence < 1.0
    assert fuzzy.to_dict()["confidence_entity"] == fuzzy.confidence
    assert fuzzy.processors == ("EntitySynonymMapper",)


@pytest.mark.parametrize(
    "text",
    [
        "ou de la le en",
        "je veux savoir où déposer le dossier de la demande",
        "ok oui non merci",
        "pour gentil",
        "je suis à Paris",
        "il faut associer les membres",
        "on va coopérer",
        "mon fils",
        "12345 67890",
        "",
        "😀",
    ],
)
def test_no_false_positives(extractor: EntityExtractor, text: str) -> None:
    assert extractor.extract(text) == []


def test_annotation_surfaces_match_exactly(small_data_dir: Path) -> None:
    extractor = EntityExtractor.from_training_data(load_training_data(small_data_dir))

    assert found(extractor, "je vis dans la capitale") == {("province", "Estuaire", "la capitale")}


def test_works_without_any_vocabulary() -> None:
    assert EntityExtractor({}).extract("une association") == []


def test_handles_long_text_quickly(extractor: EntityExtractor) -> None:
    text = "azertyuiop qsdfghjklm " * 200 + "à Oyem"

    entities = extractor.extract(text)

    assert [(e.entity, e.value) for e in entities] == [("province", "Woleu-Ntem")]


@pytest.mark.parametrize(
    "text",
    [
        "une coop, ça coûte combien",
        "on veut une coop, ca prend combien de temps",
        "coop. ca marche comment",
        "une coop ; ça se dépose où",
    ],
)
def test_a_form_s_name_does_not_run_over_a_comma(extractor: EntityExtractor, text: str) -> None:
    # "coop" then "ça" after a comma is a cooperative, not the form COOP-CA.
    values = {(entity.entity, entity.value) for entity in extractor.extract(text)}
    assert values == {("org_type", "cooperative")}


def test_a_multi_word_name_still_matches_without_punctuation(extractor: EntityExtractor) -> None:
    for text in ("il faut etre combien pour une coop ca", "une COOP-CA", "mutuelle de santé"):
        assert extractor.extract(text), text
