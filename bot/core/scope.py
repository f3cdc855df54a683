"""Tell when a message is about another country than the one the content pack covers."""

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale as BabelLocale

from bot.settings import DATA_ROOT
from bot.text import fold

# Cities abroad by country ("je suis à Paris", "from Douala"): data, not code.
CITIES_FILE = DATA_ROOT / "content" / "cities.yml"

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
    for folded, (code, _city) in _cities().items():
        names.setdefault(folded, code)
    return names


@cache
def _cities_document(path: Path = CITIES_FILE) -> dict[str, Any]:
    """Return the cities file as read, parsed once with the C parser (it is read at start)."""
    if not path.is_file():
        return {}
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return document if isinstance(document, dict) else {}


@cache
def _cities(path: Path = CITIES_FILE) -> dict[str, tuple[str, str]]:
    """Return every folded city name of the cities file with its country code and spelling."""
    document = _cities_document(path)
    cities: dict[str, tuple[str, str]] = {}
    for code, names in (document.get("cities") or {}).items():
        for name in names:
            folded = fold(str(name))
            cities.setdefault(folded, (str(code).upper(), str(name)))
            if folded[:1] and "\u0600" <= folded[0] <= "\u06ff":
                for prefix in _ARABIC_PREFIXES:  # "بباريس", "في وهران"
                    cities.setdefault(prefix + folded, (str(code).upper(), str(name)))
    return cities


@cache
def _non_places(path: Path = CITIES_FILE) -> tuple[tuple[str, ...], ...]:
    """Return the folded phrases in which a place's name names no place ("دعم مالي")."""
    document = _cities_document(path)
    phrases = {tuple(fold(str(item)).split()) for item in document.get("not_places") or []}
    return tuple(sorted((p for p in phrases if p), key=len, reverse=True))


def _without_non_places(words: list[str]) -> list[str]:
    """Blank out the phrases that only look like places, keeping the other words' positions."""
    kept = list(words)
    for phrase in _non_places():
        size = len(phrase)
        for start in range(len(kept) - size + 1):
            if tuple(kept[start : start + size]) == phrase:
                kept[start : start + size] = [""] * size
    return kept


def foreign_city(text: str, home: str, extra: Mapping[str, str] | None = None) -> str | None:
    """Return the city abroad a message names ("Paris"), as the cities file spells it."""
    if foreign_country(text, home, extra) is None:
        return None
    words = _without_non_places(fold(text).split())
    cities = _cities()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            found = cities.get(" ".join(words[start : start + size]))
            if found is not None and found[0] != home.upper():
                return found[1]
    return None


def countries_named(text: str, extra: Mapping[str, str] | None = None) -> list[str]:
    """Return the ISO codes of the countries a message names, in the order they appear.

    `extra` adds words of the other content packs ("Libreville", "wilaya") with their code.
    """
    words = _without_non_places(fold(text).split())
    found: list[tuple[int, str]] = []
    names, longest = _names_with(extra or {})
    for size in range(longest, 0, -1):
        for start in range(len(words) - size + 1):
            code = names.get(" ".join(words[start : start + size]))
            if code is not None and all(code != seen for _, seen in found):
                found.append((start, code))
    return [code for _, code in sorted(found)]


# The names merged with one pack's words, kept while that mapping lives (the pack's, in practice):
# folding them and finding the longest name at every message cost milliseconds a turn.
_merged: dict[int, tuple[Mapping[str, str], dict[str, str], int]] = {}


def _names_with(extra: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """Return every country name with `extra`'s words, and the most words one name has."""
    kept = _merged.get(id(extra))
    if kept is not None and kept[0] is extra:
        return kept[1], kept[2]
    names = {**_names(), **{fold(word): code.upper() for word, code in extra.items()}}
    longest = max(name.count(" ") + 1 for name in names)
    if len(_merged) > 8:  # mappings made for one call (tests): do not keep them all
        _merged.clear()
    _merged[id(extra)] = (extra, names, longest)
    return names, longest


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
