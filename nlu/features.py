"""The intent classifier's features: character n-grams inside words plus word n-grams.

Written without scikit-learn so that predicting from a cached model needs numpy only; the
same analyzer is given to scikit-learn's vectoriser at training time, and a test checks it
produces exactly what scikit-learn's own `char_wb` and `word` analyzers produce.
"""

import re

# scikit-learn's defaults for the two analyzers this one stands for.
_WHITE_SPACES = re.compile(r"\s\s+")
# One-letter words carry meaning in SMS French: "c", "j", "1".
WORD_PATTERN = re.compile(r"(?u)\b\w+\b")
# Word n-grams share the vectoriser with character n-grams under this prefix; normalised text
# holds no ":" so no character n-gram can look like one.
WORD_PREFIX = "w:"


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Return the character n-grams of each word padded with one space on each side."""
    low, high = ngram_range
    ngrams: list[str] = []
    append = ngrams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for size in range(low, high + 1):
            offset = 0
            append(padded[offset : offset + size])
            while offset + size < length:
                offset += 1
                append(padded[offset : offset + size])
            if offset == 0:  # a word shorter than the n-gram is counted once
                break
    return ngrams


def word_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Return the word n-grams of text, words joined by one space."""
    low, high = ngram_range
    words = WORD_PATTERN.findall(text)
    if high == 1:
        return words
    grams = list(words) if low == 1 else []
    for size in range(max(low, 2), min(high + 1, len(words) + 1)):
        last = len(words) - size + 1
        grams.extend(" ".join(words[index : index + size]) for index in range(last))
    return grams


class CombinedAnalyzer:
    """Produce character n-grams inside word boundaries and word n-grams for one vectoriser."""

    def __init__(
        self,
        char_range: tuple[int, int] = (2, 5),
        word_range: tuple[int, int] = (1, 2),
    ) -> None:
        # One vectoriser instead of a FeatureUnion of two halves the per-message overhead of
        # scikit-learn's input validation, which dominates the cost of a single prediction.
        self.char_range = char_range
        self.word_range = word_range

    def __call__(self, text: str) -> list[str]:
        """Return the features of an already normalised text."""
        return [
            *char_wb_ngrams(text, self.char_range),
            *(WORD_PREFIX + gram for gram in word_ngrams(text, self.word_range)),
        ]
