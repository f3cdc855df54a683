"""Reading what people type: accents, SMS spelling, numbers."""

import re
import unicodedata

_NUMBER = re.compile(r"\d[\d\s.\u00a0\u202f]*")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(text: str) -> str:
    """Lower-case, drop accents and punctuation, squeeze spaces ("Arrêt !" -> "arret")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_ARABIC_DIGITS))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[^\W_]+", letters))


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
