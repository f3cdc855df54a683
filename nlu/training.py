"""Fitting the classifiers with scikit-learn (imported only when a model is trained)."""

import logging
import time
from collections.abc import Sequence

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nlu.features import CombinedAnalyzer
from nlu.model import IntentModel
from nlu.normalization import normalize_text
from nlu.selection import NluModel, response_entities, selector_examples
from nlu.training_data import TrainingData

logger = logging.getLogger(__name__)

CALIBRATION_FOLDS = 3


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


def _fit(texts: Sequence[str], labels: list[str]) -> Pipeline:
    """Fit one pipeline on already normalised texts."""
    pipeline = build_pipeline(calibration_folds_for(labels))
    pipeline.fit(list(texts), labels)
    return pipeline


def fit_pipeline(data: TrainingData) -> Pipeline:
    """Fit the intent classifier's scikit-learn pipeline on every example of data."""
    started = time.perf_counter()
    pipeline = _fit([normalize_text(text) for text in data.texts], data.labels)
    logger.info(
        "trained the intent classifier on %d examples in %.2f s",
        len(data.labels),
        time.perf_counter() - started,
    )
    return pipeline


def fit_selectors(data: TrainingData) -> dict[str, Pipeline]:
    """Fit a response selector per retrieval intent that has at least two responses."""
    selectors: dict[str, Pipeline] = {}
    for name in data.retrieval_intents:
        texts, keys = selector_examples(data, name)
        if len(set(keys)) >= 2:
            selectors[name] = _fit(texts, keys)
    return selectors


def fit_intent_model(data: TrainingData) -> NluModel:
    """Fit the intent classifier and the response selectors, and keep their arrays."""
    return NluModel(
        IntentModel.from_pipeline(fit_pipeline(data)),
        {name: IntentModel.from_pipeline(item) for name, item in fit_selectors(data).items()},
        response_entities(data),
    )
