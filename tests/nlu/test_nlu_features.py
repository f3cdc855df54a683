"""The analyzer the model is trained and predicts with is scikit-learn's, rewritten."""

import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.features import CombinedAnalyzer, char_wb_ngrams, word_ngrams
from nlu.normalization import normalize_text
from nlu.training_data import TrainingData

ODD_TEXTS = [
    "",
    " ",
    "a",
    "c  koi   1 asso",
    "créer\tune\nassociation",
    "ثم كيف أسجل جمعية",
    "l'ong d'aide aux enfants",
    "un deux trois quatre cinq six",
    "x" * 40,
]


@pytest.mark.parametrize(
    ("char_range", "word_range"), [((2, 5), (1, 2)), ((1, 3), (1, 1)), ((3, 3), (2, 3))]
)
def test_the_ngrams_are_scikit_learns(
    training_data: TrainingData, char_range: tuple[int, int], word_range: tuple[int, int]
) -> None:
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=char_range, lowercase=False
    ).build_analyzer()
    words = TfidfVectorizer(
        analyzer="word", ngram_range=word_range, lowercase=False, token_pattern=r"(?u)\b\w+\b"
    ).build_analyzer()
    texts = [normalize_text(text) for text in training_data.texts] + ODD_TEXTS

    for text in texts:
        assert char_wb_ngrams(text, char_range) == chars(text), text
        assert word_ngrams(text, word_range) == words(text), text


def test_word_features_are_prefixed_apart_from_characters() -> None:
    features = CombinedAnalyzer()("cmt creer")

    assert "w:cmt creer" in features and "w:cmt" in features and " cm" in features


def test_a_cached_model_is_used_without_importing_scikit_learn(
    small_data_dir: Path, tmp_path: Path
) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nlu import load_parser\n"
        f"parser = load_parser(data_dir=Path({str(small_data_dir)!r}), "
        f"cache_dir=Path({str(tmp_path)!r}))\n"
        "print(parser.parse('bonsoir').intent, 'sklearn' in sys.modules, 'scipy' in sys.modules)\n"
    )
    first = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert first.stdout.split() == ["greet", "True", "True"]  # trained: scikit-learn needed
    assert second.stdout.split() == ["greet", "False", "False"]
