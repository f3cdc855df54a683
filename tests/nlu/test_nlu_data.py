"""The shipped training data: complete, consistent with the domain and with the extractor."""

import re
from collections import Counter

import pytest

from bot.domain import CoopForm, Locale, OrgType
from nlu.entities import IMPLIED_ENTITIES, EntityExtractor
from nlu.training_data import TrainingData
from nlu.vocabulary import EntityType, Intent, Province

ARABIC = re.compile(r"[\u0600-\u06ff]")
ENTITY_VALUES = {
    EntityType.ORG_TYPE: {item.value for item in OrgType},
    EntityType.COOP_FORM: {item.value for item in CoopForm},
    EntityType.LANGUAGE: {item.value for item in Locale},
    EntityType.PROVINCE: {item.value for item in Province},
}


def test_every_contract_intent_has_examples(training_data: TrainingData) -> None:
    assert set(training_data.intents) == {intent.value for intent in Intent}


@pytest.mark.parametrize("intent", [intent.value for intent in Intent])
def test_every_intent_has_varied_examples(training_data: TrainingData, intent: str) -> None:
    texts = [e.text for e in training_data.examples if e.intent == intent]
    arabic = [text for text in texts if ARABIC.search(text)]

    assert len(texts) >= 40
    assert len(arabic) >= 3
    assert len(texts) - len(arabic) >= 30


def test_annotations_use_known_entities_and_values(training_data: TrainingData) -> None:
    for example in training_data.examples:
        for annotation in example.entities:
            value = training_data.resolve(annotation.value)
            assert annotation.entity in ENTITY_VALUES, example.source
            assert value in ENTITY_VALUES[EntityType(annotation.entity)], example.source


def test_lookup_tables_resolve_to_domain_values(training_data: TrainingData) -> None:
    assert set(training_data.lookups) == {entity.value for entity in EntityType}
    for entity, elements in training_data.lookups.items():
        values = {training_data.resolve(element) for element in elements}
        assert values <= ENTITY_VALUES[EntityType(entity)], entity


def test_every_province_and_org_type_is_reachable(training_data: TrainingData) -> None:
    values = Counter(training_data.synonyms.values())

    for province in Province:
        assert values[province.value] >= 1, province
    for org_type in OrgType:
        assert values[org_type.value] >= 2, org_type


def test_extractor_finds_exactly_the_annotated_entities(training_data: TrainingData) -> None:
    extractor = EntityExtractor.from_training_data(training_data)
    mismatches = []
    for example in training_data.examples:
        expected = {
            (a.entity, training_data.resolve(a.value), a.start, a.end) for a in example.entities
        }
        for entity, value, start, end in list(expected):
            implied = IMPLIED_ENTITIES.get((entity, value))
            if implied is not None:
                expected.add((*implied, start, end))
        actual = {(e.entity, e.value, e.start, e.end) for e in extractor.extract(example.text)}
        if actual != expected:
            mismatches.append((example.source, example.text, actual ^ expected))

    assert mismatches == []
