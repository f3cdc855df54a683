"""Fitting the intent classifier with scikit-learn (imported only when a model is trained)."""

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


def fit_pipeline(data: TrainingData) -> Pipeline:
    """Fit the scikit-learn pipeline on every example of data."""
    labels = data.labels
    pipeline = build_pipeline(calibration_folds_for(labels))
    started = time.perf_counter()
    pipeline.fit([normalize_text(text) for text in data.texts], labels)
    logger.info(
        "trained the intent classifier on %d examples in %.2f s",
        len(labels),
        time.perf_counter() - started,
    )
    return pipeline


def fit_intent_model(data: TrainingData) -> IntentModel:
    """Fit the intent classifier on every example of data and keep its arrays."""
    return IntentModel.from_pipeline(fit_pipeline(data))
