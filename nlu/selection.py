"""Response selection for retrieval intents (Rasa's ResponseSelector): which fact is asked.

The intent classifier says a message asks a fact (`ask_fact`); a second classifier of the same
kind, trained on that intent's examples only, says which one (`ask_fact/founders_scoops`).
Both are plain arrays (`nlu.model.IntentModel`), saved together in one cache file.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from nlu.model import RANKING_LENGTH, IntentModel
from nlu.normalization import normalize_text
from nlu.result import IntentScore, ResponseSelection
from nlu.training_data import TrainingData

# A named entity stands in the selector's input as this word and, at the end, one word for its
# value: what is asked ("combien de membres") then weighs as much as which form it is about.
_ENTITY_WORD = "qqentite"

# For each retrieval intent, the entity values each response's examples name: a message that
# names "SCOOPS" is answered among the responses about SCOOPS (and those naming nothing).
ResponseEntities = dict[str, dict[str, frozenset[str]]]


def selector_text(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """Return what a response selector reads: entities masked, their values appended."""
    masked, values, position = [], [], 0
    # Stable order: at one span the entity found first wins over one it implies ("SCOOPS",
    # not the "cooperative" every SCOOPS is).
    for start, end, value in sorted(spans, key=lambda span: span[0]):
        if start < position:
            continue
        masked += [text[position:start], f" {_ENTITY_WORD} "]
        values.append("qq" + "".join(char for char in value.casefold() if char.isalnum()))
        position = end
    masked.append(text[position:])
    return normalize_text("".join(masked)) + "".join(f" {value}" for value in values)


def primary_values(spans: Sequence[tuple[int, int, str]]) -> frozenset[str]:
    """Return the entity values of a text, one per span (SCOOPS, not the implied cooperative)."""
    seen: dict[tuple[int, int], str] = {}
    for start, end, value in spans:
        seen.setdefault((start, end), value)
    return frozenset(seen.values())


def response_entities(data: TrainingData) -> ResponseEntities:
    """Return, per retrieval intent, the entity values named by each response's examples."""
    found: dict[str, dict[str, set[str]]] = {}
    for name in data.retrieval_intents:
        for example in data.responses_of(name):
            values = found.setdefault(name, {}).setdefault(example.response_key or name, set())
            values.update(data.resolve(entity.value) for entity in example.entities)
    return {
        name: {key: frozenset(values) for key, values in keys.items()}
        for name, keys in found.items()
    }


def selector_examples(data: TrainingData, name: str) -> tuple[list[str], list[str]]:
    """Return the selector inputs and response keys of one retrieval intent's examples."""
    responses = data.responses_of(name)
    keys = [example.response_key or name for example in responses]
    texts = [
        selector_text(
            example.text, [(e.start, e.end, data.resolve(e.value)) for e in example.entities]
        )
        for example in responses
    ]
    return texts, keys


class NluModel:
    """The intent classifier and, for each retrieval intent, its response selector."""

    def __init__(
        self,
        intents: IntentModel,
        selectors: dict[str, IntentModel] | None = None,
        entities: ResponseEntities | None = None,
    ) -> None:
        self.intents = intents
        self.selectors = selectors or {}
        self.entities = entities or {}

    @property
    def classes(self) -> tuple[str, ...]:
        """Return the intents the classifier knows."""
        return self.intents.classes

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Return the intent probabilities, one row per normalised text."""
        return self.intents.probabilities(texts)

    def rank(self, text: str, length: int = RANKING_LENGTH) -> list[IntentScore]:
        """Return the best intents for one normalised text, most likely first."""
        return self.intents.rank(text, length)

    def select(
        self, intent: str, text: str, values: frozenset[str], length: int
    ) -> tuple[ResponseSelection, ...]:
        """Rank the responses of a retrieval intent, among those fitting the entities named."""
        selector = self.selectors.get(intent)
        if selector is None:
            return ()
        ranking = selector.rank(text, len(selector.classes))
        named = self.entities.get(intent, {})
        fitting = [
            score for score in ranking if not named.get(score.name) or named[score.name] & values
        ]
        if values and fitting:
            total = sum(score.confidence for score in fitting) or 1.0
            ranking = [IntentScore(score.name, score.confidence / total) for score in fitting]
        return (ResponseSelection(intent, tuple(ranking[:length])),)

    def save(self, handle: IO[bytes], key: str) -> None:
        """Write every model and the cache key they were trained for into one archive."""
        names = sorted(self.selectors)
        arrays = self.intents.arrays()
        for index, name in enumerate(names):
            arrays.update(self.selectors[name].arrays(prefix=f"selector{index}_"))
        entities = {
            name: {key: sorted(values) for key, values in keys.items()}
            for name, keys in self.entities.items()
        }
        np.savez(
            handle,
            key=np.array(key),
            selectors=np.array(names, dtype=str),
            entities=np.array(json.dumps(entities, ensure_ascii=False)),
            **arrays,
        )

    @classmethod
    def load(cls, path: Path, key: str) -> "NluModel | None":
        """Return the models stored at path, or None when they were trained for another key."""
        # Opened here rather than by numpy, which leaves a truncated archive's file open.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            names = stored["selectors"].tolist() if "selectors" in stored else []
            selectors = {
                name: IntentModel.from_arrays(stored, prefix=f"selector{index}_")
                for index, name in enumerate(names)
            }
            raw = json.loads(str(stored["entities"])) if "entities" in stored else {}
            entities = {
                name: {k: frozenset(v) for k, v in keys.items()} for name, keys in raw.items()
            }
            return cls(IntentModel.from_arrays(stored), selectors, entities)
