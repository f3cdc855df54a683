"""Keep the English and Arabic of a content pack in step with its French.

Every text of a pack is a mapping with `fr`, `en` and `ar`. French is the reference: the
translations must exist, must have been written from the French as it reads now (`from_fr`
holds a short hash of that French), and must carry the same placeholders and numbers, so a
translator cannot silently drop an amount, a date or a `[À COMPLÉTER : ...]`.
"""

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.placeholders import PLACEHOLDER_RE

REFERENCE = "fr"
TRANSLATED = ("en", "ar")
RECORD_KEY = "from_fr"
_LANGUAGE_NAMES = {"en": "English", "ar": "Arabic"}

# Arabic-Indic and Eastern Arabic-Indic digits count as the same numbers as 0-9.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# A number, with the thousands separators of any locale ("10 000", "10,000", "10.000").
_NUMBER_RE = re.compile(r"\d+(?:[ \u00a0\u202f.,\u066c]\d{3})*(?!\d)")
_SEPARATORS_RE = re.compile(r"[ \u00a0\u202f.,\u066c]")


def french_hash(text: str) -> str:
    """Return the short hash of a French text, blind to line wrapping and trailing spaces."""
    canonical = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


def numbers_in(text: str) -> Counter[str]:
    """Return the numbers a text states, placeholders left out, whatever digits it uses."""
    plain = PLACEHOLDER_RE.sub(" ", unicodedata.normalize("NFC", text)).translate(_DIGITS)
    return Counter(_SEPARATORS_RE.sub("", match.group()) for match in _NUMBER_RE.finditer(plain))


def placeholder_lines(text: str) -> list[int]:
    """Return the line of each placeholder of a text, in order."""
    normalised = unicodedata.normalize("NFC", text)
    return [
        normalised.count("\n", 0, match.start()) for match in PLACEHOLDER_RE.finditer(normalised)
    ]


@dataclass(frozen=True)
class TranslationProblem:
    """One text whose translations are missing, stale or unfaithful."""

    loc: tuple[str | int, ...]
    message: str


@dataclass(frozen=True)
class TranslatedText:
    """A text mapping of a pack file, found by its location."""

    loc: tuple[str | int, ...]
    texts: dict[str, Any]


def localized_texts(data: Any, loc: tuple[str | int, ...] = ()) -> Iterator[TranslatedText]:
    """Find every `fr`/`en`/`ar` mapping of a parsed file."""
    if isinstance(data, dict):
        if isinstance(data.get(REFERENCE), str):
            yield TranslatedText(loc, data)
            return
        for key, value in data.items():
            if key == "title" and isinstance(value, str) and "sources" in loc:
                # A source's title written as a plain string is shown to citizens as it is:
                # French in every language until it is translated.
                yield TranslatedText((*loc, key), {REFERENCE: value})
                continue
            yield from localized_texts(value, (*loc, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from localized_texts(value, (*loc, index))


def translation_problems(data: Any) -> Iterator[TranslationProblem]:
    """Report, for each text of a parsed file, what keeps its translations from being used."""
    for text in localized_texts(data):
        yield from _problems(text)


def _problems(text: TranslatedText) -> Iterator[TranslationProblem]:
    french = text.texts[REFERENCE]
    missing = [code for code in TRANSLATED if not isinstance(text.texts.get(code), str)]
    for code in missing:
        yield TranslationProblem((*text.loc, code), f"no {_LANGUAGE_NAMES[code]} translation")
    recorded = text.texts.get(RECORD_KEY)
    if len(missing) < len(TRANSLATED):
        if recorded is None:
            yield TranslationProblem(
                (*text.loc, RECORD_KEY),
                "translations not stamped: once they are reviewed, run `relais content stamp`",
            )
        elif recorded != french_hash(french):
            yield TranslationProblem(
                (*text.loc, RECORD_KEY),
                "stale: the French changed since the translations were written; update "
                "them, then run `relais content stamp --refresh`",
            )
    for code in TRANSLATED:
        translation = text.texts.get(code)
        if not isinstance(translation, str):
            continue
        if placeholder_lines(translation) != placeholder_lines(french):
            yield TranslationProblem(
                (*text.loc, code),
                "placeholders differ from the French: keep each [À COMPLÉTER : ...] on the "
                "same line as in the French",
            )
        if numbers_in(translation) != numbers_in(french):
            expected = sorted(numbers_in(french).elements())
            found = sorted(numbers_in(translation).elements())
            yield TranslationProblem(
                (*text.loc, code),
                f"numbers differ from the French: {found} instead of {expected}",
            )


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def stamp_file(path: Path, *, refresh: bool = False) -> int:
    """Record the French hash of every fully translated text not yet stamped (all with refresh).

    The file is edited in place, line by line, so its comments and layout stay as written.
    Returns how many texts were stamped.
    """
    source = path.read_text(encoding="utf-8")
    edits = [
        edit
        for edit in _stamp_edits(yaml.compose(source), source)
        if refresh or edit.start == edit.end
    ]
    for edit in sorted(edits, key=lambda item: item.start, reverse=True):
        source = source[: edit.start] + edit.text + source[edit.end :]
    if edits:
        path.write_text(source, encoding="utf-8")
    return len(edits)


def _stamp_edits(node: yaml.Node | None, source: str) -> Iterator[_Edit]:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _stamp_edits(item, source)
    if not isinstance(node, yaml.MappingNode):
        return
    keys = {
        key.value: (key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)
    }
    if REFERENCE not in keys or not isinstance(keys[REFERENCE][1], yaml.ScalarNode):
        for _, value in node.value:
            yield from _stamp_edits(value, source)
        return
    if not all(code in keys for code in TRANSLATED):
        return
    wanted = french_hash(keys[REFERENCE][1].value)
    if RECORD_KEY in keys:
        recorded = keys[RECORD_KEY][1]
        if recorded.value != wanted:
            # A replacement, not an insertion: only applied when refreshing.
            yield _Edit(recorded.start_mark.index, recorded.end_mark.index, f'"{wanted}"')
        return
    # Quoted: a hash of digits only would otherwise be read as a number.
    record = f'{RECORD_KEY}: "{wanted}"'
    last = node.value[-1][1].end_mark
    if node.flow_style:
        yield _Edit(last.index, last.index, f", {record}")
        return
    indent = " " * keys[REFERENCE][0].start_mark.column
    if last.column:
        yield _Edit(last.index, last.index, f"\n{indent}{record}")
        return
    # A block scalar ends where the next line starts, after any blank lines that follow it.
    index = last.index
    while source[index - 2 : index] == "\n\n":
        index -= 1
    yield _Edit(index, index, f"{indent}{record}\n")
