"""Reading a typed answer to a consultation question, with the bot's usual tolerance.

An option is read from its number ("2", "deux", "٢"), its words with typos ("telephonne"),
in any of the consultation's languages; several options from a list ("1, 3", "statuts et
liste"); a number or a rating in digits or in words ("trois", "three", "ثلاثة").
"""

import re

from rapidfuzz import fuzz, process

from bot.core.consultation_texts import pick
from bot.core.i18n import _
from bot.domain import Locale, QuestionKind
from bot.storage.models import ConsultationAnswer, ConsultationQuestion
from bot.text import fold, read_count

# How close typed words must be to an option's label (rapidfuzz's 0-100 WRatio).
OPTION_MATCH_SCORE = 80
SKIP_WORDS = frozenset(
    fold(word)
    for word in [
        "passer", "passe", "je passe", "suivant", "suivante", "skip", "next", "pass",
        "pas de commentaire", "sans commentaire", "aucun commentaire", "rien", "sans avis",
        "no comment", "nothing", "تخطي", "التالي", "لا تعليق", "بدون تعليق", "تجاوز",
    ]
)  # fmt: skip
DONE_WORDS = frozenset(
    fold(word)
    for word in ["valider", "valide", "ok", "c'est tout", "fini", "done", "confirm", "تأكيد", "تم"]
)
# "1, 3", "1 et 3", "statuts + liste", "١ و ٣".
_LIST_SEPARATORS = re.compile(r"\s*(?:[,;+/&،]|\bet\b|\band\b|\bو\b)\s*", re.IGNORECASE)


class OutOfRange(ValueError):
    """A number outside the question's bounds."""


def is_skip(text: str) -> bool:
    """Tell whether the person passes on the question ("passer", "skip", "تخطي")."""
    return fold(text) in SKIP_WORDS


def is_done(text: str) -> bool:
    """Tell whether the person validates the options ticked ("valider", "ok", "تم")."""
    return fold(text) in DONE_WORDS


def read_option(question: ConsultationQuestion, text: str) -> str | None:
    """Return the key of the option a text names, by number or by its words."""
    options = question.options
    number = read_count(text) if len(fold(text).split()) <= 2 else None
    if number is not None and 1 <= number <= len(options):
        return str(options[number - 1]["key"])
    folded = fold(text)
    if not folded:
        return None
    labels: dict[str, str] = {}
    for option in options:
        for label in option["label"].values():
            labels[fold(label)] = str(option["key"])
    found = process.extractOne(folded, list(labels), scorer=fuzz.WRatio)
    if found is None or found[1] < OPTION_MATCH_SCORE:
        return None
    return labels[found[0]]


def read_options(question: ConsultationQuestion, text: str) -> list[str] | None:
    """Return the keys of the options a text names; None unless every piece names one."""
    pieces = [piece for piece in _LIST_SEPARATORS.split(text.strip()) if piece.strip()]
    words = text.split()
    if len(pieces) == 1 and len(words) > 1 and all(read_count(word) for word in words):
        pieces = words  # "1 3"
    keys: list[str] = []
    for piece in pieces:
        key = read_option(question, piece)
        if key is None:
            whole = read_option(question, text)  # a label with "et" in it
            return [whole] if whole is not None else None
        if key not in keys:
            keys.append(key)
    return keys or None


def read_number(question: ConsultationQuestion, text: str) -> int | None:
    """Return the number typed, None if there is none; OutOfRange when outside the bounds."""
    number = read_count(text)
    if number is None:
        return None
    low, high = question.min_value, question.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise OutOfRange(str(number))
    return number


def describe(
    question: ConsultationQuestion, answer: ConsultationAnswer | None, locale: Locale
) -> str:
    """Write an answer for the summary, in the consultation's language."""
    if answer is None:
        return "—"
    if answer.skipped:
        return _("(passée)")
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        labels = {str(option["key"]): pick(option["label"], locale) for option in question.options}
        return ", ".join(labels.get(key, key) for key in answer.choices) or "—"
    if question.kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        return str(answer.number) if answer.number is not None else "—"
    text = answer.text or ""
    return text if len(text) <= 60 else text[:59] + "…"
