"""Cross-validate the embedded NLU and report its scores the way `rasa test nlu` does."""

import argparse
import dataclasses
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from nlu.embedded import CONFIDENCE_THRESHOLD, EmbeddedParser
from nlu.entities import IMPLIED_ENTITIES, EntityExtractor
from nlu.interface import NluParser
from nlu.parser import DEFAULT_DATA_DIR
from nlu.places import Places, load_country_data
from nlu.training import fit_intent_model
from nlu.training_data import Example, TrainingData, load_training_data

DEFAULT_FOLDS = 5
DEFAULT_SEED = 0

_EntityKey = tuple[str, str, int, int]


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall, F1 and support of one label or one average."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class LabelScores:
    """The scores of one intent or entity type."""

    name: str
    scores: Scores


@dataclass(frozen=True, slots=True)
class Confusion:
    """How often an intent was predicted as another one."""

    expected: str
    predicted: str
    count: int


@dataclass(frozen=True, slots=True)
class Mistake:
    """One misclassified example."""

    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True, slots=True)
class SelectionScores:
    """How well held-out questions of a retrieval intent found their own response."""

    retrieval_intent: str
    questions: int
    #: classified as the retrieval intent and given the right response ("ask_fact/ohada")
    right: int
    #: classified as the retrieval intent at all
    reached: int

    @property
    def accuracy(self) -> float:
        """Return the share of questions answered with their own response."""
        return self.right / self.questions if self.questions else 0.0

    @property
    def accuracy_when_reached(self) -> float:
        """Return the share of right responses among questions that reached the intent."""
        return self.right / self.reached if self.reached else 0.0


@dataclass(frozen=True)
class EvaluationReport:
    """The cross-validated quality of intent classification and entity extraction."""

    intents: tuple[LabelScores, ...]
    accuracy: float
    macro: Scores
    weighted: Scores
    confusions: tuple[Confusion, ...]
    mistakes: tuple[Mistake, ...]
    entities: tuple[LabelScores, ...]
    folds: int
    threshold: float
    selections: tuple[SelectionScores, ...] = ()

    def selection(self, retrieval_intent: str) -> SelectionScores:
        """Return the response selection scores of one retrieval intent."""
        return next(item for item in self.selections if item.retrieval_intent == retrieval_intent)

    def intent(self, name: str) -> Scores:
        """Return the scores of one intent."""
        return next(item.scores for item in self.intents if item.name == name)

    def format(self, confusions: int = 10) -> str:
        """Return an intent report table, the most confused pairs and the entity report."""
        lines = [
            f"Intent report ({self.folds}-fold cross-validation, threshold {self.threshold})",
            "",
            *_table(self.intents),
            "",
            f"{'accuracy':>{_WIDTH}} {'':>9} {'':>9} {self.accuracy:>9.2f} "
            f"{self.weighted.support:>9}",
            _row("macro avg", self.macro),
            _row("weighted avg", self.weighted),
            "",
            "Most confused intents (expected -> predicted: count)",
        ]
        shown = self.confusions[:confusions]
        lines.extend(f"  {item.expected} -> {item.predicted}: {item.count}" for item in shown)
        if not shown:
            lines.append("  none")
        for item in self.selections:
            lines.extend(
                [
                    "",
                    f"Response selection of {item.retrieval_intent} "
                    f"({item.questions} held-out questions)",
                    f"  right response: {item.accuracy:.2f} ({item.right}/{item.questions})",
                    f"  right response once classified {item.retrieval_intent}: "
                    f"{item.accuracy_when_reached:.2f} ({item.right}/{item.reached})",
                ]
            )
        if self.entities:
            lines.extend(["", "Entity report", "", *_table(self.entities)])
        return "\n".join(lines)


_WIDTH = 18


def _table(rows: Sequence[LabelScores]) -> list[str]:
    """Return the header and one line per label, as sklearn's classification_report does."""
    header = f"{'':>{_WIDTH}} {'precision':>9} {'recall':>9} {'f1-score':>9} {'support':>9}"
    return [header, "", *(_row(row.name, row.scores) for row in rows)]


def _row(name: str, scores: Scores) -> str:
    """Return one line of the report table."""
    return (
        f"{name:>{_WIDTH}} {scores.precision:>9.2f} {scores.recall:>9.2f} "
        f"{scores.f1:>9.2f} {scores.support:>9}"
    )


def cross_validate(
    data_dir: Path | None = None,
    folds: int = DEFAULT_FOLDS,
    *,
    threshold: float = CONFIDENCE_THRESHOLD,
    seed: int = DEFAULT_SEED,
    extra_examples: Sequence[tuple[str, str]] = (),
    extra_source: str = "extra examples",
    places: Places = (),
) -> EvaluationReport:
    """Train on k-1 folds, parse the held-out fold with the embedded parser, and score it."""
    data = load_country_data(
        data_dir or DEFAULT_DATA_DIR,
        extra_examples=extra_examples,
        extra_source=extra_source,
        places=places,
    )
    return cross_validate_data(data, folds, threshold=threshold, seed=seed)


def cross_validate_data(
    data: TrainingData,
    folds: int = DEFAULT_FOLDS,
    *,
    threshold: float = CONFIDENCE_THRESHOLD,
    seed: int = DEFAULT_SEED,
) -> EvaluationReport:
    """Cross-validate already loaded training data."""
    examples = data.examples
    # Stratified by response too, so that every fact has questions in every fold.
    strata = [example.response_key or example.intent for example in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted: list[str] = [""] * len(examples)
    selected: list[str | None] = [None] * len(examples)
    confidences: list[float] = [0.0] * len(examples)
    entity_counts: Counter[tuple[str, str]] = Counter()
    for train_index, test_index in splitter.split(examples, strata):
        train = dataclasses.replace(data, examples=tuple(examples[i] for i in train_index))
        parser = _train_parser(train, threshold)
        for index in test_index:
            result = parser.parse(examples[index].text)
            predicted[index] = result.intent
            chosen = result.selection()
            selected[index] = chosen.key if chosen is not None else None
            confidences[index] = result.confidence
            found = {(e.entity, e.value, e.start, e.end) for e in result.entities}
            _count_entities(_gold_entities(examples[index], data), found, entity_counts)
    report = _report(data, predicted, confidences, entity_counts, folds, threshold)
    return dataclasses.replace(report, selections=_selection_scores(data, predicted, selected))


def _selection_scores(
    data: TrainingData, predicted: list[str], selected: list[str | None]
) -> tuple[SelectionScores, ...]:
    """Score the held-out questions of each retrieval intent."""
    scores = []
    for name in data.retrieval_intents:
        rows = [
            (example, guess, choice)
            for example, guess, choice in zip(data.examples, predicted, selected, strict=True)
            if example.intent == name and example.response_key is not None
        ]
        reached = [row for row in rows if row[1] == name]
        right = [row for row in reached if row[2] == row[0].response_key]
        scores.append(SelectionScores(name, len(rows), len(right), len(reached)))
    return tuple(scores)


def _train_parser(train: TrainingData, threshold: float) -> EmbeddedParser:
    """Fit the production models on one training split."""
    return EmbeddedParser(
        fit_intent_model(train),
        EntityExtractor.from_training_data(train),
        threshold=threshold,
    )


def _gold_entities(example: Example, data: TrainingData) -> set[_EntityKey]:
    """Return the annotated entities of an example, with their implied ones."""
    gold = {(e.entity, data.resolve(e.value), e.start, e.end) for e in example.entities}
    for entity, value, start, end in list(gold):
        implied = IMPLIED_ENTITIES.get((entity, value))
        if implied is not None and not any(g[0] == implied[0] for g in gold):
            gold.add((implied[0], implied[1], start, end))
    return gold


def _count_entities(
    gold: set[_EntityKey], found: set[_EntityKey], counts: Counter[tuple[str, str]]
) -> None:
    """Add true positives, false positives and false negatives per entity type."""
    for key in found & gold:
        counts[key[0], "tp"] += 1
    for key in found - gold:
        counts[key[0], "fp"] += 1
    for key in gold - found:
        counts[key[0], "fn"] += 1


def _report(
    data: TrainingData,
    predicted: list[str],
    confidences: list[float],
    entity_counts: Counter[tuple[str, str]],
    folds: int,
    threshold: float,
) -> EvaluationReport:
    """Compute the scores of the predictions."""
    expected = data.labels
    names = sorted(set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=names, zero_division=0
    )
    intents = tuple(
        LabelScores(name, Scores(float(p), float(r), float(f), int(s)))
        for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
    )
    averages = {}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            expected, predicted, labels=names, average=average, zero_division=0
        )
        averages[average] = Scores(float(p), float(r), float(f), len(expected))
    pairs = Counter(
        (truth, guess) for truth, guess in zip(expected, predicted, strict=True) if truth != guess
    )
    confusions = tuple(
        Confusion(truth, guess, count)
        for (truth, guess), count in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    )
    mistakes = tuple(
        Mistake(example.text, example.intent, guess, confidence)
        for example, guess, confidence in zip(data.examples, predicted, confidences, strict=True)
        if example.intent != guess
    )
    return EvaluationReport(
        intents=intents,
        accuracy=float(accuracy_score(expected, predicted)),
        macro=averages["macro"],
        weighted=averages["weighted"],
        confusions=confusions,
        mistakes=mistakes,
        entities=_entity_scores(entity_counts),
        folds=folds,
        threshold=threshold,
    )


def _entity_scores(counts: Counter[tuple[str, str]]) -> tuple[LabelScores, ...]:
    """Turn per-type true/false positive and false negative counts into scores."""
    rows = []
    for name in sorted({entity for entity, _ in counts}):
        tp, fp, fn = counts[name, "tp"], counts[name, "fp"], counts[name, "fn"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(LabelScores(name, Scores(precision, recall, f1, tp + fn)))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class Latency:
    """Per-parse latency over a loop of messages, in milliseconds."""

    p50: float
    p99: float
    parses: int


def measure_latency(parser: NluParser, texts: Sequence[str], repeat: int = 20) -> Latency:
    """Parse every text repeat times and return the median and 99th percentile latency."""
    timings: list[float] = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            parser.parse(text)
            timings.append((time.perf_counter() - started) * 1000.0)
    centiles = statistics.quantiles(timings, n=100)
    return Latency(p50=statistics.median(timings), p99=centiles[98], parses=len(timings))


def main(argv: Sequence[str] | None = None) -> None:
    """Print the cross-validation report, and optionally the mistakes and the latency."""
    arguments = argparse.ArgumentParser(prog="python -m nlu.evaluate", description=__doc__)
    arguments.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    arguments.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    arguments.add_argument("--threshold", type=float, default=CONFIDENCE_THRESHOLD)
    arguments.add_argument("--mistakes", action="store_true", help="list misclassified examples")
    arguments.add_argument("--latency", action="store_true", help="time the full parser")
    options = arguments.parse_args(argv)
    report = cross_validate(options.data_dir, options.folds, threshold=options.threshold)
    print(report.format())
    if options.mistakes:
        print("\nMisclassified examples (expected -> predicted, confidence)")
        for mistake in report.mistakes:
            print(
                f"  {mistake.expected} -> {mistake.predicted} ({mistake.confidence:.2f}): "
                f"{mistake.text}"
            )
    if options.latency:
        started = time.perf_counter()
        parser = EmbeddedParser.load(options.data_dir, cache_dir=None)
        trained = time.perf_counter() - started
        texts = load_training_data(options.data_dir).texts
        latency = measure_latency(parser, texts, repeat=3)
        print(
            f"\nLatency over {latency.parses} parses: p50 {latency.p50:.3f} ms, "
            f"p99 {latency.p99:.3f} ms (load and train: {trained:.2f} s)"
        )


if __name__ == "__main__":
    main()
