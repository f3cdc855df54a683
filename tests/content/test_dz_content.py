"""Algeria's content says what its sources say, and nothing they do not.

These tests read the YAML files themselves, so they hold whatever the loader makes of them:
the founders of law 12-06, no borrowed Gabonese word, no invented contact, no past meeting
offered as the next one, and Darija questions in both the scripts people type it in.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import DEFAULT_CONTENT_DIR, ContentPack, has_placeholder, load_pack
from bot.content.decision import NumberNode
from bot.domain import OrgType, Scope
from nlu.parser import DEFAULT_DATA_DIR
from nlu.training_data import load_training_data

DZ = DEFAULT_CONTENT_DIR / "dz"
LOCALES = ("fr", "en", "ar")
# Words of the Gabon pack that have no place in Algeria's (the fixed FAQ key about_dges aside).
GABON_WORDS = ("DGES", "FCFA", "XAF", "Libreville", "Gabon", "OHADA", "province", "gouv.ga")
# Words only Darija uses, in Latin letters (Arabizi) and in Arabic script.
ARABIZI = re.compile(r"\b(ch7al|9adech|wach|lazem|win|ta3|ndir\w*|jam3iya|kifach|3lach)\b")
DARIJA_ARABIC = re.compile(r"(شحال|قداش|واش|وين|لازم|تاع|شكون|علاش|نجيب|نقدر)")


def read(name: str) -> Any:
    return yaml.safe_load((DZ / name).read_text(encoding="utf-8"))


def texts(data: Any) -> Iterator[tuple[str, str]]:
    """Yield (locale, text) of every text a citizen may read in a parsed file."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in LOCALES and isinstance(value, str):
                yield key, value
            elif key not in ("note", "examples", "names"):
                yield from texts(value)
    elif isinstance(data, list):
        for value in data:
            yield from texts(value)


PACK_FILES = sorted(
    path.relative_to(DZ).as_posix()
    for path in DZ.rglob("*.yml")
    if path.name not in ("pack.yml", "territory.yml")
)


def test_association_founders_follow_law_12_06() -> None:
    association = read("procedures/association.yml")
    rules = {
        rule["scope"]: (rule["min_founders"], rule["spread"]["count"], rule["spread"]["unit"])
        for rule in association["founders_by_scope"]
    }
    assert rules == {
        "communal": (10, 1, "commune"),
        "wilaya": (15, 2, "commune"),
        "inter_wilaya": (21, 3, "wilaya"),
        "national": (25, 12, "wilaya"),
    }
    assert association["min_founders"] == 10
    filed = [rule["filed_with"]["fr"] for rule in association["founders_by_scope"]]
    assert "APC" in filed[0] and "wilaya" in filed[1]
    assert all("ministère de l'Intérieur" in place for place in filed[2:])
    assert "Loi n°12-06 du 12 janvier 2012" in association["legal_basis"]["fr"]
    assert "Journal officiel n°02 du 15 janvier 2012" in association["legal_basis"]["fr"]


def test_the_association_file_is_the_published_list() -> None:
    documents = " ".join(d["fr"] for d in read("procedures/association.yml")["documents"])
    for piece in (
        "signée par le président",
        "liste des fondateurs",
        "casier judiciaire n°3 de chaque fondateur",
        "2 exemplaires",
        "huissier de justice",
        "justificatif du siège",
    ):
        assert piece in documents


@pytest.mark.parametrize("name", PACK_FILES)
def test_no_word_of_another_country(name: str) -> None:
    text = (DZ / name).read_text(encoding="utf-8").replace("about_dges", "")
    for word in GABON_WORDS:
        assert word.casefold() not in text.casefold(), (name, word)


@pytest.mark.parametrize("name", PACK_FILES)
def test_the_past_meeting_of_2016_is_never_offered(name: str) -> None:
    # The network's first meeting (Algiers, 15 March 2016) is over: only a staff note names it.
    for locale, text in texts(read(name)):
        assert "2016" not in text, (name, locale, text)


def test_no_office_contact_is_invented() -> None:
    for office in read("offices.yml")["offices"]:
        for field in ("address", "hours"):
            assert all(has_placeholder(office[field][locale]) for locale in LOCALES), office["id"]
        assert has_placeholder(office["phone"]) and has_placeholder(office["email"])


def test_unknown_fees_and_delays_are_placeholders() -> None:
    for path in sorted((DZ / "procedures").glob("*.yml")):
        procedure = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert all(fee["amount"] is None for fee in procedure["fees"]), path.name
        assert all(has_placeholder(fee["label"]["fr"]) for fee in procedure["fees"]), path.name


def test_what_is_unverified_says_so() -> None:
    mutual = read("procedures/mutual.yml")
    assert "Non vérifié" in mutual["caveats"]["fr"]
    assert "loi n°15-02 du 4 janvier 2015" in mutual["legal_basis"]["fr"]
    cooperative = read("procedures/cooperative.yml")
    assert "n°96-459 du 18 décembre 1996" in cooperative["legal_basis"]["fr"]
    assert "n°20-274 du 29 septembre 2020" in cooperative["legal_basis"]["fr"]
    assert cooperative["min_founders"] is None and has_placeholder(
        cooperative["founders_note"]["fr"]
    )


def test_every_fact_of_its_own_is_asked_in_darija_in_both_scripts() -> None:
    for fact_id, fact in read("facts.yml")["facts"].items():
        if "answer" not in fact:
            continue
        assert any(ARABIZI.search(q) for q in fact["examples"]["fr"]), fact_id
        assert any(DARIJA_ARABIC.search(q) for q in fact["examples"]["ar"]), fact_id


def test_every_statement_names_its_sources_and_review_date() -> None:
    bodies: list[dict[str, Any]] = [
        *(yaml.safe_load(p.read_text(encoding="utf-8")) for p in (DZ / "procedures").glob("*")),
        *read("faq.yml")["entries"].values(),
        *read("offices.yml")["offices"],
        *read("facts.yml")["forms"].values(),
        *(fact for fact in read("facts.yml")["facts"].values() if "answer" in fact),
    ]
    for body in bodies:
        assert body["sources"], body
        assert str(body["reviewed"]) == "2026-12-01", body


def test_the_guides_send_the_reader_to_the_administration() -> None:
    for path in sorted((DZ / "procedures").glob("*.yml")):
        closing = yaml.safe_load(path.read_text(encoding="utf-8"))["closing"]["fr"]
        assert "auprès de l'administration" in closing, path.name


def test_every_dz_file_is_found() -> None:
    assert {Path(name).name for name in PACK_FILES} >= {
        "association.yml",
        "cooperative.yml",
        "mutual.yml",
        "ngo.yml",
        "foundation.yml",
        "facts.yml",
        "faq.yml",
        "offices.yml",
        "decision.yml",
    }


@pytest.fixture(scope="module")
def dz_pack() -> ContentPack:
    return load_pack(DEFAULT_CONTENT_DIR, "dz")


def test_the_pack_loads_with_each_scope_where_the_law_puts_it(dz_pack: ContentPack) -> None:
    association = dz_pack.procedures[OrgType.ASSOCIATION]
    founders = {scope: association.scope_rule(scope) for scope in Scope}
    assert {scope: rule.min_founders for scope, rule in founders.items() if rule} == {
        Scope.COMMUNAL: 10,
        Scope.WILAYA: 15,
        Scope.INTER_WILAYA: 21,
        Scope.NATIONAL: 25,
    }
    assert association.where_to_file.offices == ["apc", "wilaya", "interieur"]
    assert not dz_pack.procedures[OrgType.COOPERATIVE].variants


def test_the_decision_helper_never_sends_fewer_than_10_to_an_association(
    dz_pack: ContentPack,
) -> None:
    node = dz_pack.decision.nodes["founders"]
    assert isinstance(node, NumberNode)
    for count, ready in ((1, False), (9, False), (10, True), (25, True), (200, True)):
        route = node.route(count)
        assert route is not None and route.outcome is not None
        assert route.outcome.ready is ready, count


def test_the_facts_train_the_nlu_beside_its_own_data(dz_pack: ContentPack) -> None:
    examples = dz_pack.training_examples()
    data = load_training_data(DEFAULT_DATA_DIR).with_examples(examples, dz_pack.facts_source)
    keys = {example.response_key for example in data.examples if example.response_key}
    assert "ask_fact/association_scope" in keys and "ask_fact/criminal_record" in keys
    assert (
        'ch7al men wa7ed lazem f [jam3iya]{"entity": "org_type", "value": "association"}',
        "ask_fact/founders_association",
    ) in examples
    # A wilaya named in a question is marked as the place it is; "الجزائر" is also the
    # country's name, so no question uses it for the wilaya of Algiers.
    assert any('"value": "Barika"' in line for line, _ in examples)
    assert not any("[الجزائر]" in line for line, _ in examples)
