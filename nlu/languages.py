"""Score the NLU language by language: French, English, Arabic, and Darija in both scripts.

Two measures: the cross-validation of `nlu.evaluate` broken down by the language of each
example, and a held-out set (`nlu/test/<language>.yml`) of phrasings the model is never
trained on, one file per language.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from nlu.embedded import CONFIDENCE_THRESHOLD, EmbeddedParser
from nlu.evaluate import EvaluationReport
from nlu.language import Variety, detect_language
from nlu.normalization import normalize_text
from nlu.parser import DEFAULT_DATA_DIR
from nlu.places import Places, load_country_data
from nlu.training_data import Example, TrainingData, TrainingDataError, load_training_data

DEFAULT_TEST_DIR = DEFAULT_DATA_DIR.parent / "test"
# Training files written in one language; the others are French with a few of the rest.
_FILE_VARIETIES = {
    "en": Variety.ENGLISH,
    "ar": Variety.ARABIC,
    "darija_arabic": Variety.DARIJA_ARABIC,
    "darija_latin": Variety.DARIJA_LATIN,
}


@dataclass(frozen=True, slots=True)
class LanguageScores:
    """How well the intents of one language's examples were found."""

    language: str
    examples: int
    accuracy: float
    f1: float


@dataclass(frozen=True)
class LanguageReport:
    """The scores of every language, and of all of them together."""

    title: str
    languages: tuple[LanguageScores, ...]
    overall: LanguageScores

    def language(self, name: str) -> LanguageScores:
        """Return the scores of one language."""
        return next(row for row in self.languages if row.language == name)

    def format(self) -> str:
        """Return the report as a table."""
        lines = [self.title, "", f"{'language':>14} {'examples':>9} {'accuracy':>9} {'f1':>9}"]
        for row in (*self.languages, self.overall):
            lines.append(
                f"{row.language:>14} {row.examples:>9} {row.accuracy:>9.2f} {row.f1:>9.2f}"
            )
        return "\n".join(lines)


def variety_of(example: Example) -> Variety:
    """Tell the language an example is written in, from its file or else from its text."""
    stem = Path(example.source.split(":", 1)[0]).stem
    if stem in _FILE_VARIETIES:
        return _FILE_VARIETIES[stem]
    try:
        return Variety(stem.replace("_", "-"))
    except ValueError:
        pass
    written = detect_language(example.text)
    if written is None:
        return Variety.FRENCH
    if written.arabizi:
        return Variety.DARIJA_LATIN
    return {"fr": Variety.FRENCH, "en": Variety.ENGLISH}.get(written.locale.value, Variety.ARABIC)


def score_by_language(
    title: str, examples: Sequence[Example], predicted: Sequence[str]
) -> LanguageReport:
    """Group predictions by the language of their example and score each group."""
    groups: dict[Variety, tuple[list[str], list[str]]] = {}
    for example, guess in zip(examples, predicted, strict=True):
        expected, found = groups.setdefault(variety_of(example), ([], []))
        expected.append(example.intent)
        found.append(guess)
    rows = tuple(
        _scores(variety.value, *groups[variety]) for variety in Variety if variety in groups
    )
    overall = _scores("all", [e.intent for e in examples], list(predicted))
    return LanguageReport(title, rows, overall)


def _scores(name: str, expected: list[str], predicted: list[str]) -> LanguageScores:
    return LanguageScores(
        name,
        len(expected),
        float(accuracy_score(expected, predicted)),
        float(f1_score(expected, predicted, average="weighted", zero_division=0)),
    )


def cross_validation_by_language(data: TrainingData, report: EvaluationReport) -> LanguageReport:
    """Break a cross-validation report down by language, from its list of mistakes."""
    wrong = {mistake.text: mistake.predicted for mistake in report.mistakes}
    predicted = [wrong.get(example.text, example.intent) for example in data.examples]
    title = f"Intents per language ({report.folds}-fold cross-validation, weighted f1)"
    return score_by_language(title, data.examples, predicted)


def held_out_by_language(
    data_dir: Path | None = None,
    test_dir: Path | None = None,
    *,
    threshold: float = CONFIDENCE_THRESHOLD,
    extra_examples: Sequence[tuple[str, str]] = (),
    extra_source: str = "extra examples",
    places: Places = (),
) -> LanguageReport:
    """Train on all the training data and score the held-out phrasings, never trained on."""
    data = load_country_data(
        data_dir or DEFAULT_DATA_DIR,
        extra_examples=extra_examples,
        extra_source=extra_source,
        places=places,
    )
    test_dir = test_dir or DEFAULT_TEST_DIR
    held_out = load_training_data(test_dir)
    seen = {normalize_text(text) for text in data.texts}
    repeated = [e for e in held_out.examples if normalize_text(e.text) in seen]
    if repeated:
        errors = [f"{e.source}: {e.text!r} is also a training example" for e in repeated]
        raise TrainingDataError(errors)
    parser = EmbeddedParser.from_training_data(data, cache_dir=None, threshold=threshold)
    predicted = [parser.parse(example.text).intent for example in held_out.examples]
    title = f"Intents per language (held out: {test_dir.name}/, never trained on)"
    return score_by_language(title, held_out.examples, predicted)
