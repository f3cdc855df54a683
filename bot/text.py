"""Reading what people type: accents, punctuation, numbers; the one place text is folded."""

import re
import unicodedata

# A number stands apart from letters: in Darija written with Latin letters, digits are
# letters ("ta3awoniya"), not a count.
_NUMBER = re.compile(r"(?<![^\W\d_])\d[\d\s.\u00a0\u202f]*(?![^\W\d_])")
# NUL and the other C0 controls but tab and newlines, and lone UTF-16 surrogates: no database or
# encoder takes them, and no person types them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def clean(text: str) -> str:
    """Remove what cannot be stored or sent back: NUL, control characters, lone surrogates."""
    return _UNPRINTABLE.sub("", text)


def strip_accents(text: str) -> str:
    """Drop the combining marks of a text: Latin accents, Arabic diacritics ("é" -> "e")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str, *, keep: str = "") -> str:
    """Lower-case, drop accents and punctuation, squeeze spaces ("Arrêt !" -> "arret").

    Characters in `keep` count as letters (":" keeps "9:30" whole for schedules).
    """
    letters = strip_accents(text.casefold().translate(_ARABIC_DIGITS))
    word = rf"(?:[^\W_]|[{re.escape(keep)}])" if keep else r"[^\W_]"
    return " ".join(re.findall(f"{word}+", letters))


def first_integer(text: str) -> int | None:
    """Find the first whole number in a message ("nous sommes 12" -> 12, "1 500" -> 1500)."""
    match = _NUMBER.search(text.translate(_ARABIC_DIGITS))
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits and len(digits) <= 9 else None


def has_letters(text: str) -> bool:
    """Tell whether a text contains at least one letter (of any script)."""
    return any(char.isalpha() for char in text)


def squeeze(text: str) -> str:
    """Collapse runs of white space and trim."""
    return " ".join(text.split())
