"""The in-process NLU: intent classifier, response selectors and the gazetteer entity extractor.

scikit-learn is imported only to train (`nlu.training`); a cached model is plain arrays.
"""

import hashlib
import importlib.metadata
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nlu.entities import EntityExtractor
from nlu.model import RANKING_LENGTH, IntentModel
from nlu.normalization import has_letters, normalize_text
from nlu.places import Places, load_country_data
from nlu.result import IntentScore, ParseResult, ResponseSelection
from nlu.selection import NluModel, primary_values, selector_text
from nlu.snapshot import ParserInputs, inputs_key, read_inputs, write_inputs
from nlu.training_data import TrainingData
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
# Part of the cache key: change it whenever the pipeline below changes.
MODEL_FORMAT = 4
CACHE_PREFIX = "intent-model-"
CACHE_SUFFIX = ".npz"
DEFAULT_CACHE_DIR = Path(".cache") / "nlu"


def train_intent_model(data: TrainingData) -> NluModel:
    """Fit the classifiers on every example of data (this imports scikit-learn)."""
    from nlu.training import fit_intent_model

    return fit_intent_model(data)


def model_format_key() -> str:
    """Return what, besides the data, a trained model depends on: the pipeline, scikit-learn."""
    # The distribution's version, read without importing scikit-learn and SciPy.
    return f"{MODEL_FORMAT}:{importlib.metadata.version('scikit-learn')}"


def cache_key(data: TrainingData) -> str:
    """Return the key of a trained model: the data, the pipeline and scikit-learn's version."""
    payload = f"{model_format_key()}:{data.content_hash}".encode()
    return hashlib.sha256(payload).hexdigest()[:32]


def load_or_train(data: TrainingData, cache_dir: Path | None) -> NluModel:
    """Return the cached model for data if a valid one exists, else train and cache it."""
    if cache_dir is None:
        return train_intent_model(data)
    key = cache_key(data)
    path = cache_dir / f"{CACHE_PREFIX}{key}{CACHE_SUFFIX}"
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
        model = NluModel.load(path, key)
    except Exception as error:  # a truncated or foreign file can fail anywhere: retrain
        logger.warning("ignoring the unreadable intent model cache %s: %s", path, error)
        return None
    if model is None:
        logger.warning("ignoring the stale intent model cache %s", path)
    return model


def _write_cache(path: Path, key: str, model: NluModel) -> None:
    """Store model at path atomically and drop the caches of older data and formats."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                model.save(stream, key)
            # Another process may train at the same time: the rename keeps readers safe.
            Path(temporary).replace(path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for old in path.parent.glob(f"{CACHE_PREFIX}*"):
            if old != path and old.suffix in {CACHE_SUFFIX, ".joblib"}:
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
        self.model = model if isinstance(model, NluModel) else NluModel(model)
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
        places: Places = (),
    ) -> "EmbeddedParser":
        """Load the training data of data_dir (plus annotated examples and the country's
        places, see nlu.places) and build a parser.

        With a cache_dir, a start whose training files, extra examples and places are
        unchanged reads the saved model and vocabulary only, without reading the training data.
        """
        key = None
        if cache_dir is not None:
            key = inputs_key(data_dir, extra_examples, extra_source, model_format_key(), places)
            saved = read_inputs(cache_dir, key)
            if saved is not None:
                path = cache_dir / f"{CACHE_PREFIX}{saved.model_key}{CACHE_SUFFIX}"
                model = _read_cache(path, saved.model_key)
                if model is not None:
                    extractor = EntityExtractor(saved.surfaces, known_words=saved.known_words)
                    return cls(model, extractor)
        data = load_country_data(
            data_dir, extra_examples=extra_examples, extra_source=extra_source, places=places
        )
        parser = cls.from_training_data(data, cache_dir=cache_dir)
        if cache_dir is not None and key is not None:
            inputs = ParserInputs(
                model_key=cache_key(data),
                surfaces=parser.extractor.source_surfaces,
                known_words=sorted(parser.extractor.known_words),
            )
            write_inputs(cache_dir, key, inputs)
        return parser

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
