"""Fold and tokenise user text the same way for training, classification and entity matching."""

import re
from dataclasses import dataclass

from bot.text import strip_accents

# A word is letters or digits, with the combining marks of decomposed input (Latin accents,
# Arabic short vowels) kept inside it so that offsets still point at whole words.
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670])*")
_REPEATS = re.compile(r"(.)\1{2,}")

# Letters that users write in several ways for the same word: ligatures in French, the
# alif maqsura and the tatweel elongation in Arabic.
_LETTER_VARIANTS = str.maketrans({"œ": "oe", "æ": "ae", "ى": "ي", "ـ": None})

# SMS spellings and contractions mapped to the plain words, so that "cmt" and "comment" are
# one feature for the classifier. Only whole folded words are replaced.
SMS_WORDS: dict[str, str] = {
    "auj": "aujourd hui",
    "bcp": "beaucoup",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "c": "c est",
    "cb": "combien",
    "cbn": "combien",
    "cest": "c est",
    "chui": "je suis",
    "cmb": "combien",
    "cmnt": "comment",
    "cmt": "comment",
    "dac": "d accord",
    "daccord": "d accord",
    "dc": "donc",
    "ds": "dans",
    "dsl": "desole",
    "jai": "j ai",
    "jaimerais": "j aimerais",
    "jsp": "je sais pas",
    "jsuis": "je suis",
    "jveu": "je veux",
    "jveux": "je veux",
    "jvx": "je veux",
    "kan": "quand",
    "kand": "quand",
    "ke": "que",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "kelkun": "quelqu un",
    "keske": "qu est ce que",
    "ki": "qui",
    "koi": "quoi",
    "kom": "comment",
    "koman": "comment",
    "kwa": "quoi",
    "mci": "merci",
    "moa": "moi",
    "mrc": "merci",
    "msg": "message",
    "mwa": "moi",
    "nn": "non",
    "ns": "nous",
    "pk": "pourquoi",
    "pkoi": "pourquoi",
    "pq": "pourquoi",
    "pr": "pour",
    "qd": "quand",
    "qqn": "quelqu un",
    "rdv": "rendez vous",
    "slt": "salut",
    "stp": "s il te plait",
    "svp": "s il vous plait",
    "tjr": "toujours",
    "tjrs": "toujours",
    "tps": "temps",
    "tt": "tout",
    "vs": "vous",
    "vx": "veux",
    "wi": "oui",
    "ya": "il y a",
}

# "a+" is French SMS for "à plus"; the sign would otherwise vanish with the punctuation.
_SYMBOLS = str.maketrans({"+": " plus "})


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text, with its folded form and its character offsets."""

    text: str
    folded: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase text, strip Latin accents and Arabic diacritics, and unify letter variants."""
    return strip_accents(text).casefold().translate(_LETTER_VARIANTS)


def tokenize(text: str) -> list[Token]:
    """Split text into words carrying their folded form and their offsets in text."""
    return [
        Token(match.group(), fold(match.group()), match.start(), match.end())
        for match in _TOKEN.finditer(text)
    ]


def normalize_phrase(text: str) -> str:
    """Return the folded words of text joined by single spaces, the key of every lookup."""
    return " ".join(token.folded for token in tokenize(text))


def normalize_text(text: str) -> str:
    """Return the form of text the intent classifier sees: folded words, no punctuation."""
    words = [token.folded for token in tokenize(text.translate(_SYMBOLS))]
    plain = " ".join(
        _expand(word, words[index - 1] if index else "", words[index + 1 : index + 2])
        for index, word in enumerate(words)
    )
    # "merciiii" and "nooon" are the same words as "merci" and "non" said louder.
    return _REPEATS.sub(r"\1\1", plain)


def _expand(word: str, previous: str, following: list[str]) -> str:
    """Return the plain words for an SMS spelling unless its neighbours already spell them out."""
    expansion = SMS_WORDS.get(word)
    if expansion is None:
        return word
    # "c" alone is "c'est", but in "c'est" the "est" is already there; so is "il" in "il ya".
    if following and expansion.endswith(" " + following[0]):
        return word
    if previous and expansion.startswith(previous + " "):
        return expansion.removeprefix(previous + " ")
    return expansion


def has_letters(text: str) -> bool:
    """Tell whether text contains at least one letter of any script."""
    return any(char.isalpha() for char in text)
