"""The parse result: Rasa's exact `/model/parse` shape and the accessors the bot uses."""

import json

import pytest

from nlu import Entity, IntentScore, ParseResult
from nlu.result import ParseResultError

RASA_PAYLOAD = {
    "text": "créer une SCOOPS à Oyem",
    "intent": {"name": "how_to_create", "confidence": 0.93},
    "entities": [
        {
            "entity": "coop_form",
            "start": 10,
            "end": 16,
            "value": "scoops",
            "extractor": "RegexEntityExtractor",
        },
        {
            "entity": "province",
            "start": 19,
            "end": 23,
            "confidence_entity": 0.88,
            "value": "Woleu-Ntem",
            "extractor": "DIETClassifier",
            "processors": ["EntitySynonymMapper"],
        },
    ],
    "intent_ranking": [
        {"name": "how_to_create", "confidence": 0.93},
        {"name": "choose_structure", "confidence": 0.05},
    ],
}


def test_serialises_to_rasa_shape() -> None:
    result = ParseResult(
        text="une asso à Oyem",
        intent="how_to_create",
        confidence=0.9,
        entities=(
            Entity("org_type", "association", 4, 8, extractor="GazetteerEntityExtractor"),
            Entity("province", "Woleu-Ntem", 11, 15, confidence=0.89, processors=("X",)),
        ),
        intent_ranking=(IntentScore("how_to_create", 0.9), IntentScore("greet", 0.1)),
    )

    data = result.to_dict()

    assert data == {
        "text": "une asso à Oyem",
        "intent": {"name": "how_to_create", "confidence": 0.9},
        "entities": [
            {
                "entity": "org_type",
                "start": 4,
                "end": 8,
                "value": "association",
                "extractor": "GazetteerEntityExtractor",
            },
            {
                "entity": "province",
                "start": 11,
                "end": 15,
                "value": "Woleu-Ntem",
                "confidence_entity": 0.89,
                "processors": ["X"],
            },
        ],
        "intent_ranking": [
            {"name": "how_to_create", "confidence": 0.9},
            {"name": "greet", "confidence": 0.1},
        ],
    }
    assert json.loads(json.dumps(data)) == data


def test_reads_a_rasa_payload_back_identically() -> None:
    result = ParseResult.from_dict(RASA_PAYLOAD)

    assert result.intent == "how_to_create"
    assert result.confidence == 0.93
    assert result.entity("province") == "Woleu-Ntem"
    assert result.to_dict() == RASA_PAYLOAD


def test_accessors() -> None:
    result = ParseResult(
        text="asso ou asso ou coop",
        intent="choose_structure",
        confidence=0.8,
        entities=(
            Entity("org_type", "association", 0, 4),
            Entity("org_type", "association", 8, 12),
            Entity("org_type", "cooperative", 16, 20),
        ),
    )

    assert result.entity("org_type") == "association"
    assert result.entity("province") is None
    assert result.entity_values("org_type") == ["association", "cooperative"]
    assert result.entity_values("language") == []
    assert not result.is_out_of_scope


@pytest.mark.parametrize("name", ["nlu_fallback", None])
def test_rasa_fallback_and_missing_intent_become_out_of_scope(name: str | None) -> None:
    result = ParseResult.from_dict(
        {
            "text": "azerty",
            "intent": {"name": name, "confidence": 0.3},
            "entities": [],
            "intent_ranking": [{"name": name, "confidence": 0.3}],
        }
    )

    assert result.intent == "out_of_scope"
    assert result.is_out_of_scope
    assert [score.name for score in result.intent_ranking] == ["out_of_scope"]


def test_out_of_scope_result() -> None:
    assert ParseResult.out_of_scope("😀").to_dict() == {
        "text": "😀",
        "intent": {"name": "out_of_scope", "confidence": 1.0},
        "entities": [],
        "intent_ranking": [{"name": "out_of_scope", "confidence": 1.0}],
    }


@pytest.mark.parametrize(
    "payload",
    [
        ["not", "an", "object"],
        {"intent": "greet"},
        {"intent": {"name": 3, "confidence": 0.5}},
        {"intent": {"name": "greet", "confidence": "high"}},
        {"intent": {"name": "greet", "confidence": 1}, "entities": [{"entity": "x"}]},
        {"intent": {"name": "greet", "confidence": 1}, "entities": ["x"]},
        {"intent": {"name": "greet", "confidence": 1}, "intent_ranking": [3]},
    ],
)
def test_rejects_payloads_of_another_shape(payload: object) -> None:
    with pytest.raises(ParseResultError):
        ParseResult.from_dict(payload)  # type: ignore[arg-type]
