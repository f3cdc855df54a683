"""The parse result, shaped like the answer of Rasa's `POST /model/parse`."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu.vocabulary import Intent

# Rasa's FallbackClassifier names its low-confidence intent this; the bot knows one name only.
RASA_FALLBACK_INTENT = "nlu_fallback"
# Rasa's ResponseSelector answers under its retrieval intent's name, or under this one.
DEFAULT_SELECTOR = "default"
ALL_RETRIEVAL_INTENTS = "all_retrieval_intents"

JsonObject = dict[str, Any]


class ParseResultError(ValueError):
    """A parse payload that does not have Rasa's shape."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    """An intent name with the classifier's confidence in it."""

    name: str
    confidence: float

    def to_dict(self) -> JsonObject:
        """Return Rasa's `{"name", "confidence"}` object."""
        return {"name": self.name, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in the text, with offsets into the original text."""

    entity: str
    value: str
    start: int
    end: int
    extractor: str | None = None
    confidence: float | None = None
    processors: tuple[str, ...] = ()
    role: str | None = None
    group: str | None = None

    def to_dict(self) -> JsonObject:
        """Return the entity as Rasa serialises it, optional keys only when set."""
        data: JsonObject = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "value": self.value,
        }
        if self.confidence is not None:
            data["confidence_entity"] = self.confidence
        if self.role is not None:
            data["role"] = self.role
        if self.group is not None:
            data["group"] = self.group
        if self.extractor is not None:
            data["extractor"] = self.extractor
        if self.processors:
            data["processors"] = list(self.processors)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Entity":
        """Read one entity of a Rasa payload."""
        try:
            entity, start, end = data["entity"], data["start"], data["end"]
            value = data.get("value")
        except (KeyError, TypeError) as error:
            msg = f"entity {data!r} lacks {error}"
            raise ParseResultError(msg) from error
        if not isinstance(entity, str) or not isinstance(start, int) or not isinstance(end, int):
            msg = f"entity {data!r} needs a string 'entity' and integer 'start' and 'end'"
            raise ParseResultError(msg)
        confidence = data.get("confidence_entity")
        processors = data.get("processors") or ()
        return cls(
            entity=entity,
            # Duckling-style values may be numbers or objects; the bot only compares text.
            value=value if isinstance(value, str) else str(value),
            start=start,
            end=end,
            extractor=_optional_str(data.get("extractor")),
            confidence=float(confidence) if isinstance(confidence, int | float) else None,
            processors=tuple(str(processor) for processor in processors),
            role=_optional_str(data.get("role")),
            group=_optional_str(data.get("group")),
        )


@dataclass(frozen=True, slots=True)
class ResponseSelection:
    """What Rasa's ResponseSelector chose inside one retrieval intent ("ask_fact/ohada")."""

    retrieval_intent: str
    ranking: tuple[IntentScore, ...]

    @property
    def key(self) -> str:
        """Return the chosen intent-response key, e.g. "ask_fact/ohada"."""
        return self.ranking[0].name

    @property
    def confidence(self) -> float:
        """Return the selector's confidence in its choice."""
        return self.ranking[0].confidence

    def to_dict(self) -> JsonObject:
        """Return the selector's entry the way Rasa serialises it."""
        return {
            "response": {
                "intent_response_key": self.key,
                "confidence": self.confidence,
                "utter_action": f"utter_{self.key}",
            },
            "ranking": [
                {"intent_response_key": score.name, "confidence": score.confidence}
                for score in self.ranking
            ],
        }

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> "ResponseSelection | None":
        """Read one entry of Rasa's `response_selector`; None when it chose nothing."""
        response = data.get("response") if isinstance(data, Mapping) else None
        if not isinstance(response, Mapping):
            return None
        key = response.get("intent_response_key")
        if not isinstance(key, str) or not key:
            return None
        scores = [_selection_score(response)]
        raw = data.get("ranking") or []
        if not isinstance(raw, Sequence):
            msg = f"response_selector.{name}.ranking must be a list"
            raise ParseResultError(msg)
        scores += [_selection_score(item) for item in raw if isinstance(item, Mapping)]
        unique = {score.name: score for score in reversed(scores)}
        ranking = sorted(unique.values(), key=lambda score: -score.confidence)
        # Rasa's "default" selector names no retrieval intent: the key's prefix does.
        retrieval = key.split("/", 1)[0] if name == DEFAULT_SELECTOR else name
        return cls(retrieval, tuple(ranking))


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the NLU understood of one message."""

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = field(default_factory=tuple)
    #: what the response selectors chose inside retrieval intents, as Rasa's ResponseSelector
    selections: tuple[ResponseSelection, ...] = ()

    def selection(self, retrieval_intent: str | None = None) -> ResponseSelection | None:
        """Return the selection inside a retrieval intent (by default the intent found)."""
        wanted = retrieval_intent or self.intent
        return next((item for item in self.selections if item.retrieval_intent == wanted), None)

    def response_key(self, retrieval_intent: str | None = None) -> str | None:
        """Return the chosen sub-intent's name ("founders_scoops"), or None."""
        chosen = self.selection(retrieval_intent)
        return chosen.key.split("/", 1)[1] if chosen is not None and "/" in chosen.key else None

    @property
    def is_out_of_scope(self) -> bool:
        """Tell whether the message was not understood or is off-topic."""
        return self.intent == Intent.OUT_OF_SCOPE

    def entity(self, name: str) -> str | None:
        """Return the value of the first entity called name, or None."""
        return next((item.value for item in self.entities if item.entity == name), None)

    def entity_values(self, name: str) -> list[str]:
        """Return the distinct values of the entities called name, in text order."""
        return list(dict.fromkeys(item.value for item in self.entities if item.entity == name))

    def to_dict(self) -> JsonObject:
        """Return the exact shape of Rasa's `/model/parse` answer."""
        data: JsonObject = {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": self.confidence},
            "entities": [item.to_dict() for item in self.entities],
            "intent_ranking": [score.to_dict() for score in self.intent_ranking],
        }
        if self.selections:
            selector: JsonObject = {
                ALL_RETRIEVAL_INTENTS: [item.retrieval_intent for item in self.selections]
            }
            selector.update({item.retrieval_intent: item.to_dict() for item in self.selections})
            data["response_selector"] = selector
        return data

    @classmethod
    def out_of_scope(cls, text: str, confidence: float = 1.0) -> "ParseResult":
        """Return the result for a message that holds nothing to classify."""
        score = IntentScore(Intent.OUT_OF_SCOPE.value, confidence)
        return cls(text, score.name, score.confidence, (), (score,))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, text: str | None = None) -> "ParseResult":
        """Read a Rasa `/model/parse` payload; Rasa's fallback intent becomes out_of_scope."""
        if not isinstance(data, Mapping):
            msg = f"expected a JSON object, got {type(data).__name__}"
            raise ParseResultError(msg)
        intent = data.get("intent") or {}
        if not isinstance(intent, Mapping):
            msg = f"'intent' must be an object, got {intent!r}"
            raise ParseResultError(msg)
        top = _score(intent)
        ranking: dict[str, IntentScore] = {}
        raw_ranking = data.get("intent_ranking") or []
        raw_entities = data.get("entities") or []
        if not isinstance(raw_ranking, Sequence) or not isinstance(raw_entities, Sequence):
            msg = "'intent_ranking' and 'entities' must be lists"
            raise ParseResultError(msg)
        for item in raw_ranking:
            if not isinstance(item, Mapping):
                msg = f"intent ranking item {item!r} must be an object"
                raise ParseResultError(msg)
            score = _score(item)
            ranking.setdefault(score.name, score)
        entities = tuple(
            Entity.from_dict(item) if isinstance(item, Mapping) else _not_an_object(item)
            for item in raw_entities
        )
        payload_text = data.get("text")
        return cls(
            text=text if text is not None else str(payload_text or ""),
            intent=top.name,
            confidence=top.confidence,
            entities=entities,
            intent_ranking=tuple(ranking.values()),
            selections=_selections(data.get("response_selector")),
        )


def _score(data: Mapping[str, Any]) -> IntentScore:
    """Read a `{"name", "confidence"}` object, mapping a missing or fallback name."""
    name = data.get("name")
    confidence = data.get("confidence", 0.0)
    if name is not None and not isinstance(name, str):
        msg = f"intent name must be a string, got {name!r}"
        raise ParseResultError(msg)
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        msg = f"intent confidence must be a number, got {confidence!r}"
        raise ParseResultError(msg)
    if name is None or name == RASA_FALLBACK_INTENT:
        name = Intent.OUT_OF_SCOPE.value
    return IntentScore(name, float(confidence))


def _selections(raw: object) -> tuple[ResponseSelection, ...]:
    """Read Rasa's `response_selector` object, one selection per retrieval intent."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        msg = f"'response_selector' must be an object, got {raw!r}"
        raise ParseResultError(msg)
    found: dict[str, ResponseSelection] = {}
    for name, entry in raw.items():
        if name == ALL_RETRIEVAL_INTENTS or not isinstance(entry, Mapping):
            continue
        selection = ResponseSelection.from_dict(str(name), entry)
        if selection is not None:
            found.setdefault(selection.retrieval_intent, selection)
    return tuple(found.values())


def _selection_score(data: Mapping[str, Any]) -> IntentScore:
    """Read a `{"intent_response_key", "confidence"}` object of a selector's ranking."""
    key = data.get("intent_response_key")
    confidence = data.get("confidence", 0.0)
    if not isinstance(key, str) or not isinstance(confidence, int | float):
        msg = f"response selector item {dict(data)!r} needs a key and a numeric confidence"
        raise ParseResultError(msg)
    return IntentScore(key, float(confidence))


def _optional_str(value: object) -> str | None:
    """Return value when it is a string, else None."""
    return value if isinstance(value, str) else None


def _not_an_object(item: object) -> Entity:
    """Refuse an entity that is not a JSON object."""
    msg = f"entity {item!r} must be an object"
    raise ParseResultError(msg)
