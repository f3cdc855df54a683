"""The in-process NLU: a scikit-learn intent classifier plus the gazetteer entity extractor."""

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nlu.entities import EntityExtractor
from nlu.normalization import has_letters, normalize_text
from nlu.result import IntentScore, ParseResult, ResponseSelection
from nlu.training_data import TrainingData, load_training_data
from nlu.vocabulary import Intent

logger = logging.getLogger(__name__)

# Below this the best intent is replaced by out_of_scope. Measured with 5-fold CV over the
# 2,067 examples of nlu/data (nlu.evaluate.cross_validate_data, mean of 5 shuffles): weighted
# F1 0.865 with no threshold, 0.871 at 0.3, 0.869 at 0.4, 0.867 at 0.5, 0.860 at 0.6. With the
# content pack's ~730 fact questions (the ask_fact retrieval intent) added, the probability of
# overlapping questions ("c'est quoi une coopérative", "comment créer une coopérative") is
# shared by more intents: at 0.5, 0.84 accuracy and 0.86 weighted F1; at 0.4, 0.86 and 0.87,
# while 76% of off-topic messages are still caught (77% before the facts, at 0.5).
CONFIDENCE_THRESHOLD = 0.4
# Only the beginning of a message is classified: the intent of a long message is in its
# first lines, and the cost of a parse grows with the text.
MAX_MODEL_CHARS = 1000
# No channel delivers more than Telegram's 4,096 characters: a longer text is not a message.
MAX_MESSAGE_CHARS = 4096
RANKING_LENGTH = 10
# Part of the cache key: change it whenever the pipeline below changes.
MODEL_FORMAT = 3
CALIBRATION_FOLDS = 3
CACHE_PREFIX = "intent-model-"
DEFAULT_CACHE_DIR = Path(".cache") / "nlu"

# Word n-grams share the vectoriser with character n-grams under this prefix; normalised text
# holds no ":" so no character n-gram can look like one.
_WORD_PREFIX = "w:"


class CombinedAnalyzer:
    """Produce character n-grams inside word boundaries and word n-grams for one vectoriser."""

    def __init__(
        self,
        char_range: tuple[int, int] = (2, 5),
        word_range: tuple[int, int] = (1, 2),
    ) -> None:
        # One vectoriser instead of a FeatureUnion of two halves the per-message overhead of
        # scikit-learn's input validation, which dominates the cost of a single prediction.
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=char_range, lowercase=False
        ).build_analyzer()
        self._words = TfidfVectorizer(
            analyzer="word",
            ngram_range=word_range,
            lowercase=False,
            # One-letter words carry meaning in SMS French: "c", "j", "1".
            token_pattern=r"(?u)\b\w+\b",
        ).build_analyzer()

    def __call__(self, text: str) -> list[str]:
        """Return the features of an already normalised text."""
        return [*self._chars(text), *(_WORD_PREFIX + word for word in self._words(text))]


def build_pipeline(calibration_folds: int = CALIBRATION_FOLDS) -> Pipeline:
    """Return the untrained intent classifier; it expects normalize_text output."""
    return Pipeline(
        [
            ("features", TfidfVectorizer(analyzer=CombinedAnalyzer(), sublinear_tf=True)),
            (
                "classifier",
                # A linear SVM cross-validated best (see nlu.evaluate); temperature scaling
                # turns its margins into probabilities for the threshold and the ranking.
                CalibratedClassifierCV(
                    LinearSVC(C=1.0, max_iter=10_000),
                    cv=calibration_folds,
                    method="temperature",
                    ensemble=False,
                ),
            ),
        ]
    )


def calibration_folds_for(labels: Sequence[str]) -> int:
    """Return how many calibration folds the rarest intent allows, at most CALIBRATION_FOLDS."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(counts) < 2:
        msg = "training data needs at least two intents"
        raise ValueError(msg)
    rarest, count = min(counts.items(), key=lambda item: item[1])
    if count < 2:
        msg = f"intent {rarest!r} needs at least two examples"
        raise ValueError(msg)
    return min(CALIBRATION_FOLDS, count)


class IntentModel:
    """A trained intent classifier that ranks intents for one normalised text."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._vectorizer = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_
        if len(calibrated) != 1:
            msg = "the intent classifier must be calibrated without ensembling"
            raise ValueError(msg)
        self._classifier = calibrated[0]
        self.classes: tuple[str, ...] = tuple(str(name) for name in self._classifier.classes)
        # The temperature-scaled SVM is the SVM's margins through one softmax calibrator;
        # calling both directly skips a generic dispatch that costs a third of a parse.
        # Other calibrations, or another scikit-learn layout, go through predict_proba.
        estimator = getattr(self._classifier, "estimator", None)
        calibrators = getattr(self._classifier, "calibrators", None)
        self._direct = (
            getattr(self._classifier, "method", None) == "temperature"
            and hasattr(estimator, "decision_function")
            and isinstance(calibrators, list)
            and len(calibrators) == 1
        )

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Return an array of class probabilities, one row per normalised text."""
        # Calling the fitted steps with validation off: the input is always a list of
        # strings we built, and the checks cost more than the prediction itself.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            features = self._vectorizer.transform(list(texts))
            if self._direct:
                margins = self._classifier.estimator.decision_function(features)
                return self._classifier.calibrators[0].predict(margins)
            return self._classifier.predict_proba(features)

    def rank(self, text: str, length: int = RANKING_LENGTH) -> list[IntentScore]:
        """Return the best intents for one normalised text, most likely first."""
        row = self.probabilities([text])[0]
        order = np.argsort(row)[::-1][:length]
        return [IntentScore(self.classes[index], float(row[index])) for index in order]


# A named entity stands in the selector's input as this word and, at the end, one word for its
# value: what is asked ("combien de membres") then weighs as much as which form it is about.
_ENTITY_WORD = "qqentite"


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


# For each retrieval intent, the entity values each response's examples name: a message that
# names "SCOOPS" is answered among the responses about SCOOPS (and those naming nothing).
ResponseEntities = dict[str, dict[str, frozenset[str]]]


class NluModel(IntentModel):
    """The intent classifier and, for each retrieval intent, its response selector."""

    def __init__(
        self,
        pipeline: Pipeline,
        selectors: dict[str, IntentModel],
        entities: ResponseEntities | None = None,
    ) -> None:
        super().__init__(pipeline)
        self.selectors = selectors
        self.entities = entities or {}

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


def _fit(texts: Sequence[str], labels: list[str], *, normalised: bool = False) -> Pipeline:
    pipeline = build_pipeline(calibration_folds_for(labels))
    pipeline.fit(list(texts) if normalised else [normalize_text(text) for text in texts], labels)
    return pipeline


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


def fit_pipelines(data: TrainingData) -> tuple[Pipeline, dict[str, Pipeline]]:
    """Fit the intent classifier, and a response selector per retrieval intent."""
    intents = _fit(data.texts, data.labels)
    selectors: dict[str, Pipeline] = {}
    for name in data.retrieval_intents:
        responses = data.responses_of(name)
        keys = [example.response_key or name for example in responses]
        texts = [
            selector_text(
                example.text,
                [(e.start, e.end, data.resolve(e.value)) for e in example.entities],
            )
            for example in responses
        ]
        if len(set(keys)) >= 2:
            selectors[name] = _fit(texts, keys, normalised=True)
    return intents, selectors


def train_intent_model(data: TrainingData) -> NluModel:
    """Fit the intent classifier and the response selectors on every example of data."""
    started = time.perf_counter()
    intents, selectors = fit_pipelines(data)
    logger.info(
        "trained the intent classifier on %d examples in %.2f s",
        len(data.labels),
        time.perf_counter() - started,
    )
    return NluModel(
        intents,
        {name: IntentModel(item) for name, item in selectors.items()},
        response_entities(data),
    )


def cache_key(data: TrainingData) -> str:
    """Return the key of a trained model: the data, the pipeline and scikit-learn's version."""
    payload = f"{MODEL_FORMAT}:{sklearn.__version__}:{data.content_hash}".encode()
    return hashlib.sha256(payload).hexdigest()[:32]


def load_or_train(data: TrainingData, cache_dir: Path | None) -> NluModel:
    """Return the cached model for data if a valid one exists, else train and cache it."""
    if cache_dir is None:
        return train_intent_model(data)
    key = cache_key(data)
    path = cache_dir / f"{CACHE_PREFIX}{key}.joblib"
    model = _read_cache(path, key)
    if model is not None:
        logger.debug("loaded the intent classifier from %s", path)
        return model
    model = train_intent_model(data)
    _write_cache(path, key, model)
    return model


def _read_cache(path: Path, key: str) -> NluModel | None:
    """Return the model stored at path, or None when it is missing, stale or unreadable."""
    if not path.is_file():
        return None
    try:
        # The cache directory is written by this application only; like any pickle it must
        # not be shared with untrusted users.
        stored = joblib.load(path)
        if not isinstance(stored, dict) or stored.get("key") != key:
            logger.warning("ignoring the stale intent model cache %s", path)
            return None
        selectors = {name: IntentModel(item) for name, item in stored["selectors"].items()}
        return NluModel(stored["pipeline"], selectors, stored["entities"])
    except Exception as error:  # a corrupt pickle can raise anything: retrain instead
        logger.warning("ignoring the unreadable intent model cache %s: %s", path, error)
        return None


def _write_cache(path: Path, key: str, model: NluModel) -> None:
    """Store model at path atomically and drop the caches of older data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        try:
            selectors = {name: item.pipeline for name, item in model.selectors.items()}
            joblib.dump(
                {
                    "key": key,
                    "pipeline": model.pipeline,
                    "selectors": selectors,
                    "entities": model.entities,
                },
                temporary,
            )
            # Another process may train at the same time: the rename keeps readers safe.
            Path(temporary).replace(path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for old in path.parent.glob(f"{CACHE_PREFIX}*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as error:
        logger.warning("cannot cache the intent model in %s: %s", path.parent, error)


def apply_threshold(ranking: Sequence[IntentScore], threshold: float) -> list[IntentScore]:
    """Put out_of_scope first, at the threshold's confidence, when the best intent is below it."""
    if ranking and ranking[0].confidence >= threshold:
        return list(ranking)
    # Like Rasa's FallbackClassifier: the fallback gets the threshold as its confidence.
    fallback = IntentScore(Intent.OUT_OF_SCOPE.value, threshold)
    return [fallback, *(score for score in ranking if score.name != fallback.name)]


class EmbeddedParser:
    """Parse messages in process with the trained classifier and the entity extractor."""

    def __init__(
        self,
        model: NluModel | IntentModel,
        extractor: EntityExtractor,
        *,
        threshold: float = CONFIDENCE_THRESHOLD,
        ranking_length: int = RANKING_LENGTH,
    ) -> None:
        self.model = model if isinstance(model, NluModel) else NluModel(model.pipeline, {})
        self.extractor = extractor
        self.threshold = threshold
        self.ranking_length = ranking_length

    @classmethod
    def from_training_data(
        cls,
        data: TrainingData,
        *,
        cache_dir: Path | None = None,
        threshold: float = CONFIDENCE_THRESHOLD,
    ) -> "EmbeddedParser":
        """Build a parser from loaded training data, reusing a cached model when valid."""
        return cls(
            load_or_train(data, cache_dir),
            EntityExtractor.from_training_data(data),
            threshold=threshold,
        )

    @classmethod
    def load(
        cls,
        data_dir: Path,
        *,
        cache_dir: Path | None = None,
        extra_examples: Sequence[tuple[str, str]] = (),
        extra_source: str = "extra examples",
    ) -> "EmbeddedParser":
        """Load the training data of data_dir (plus annotated examples) and build a parser."""
        data = load_training_data(data_dir)
        if extra_examples:
            data = data.with_examples(extra_examples, extra_source)
        return cls.from_training_data(data, cache_dir=cache_dir)

    def parse(self, text: str) -> ParseResult:
        """Classify text and extract its entities."""
        if len(text) > MAX_MESSAGE_CHARS:
            return ParseResult.out_of_scope(text)
        head = text[:MAX_MODEL_CHARS]
        normalised = normalize_text(head)
        # Digits, emoji and punctuation alone say nothing; the letters must be the user's own,
        # not those normalisation writes for a sign ("+241" is a phone number, not "plus").
        if not has_letters(head) or not has_letters(normalised):
            return ParseResult.out_of_scope(text)
        ranking = apply_threshold(self.model.rank(normalised, self.ranking_length), self.threshold)[
            : self.ranking_length
        ]
        entities = tuple(self.extractor.extract(head))
        selections: tuple[ResponseSelection, ...] = ()
        if ranking[0].name in self.model.selectors:
            spans = [(e.start, e.end, e.value) for e in entities]
            selections = self.model.select(
                ranking[0].name,
                selector_text(head, spans),
                primary_values(spans),
                self.ranking_length,
            )
        return ParseResult(
            text=text,
            intent=ranking[0].name,
            confidence=ranking[0].confidence,
            entities=entities,
            intent_ranking=tuple(ranking),
            selections=selections,
        )
