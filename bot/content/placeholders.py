"""Find the `[À COMPLÉTER : ...]` markers the directorate still has to fill in."""

import re
import unicodedata
from collections.abc import Callable

# Tolerant on purpose: editors type "A COMPLETER", lower case, decomposed accents, or a
# non-breaking space before the colon, and every variant must still be reported.
_A = r"(?:A|À|A\u0300)"
_E = r"(?:E|É|E\u0301)"
PLACEHOLDER_RE = re.compile(
    rf"\[\s*{_A}\s*COMPL{_E}TER\s*:\s*(?P<what>[^\[\]]*?)\s*\]",
    re.IGNORECASE,
)
# Anything that starts like a placeholder; more of these than of PLACEHOLDER_RE means one is
# malformed (no colon, no description or no closing bracket).
_OPENING_RE = re.compile(rf"\[\s*{_A}\s*COMPL{_E}TER", re.IGNORECASE)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def find_placeholders(text: str) -> list[str]:
    """Return the description of every well-formed placeholder in a text."""
    return [match.group("what") for match in PLACEHOLDER_RE.finditer(_normalise(text))]


def has_placeholder(text: str) -> bool:
    """Tell whether a text still holds something to fill in."""
    return _OPENING_RE.search(_normalise(text)) is not None


def malformed_placeholders(text: str) -> int:
    """Count the placeholder openings that are not a complete `[À COMPLÉTER : ...]`."""
    normalised = _normalise(text)
    complete = [m for m in PLACEHOLDER_RE.finditer(normalised) if m.group("what")]
    return len(_OPENING_RE.findall(normalised)) - len(complete)


# A label just before a placeholder on its line: "Heures de réponse : [À COMPLÉTER : ...]".
_AFTER_LABEL_RE = re.compile(r"[:：]\s*$")


def replace_placeholders(
    text: str,
    replacement: str | Callable[[str], str],
    *,
    after_label: str | None = None,
) -> str:
    """Replace every placeholder, e.g. by a sentence saying the information is not yet known.

    With `after_label`, a placeholder that follows a label on its line ("Délai : [...]") is
    replaced by that text alone: the label already says what is not known, and "Délai : délai
    de réponse (à confirmer)" would say it twice.
    """

    def substitute(match: re.Match[str]) -> str:
        if after_label is not None:
            line = match.string[: match.start()].rsplit("\n", 1)[-1]
            if _AFTER_LABEL_RE.search(line):
                return after_label
        if callable(replacement):
            return replacement(match.group("what"))
        return replacement

    return PLACEHOLDER_RE.sub(substitute, _normalise(text))
