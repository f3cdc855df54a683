"""Tell which of the bot's languages a message is written in, or that it cannot be told.

Arabic script is Arabic whatever the variety (Modern Standard or Darija). Latin letters are
French, English, or Darija written with Latin letters and digits ("Arabizi": "kifach ndir
jam3iya"), which is answered in Arabic. French and English are told apart by Lingua,
restricted to the two; a message too short to be sure of ("ok", "1", "menu") is not
classified at all, so that it never flips the language of a conversation.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.domain import Locale
from nlu.normalization import fold, is_arabizi

# Below this confidence between French and English, the message is not classified.
MIN_CONFIDENCE = 0.75
# A single word is classified only when it is long and unmistakable ("bonjour", "thanks").
MIN_SINGLE_WORD_LETTERS = 5
MIN_SINGLE_WORD_CONFIDENCE = 0.9

# The commonest little words of each language. Lingua weighs letter sequences, and the
# French-looking words of a short English message ("register my organisation") can outweigh
# its English ones; two more of one language's little words than of the other's settle it.
_ENGLISH_WORDS = """
    i you my me we our is are am do does the a an to of for and with what how where which
    when can could would please want need like about this that it okay thanks thank hello
    hi yes no
"""
_FRENCH_WORDS = """
    je j tu vous nous mon ma mes notre nos est sont le la les l un une des du de et pour
    avec quel quelle quels comment ou que qui svp stp cmt jveux veux voudrais c ce cette il
    merci bonjour bonsoir salut oui non
"""
_FUNCTION_WORDS = {
    Locale.EN: frozenset(_ENGLISH_WORDS.split()),
    Locale.FR: frozenset(_FRENCH_WORDS.split()),
}
_FUNCTION_WORD_LEAD = 2

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[a-zà-ÿ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


class Variety(StrEnum):
    """The ways of writing the NLU and the evaluation tell apart."""

    FRENCH = "fr"
    ENGLISH = "en"
    ARABIC = "ar"
    DARIJA_ARABIC = "darija-arabic"
    DARIJA_LATIN = "darija-latin"


@dataclass(frozen=True, slots=True)
class WrittenLanguage:
    """The language a message is written in, and the locale to answer it in."""

    locale: Locale
    confidence: float
    arabizi: bool = False


@cache
def _detector() -> LanguageDetector:
    # Built once; the models are loaded now rather than on the first message.
    return (
        LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
        .with_preloaded_language_models()
        .build()
    )


def load_language_models() -> None:
    """Load the detector's models now: a server does it before taking messages, rather than
    holding up the first message that needs them (most of a second, all other work waiting)."""
    _detector()


def detect_language(text: str) -> WrittenLanguage | None:
    """Return the language of a message, or None when it is too short or unclear to tell."""
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic >= 2 and arabic >= latin:
        return WrittenLanguage(Locale.AR, 1.0)
    words = [word for word in _WORD.findall(fold(text)) if any(c.isalpha() for c in word)]
    if not words:
        return None
    if is_arabizi(words):
        return WrittenLanguage(Locale.AR, 1.0, arabizi=True)
    english = sum(word in _FUNCTION_WORDS[Locale.EN] for word in words)
    french = sum(word in _FUNCTION_WORDS[Locale.FR] for word in words)
    if abs(english - french) >= _FUNCTION_WORD_LEAD:
        return WrittenLanguage(Locale.EN if english > french else Locale.FR, 1.0)
    letters = sum(len(word) for word in words)
    if len(words) == 1 and letters < MIN_SINGLE_WORD_LETTERS:
        return None
    # A long greeting or thanks alone ("bonjour", "hello", "merci") is one language's word;
    # asking Lingua would also load its models, most of a second, for the commonest opener.
    if len(words) == 1 and english != french:
        return WrittenLanguage(Locale.EN if english else Locale.FR, 1.0)
    values = _detector().compute_language_confidence_values(text)
    best = values[0]
    needed = MIN_CONFIDENCE if len(words) > 1 else MIN_SINGLE_WORD_CONFIDENCE
    if best.value < needed:
        return None
    locale = Locale.FR if best.language == Language.FRENCH else Locale.EN
    return WrittenLanguage(locale, float(best.value))
