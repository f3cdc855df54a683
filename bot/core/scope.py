"""Tell when a message is about another country than the one the content pack covers."""

from collections.abc import Mapping
from functools import cache

from babel import Locale as BabelLocale

from bot.text import fold

# Babel names every territory in every language; only the three the bot speaks are read.
_LANGUAGES = ("fr", "en", "ar")
# Codes that are not countries (the world, the EU, test codes) or whose name is also a
# common word in a message: "la réunion" is a meeting, "jersey" a garment, "maurice" and
# "dominique" first names, "grenade" a fruit, "chili" a pepper.
_NOT_A_COUNTRY = frozenset(
    {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "RE", "JE", "MU", "CX", "DM", "GD", "CL"}
)
# Words for a country's people or its own administrative units, which name it as surely.
_OTHER_NAMES = {
    "algerien": "DZ",
    "algerienne": "DZ",
    "algeriens": "DZ",
    "senegalais": "SN",
    "senegalaise": "SN",
    "camerounais": "CM",
    "camerounaise": "CM",
    "marocain": "MA",
    "marocaine": "MA",
    "tunisien": "TN",
    "tunisienne": "TN",
    "ivoirien": "CI",
    "ivoirienne": "CI",
    "congolais": "CG",
    "congolaise": "CG",
    "malien": "ML",
    "malienne": "ML",
    "congo": "CG",
    "rdc": "CD",
    "algerian": "DZ",
    "senegalese": "SN",
    "cameroonian": "CM",
    "moroccan": "MA",
    "tunisian": "TN",
}
# Arabic writes "in" and "at" as letters joined to the name: "بالجزائر", "في الجزائر".
_ARABIC_PREFIXES = ("ب", "و", "ل", "وب")


@cache
def _names() -> dict[str, str]:
    """Return every folded country name (in French, English and Arabic) with its code."""
    names: dict[str, str] = {}
    for language in _LANGUAGES:
        for code, name in BabelLocale.parse(language).territories.items():
            if len(code) != 2 or not code.isalpha() or code in _NOT_A_COUNTRY:
                continue
            folded = fold(name)
            if not folded:
                continue
            names.setdefault(folded, code)
            if language == "ar" and folded.startswith("ال"):
                for prefix in _ARABIC_PREFIXES:
                    names.setdefault(prefix + folded, code)
    for word, code in _OTHER_NAMES.items():
        names.setdefault(word, code)
    return names


def countries_named(text: str, extra: Mapping[str, str] | None = None) -> list[str]:
    """Return the ISO codes of the countries a message names, in the order they appear.

    `extra` adds words of the other content packs ("Libreville", "wilaya") with their code.
    """
    words = fold(text).split()
    found: list[tuple[int, str]] = []
    names = _names()
    if extra:
        names = {**names, **{fold(word): code.upper() for word, code in extra.items()}}
    longest = max(name.count(" ") + 1 for name in names)
    for size in range(longest, 0, -1):
        for start in range(len(words) - size + 1):
            code = names.get(" ".join(words[start : start + size]))
            if code is not None and all(code != seen for _, seen in found):
                found.append((start, code))
    return [code for _, code in sorted(found)]


def foreign_country(text: str, home: str, extra: Mapping[str, str] | None = None) -> str | None:
    """Return the code of another country the message is about, unless it names home too."""
    named = countries_named(text, extra)
    if home.upper() in named:
        return None
    return named[0] if named else None


def country_name(code: str, locale: str) -> str:
    """Return a country's name in a language of the bot."""
    territories = BabelLocale.parse(locale).territories
    return str(territories.get(code.upper(), code.upper()))
