"""The ask_fact retrieval intent on phrasings it was never trained on, and its Rasa shape."""

import pytest

from nlu import ParseResult
from nlu.embedded import EmbeddedParser
from nlu.result import ResponseSelection
from nlu.training_data import TrainingData

# Written for this test, none of them in the content pack: typos, SMS French, English, Arabic.
HELD_OUT = [
    ("cb de personnes minimum pour monter une scoops ?", "founders_scoops"),
    ("on doit etre combien au moins pr faire une coop-ca", "founders_coop_ca"),
    ("il faut combien de gens pour fonder une association", "founders_association"),
    ("nombre de membres mini pour une ong", "founders_ngo"),
    ("pour une fondation il faut combien de fondateur", "founders_foundation"),
    ("c koi le recepissé provisoire", "recepisse"),
    ("kesako un récépicé définitif", "recepisse"),
    ("c quoi l'ohada exactement", "ohada"),
    ("comment devenir une asso reconnue d'utilité publique", "public_utility"),
    ("le notaire c obligatoire pour nos statuts ?", "private_deed_or_notary"),
    ("le capital d'une coop-ca on le verse comment", "capital_coop_ca"),
    ("combien de personnes dans le CA d'une coopérative", "bodies_coop_ca"),
    ("le comite de gestion d'une scoops ya combien de membres", "bodies_scoops"),
    ("quel texte de loi pour les mutuelles", "law_mutual"),
    ("une mutuelle ça sert à quoi", "purpose_mutual"),
    ("vous faites quoi de mes informations perso", "data_purpose"),
    ("mes données vous les gardez combien de temps ?", "data_retention"),
    ("qui surveille ce que vous faites de mes données", "data_authority"),
    ("vous avez une antenne à Makokou ?", "relays"),
    ("how many founders for an NGO", "founders_ngo"),
    ("what is the minimum number of members for a SCOOPS", "founders_scoops"),
    ("what's a provisional receipt", "recepisse"),
    ("who checks what you do with my data", "data_authority"),
    ("do we need a notary to write our statutes", "private_deed_or_notary"),
    ("ما هو الحد الأدنى لعدد أعضاء التعاونية", "founders_cooperative"),
    ("ما معنى الوصل المؤقت", "recepisse"),
    ("كم مدة الاحتفاظ ببياناتي", "data_retention"),
    ("ما هي OHADA", "ohada"),
]
# Measured on HELD_OUT when written: 24 of 28 right (0.86); the bound absorbs small data edits.
MIN_RIGHT = 0.8


def test_held_out_fact_questions_find_their_fact(parser: EmbeddedParser) -> None:
    wrong = []
    for text, fact in HELD_OUT:
        result = parser.parse(text)
        if result.intent != "ask_fact" or result.response_key() != fact:
            wrong.append((text, fact, result.intent, result.response_key()))
    assert len(wrong) <= (1 - MIN_RIGHT) * len(HELD_OUT), wrong


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("faut combien de membres pour une scoops", "founders_scoops"),
        ("faut combien de membres pour une coop-ca", "founders_coop_ca"),
        ("faut combien de membres pour une asso", "founders_association"),
        ("faut combien de membres pour une mutuelle", "founders_mutual"),
    ],
)
def test_the_form_named_selects_the_form_fact(parser: EmbeddedParser, text: str, fact: str) -> None:
    assert parser.parse(text).response_key() == fact


def test_other_intents_have_no_selection(parser: EmbeddedParser) -> None:
    result = parser.parse("comment créer une association")
    assert result.intent == "how_to_create"
    assert result.selections == () and result.response_key() is None
    assert "response_selector" not in result.to_dict()


def test_a_retrieval_intent_parses_in_rasa_shape(parser: EmbeddedParser) -> None:
    data = parser.parse("c koi un récépissé").to_dict()
    selector = data["response_selector"]
    assert data["intent"]["name"] == "ask_fact"
    assert selector["all_retrieval_intents"] == ["ask_fact"]
    assert selector["ask_fact"]["response"]["intent_response_key"] == "ask_fact/recepisse"
    assert selector["ask_fact"]["response"]["utter_action"] == "utter_ask_fact/recepisse"
    assert ParseResult.from_dict(data).to_dict() == data


def test_rasa_response_selector_payloads_map_onto_the_same_result() -> None:
    payload = {
        "text": "c koi un récépissé",
        "intent": {"name": "ask_fact", "confidence": 0.93},
        "entities": [],
        "intent_ranking": [{"name": "ask_fact", "confidence": 0.93}],
        "response_selector": {
            "all_retrieval_intents": ["ask_fact"],
            "default": {
                "response": {
                    "id": 123,
                    "responses": [{"text": "..."}],
                    "confidence": 0.88,
                    "intent_response_key": "ask_fact/recepisse",
                    "utter_action": "utter_ask_fact/recepisse",
                },
                "ranking": [
                    {"id": 123, "confidence": 0.88, "intent_response_key": "ask_fact/recepisse"},
                    {"id": 7, "confidence": 0.1, "intent_response_key": "ask_fact/ohada"},
                ],
            },
        },
    }
    result = ParseResult.from_dict(payload)
    selection = result.selection()
    assert selection is not None and selection.retrieval_intent == "ask_fact"
    assert result.response_key() == "recepisse"
    assert [score.name for score in selection.ranking] == ["ask_fact/recepisse", "ask_fact/ohada"]


def test_a_malformed_selector_entry_is_ignored_or_refused() -> None:
    assert ResponseSelection.from_dict("ask_fact", {"response": {"confidence": 1}}) is None
    base = {"text": "x", "intent": {"name": "ask_fact", "confidence": 1.0}}
    assert ParseResult.from_dict({**base, "response_selector": {}}).selections == ()
    with pytest.raises(ValueError, match="response_selector"):
        ParseResult.from_dict({**base, "response_selector": [1]})


def test_fact_questions_clashing_with_an_intent_are_refused(training_data: TrainingData) -> None:
    with pytest.raises(ValueError, match="also an example of intent"):
        training_data.with_examples([("bonjour", "ask_fact/ohada")], "facts.yml")
