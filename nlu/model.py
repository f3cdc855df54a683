"""The trained intent classifier as plain arrays: TF-IDF weights, a linear SVM, a temperature.

scikit-learn fits the model (`nlu.training`); predicting needs only these arrays and numpy,
so a process that finds the model in its cache starts without importing scikit-learn and
SciPy (most of the start-up time of `relais chat` otherwise). The file is an `.npz` archive
read with `allow_pickle=False`: a cache file cannot run code.
"""

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from nlu.features import CombinedAnalyzer
from nlu.result import IntentScore

RANKING_LENGTH = 10
# sklearn.calibration._convert_to_logits: probabilities given to the calibrator become logs.
_PROBABILITY_EPS = 1e-12


class IntentModel:
    """A trained intent classifier that ranks intents for one normalised text."""

    def __init__(
        self,
        *,
        terms: Sequence[str],
        idf: Any,
        coef: Any,
        intercept: Any,
        beta: float,
        classes: Sequence[str],
        analyzer: CombinedAnalyzer | None = None,
    ) -> None:
        self.terms = tuple(terms)
        self.vocabulary = {term: index for index, term in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.beta = float(beta)
        self.classes: tuple[str, ...] = tuple(str(name) for name in classes)
        self.analyzer = analyzer or CombinedAnalyzer()
        if self.coef.shape[1] != len(self.terms) or self.idf.shape != (len(self.terms),):
            msg = "the model's arrays do not match its vocabulary"
            raise ValueError(msg)

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> "IntentModel":
        """Take the arrays out of a fitted `nlu.training.build_pipeline` pipeline."""
        vectorizer = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_
        if len(calibrated) != 1 or getattr(calibrated[0], "method", None) != "temperature":
            msg = "the intent classifier must be temperature-calibrated without ensembling"
            raise ValueError(msg)
        [calibrator] = calibrated[0].calibrators
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        svm = calibrated[0].estimator
        return cls(
            terms=terms,
            idf=vectorizer.idf_,
            coef=svm.coef_,
            intercept=svm.intercept_,
            beta=float(np.asarray(calibrator.beta_)),
            classes=calibrated[0].classes,
            analyzer=vectorizer.analyzer,
        )

    def features(self, text: str) -> tuple[Any, Any]:
        """Return the column indices and L2-normalised sublinear TF-IDF weights of a text."""
        counts = Counter(
            index for index in map(self.vocabulary.get, self.analyzer(text)) if index is not None
        )
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        weights = np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1
        weights *= self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        if norm > 0:
            weights /= norm
        return columns, weights

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Return an array of class probabilities, one row per normalised text."""
        margins = np.empty((len(texts), self.coef.shape[0]))
        for row, text in enumerate(texts):
            columns, weights = self.features(text)
            margins[row] = self.coef[:, columns] @ weights + self.intercept
        return _softmax(self.beta * _logits(margins))

    def rank(self, text: str, length: int = RANKING_LENGTH) -> list[IntentScore]:
        """Return the best intents for one normalised text, most likely first."""
        row = self.probabilities([text])[0]
        order = np.argsort(row)[::-1][:length]
        return [IntentScore(self.classes[index], float(row[index])) for index in order]

    def arrays(self, prefix: str = "") -> dict[str, Any]:
        """Return the model's arrays, their names prefixed (several models share one file)."""
        return {
            f"{prefix}terms": np.array(self.terms, dtype=str),
            f"{prefix}idf": self.idf,
            f"{prefix}coef": self.coef,
            f"{prefix}intercept": self.intercept,
            f"{prefix}beta": np.array(self.beta),
            f"{prefix}classes": np.array(self.classes, dtype=str),
            f"{prefix}ranges": np.array([*self.analyzer.char_range, *self.analyzer.word_range]),
        }

    @classmethod
    def from_arrays(cls, stored: Any, prefix: str = "") -> "IntentModel":
        """Rebuild a model from the arrays `arrays` named."""
        char_low, char_high, word_low, word_high = (int(v) for v in stored[f"{prefix}ranges"])
        return IntentModel(
            terms=stored[f"{prefix}terms"].tolist(),
            idf=stored[f"{prefix}idf"],
            coef=stored[f"{prefix}coef"],
            intercept=stored[f"{prefix}intercept"],
            beta=float(stored[f"{prefix}beta"]),
            classes=stored[f"{prefix}classes"].tolist(),
            analyzer=CombinedAnalyzer((char_low, char_high), (word_low, word_high)),
        )

    def save(self, handle: IO[bytes], key: str) -> None:
        """Write the model and the cache key it was trained for."""
        np.savez(handle, key=np.array(key), **self.arrays())

    @classmethod
    def load(cls, path: Path, key: str) -> "IntentModel | None":
        """Return the model stored at path, or None when it was trained for another key."""
        # Opened here rather than by numpy, which leaves a truncated archive's file open.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            return cls.from_arrays(stored)


def _logits(margins: Any) -> Any:
    """Do what scikit-learn's temperature calibrator does to its input before scaling."""
    if margins.shape[1] == 1:  # a two-intent SVM has one margin: (-x, x)
        return np.concatenate([-margins, margins], axis=1)
    looks_like_probabilities = bool(np.all((margins >= 0) & (margins <= 1))) and bool(
        np.all(np.isclose(margins.sum(axis=1), 1.0))
    )
    return np.log(margins + _PROBABILITY_EPS) if looks_like_probabilities else margins


def _softmax(values: Any) -> Any:
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
