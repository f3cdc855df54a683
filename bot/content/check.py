"""Check a content pack: schema and references, text rules, and what is left to fill in."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.loader import DEFAULT_CONTENT_DIR, entry_path, read_pack
from bot.content.placeholders import find_placeholders, malformed_placeholders
from bot.content.translations import TRANSLATED, localized_texts, translation_problems

# A Twilio WhatsApp body holds 1600 characters (Telegram 4096): any single text must fit.
MAX_TEXT_CHARS = 1600
# The bot sends plain text: markdown marks would reach the reader as stray symbols.
_MARKDOWN_RE = re.compile(r"\*\*|__|`|\]\(|^#{1,6}\s", re.MULTILINE)
# Keys whose values are not read as prose by a citizen.
_NOT_PROSE = frozenset({"url"})


@dataclass(frozen=True)
class Placeholder:
    """Something the directorate still has to fill in, and where."""

    file: str
    entry: str
    text: str


@dataclass
class CheckReport:
    """What `relais content check` found."""

    errors: list[str] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    # How many texts the pack has, and how many of them each language translates.
    texts: int = 0
    translated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRANSLATED, 0))

    @property
    def ok(self) -> bool:
        """Tell whether the pack can be deployed (placeholders do not block it)."""
        return not self.errors


def check_pack(root: Path = DEFAULT_CONTENT_DIR, country: str = "ga") -> CheckReport:
    """Validate a pack and list its placeholders with file and entry path."""
    reading = read_pack(root, country)
    report = CheckReport(errors=list(reading.errors))
    for raw in reading.files:
        for loc, text in _strings(raw.data, []):
            entry = entry_path(loc)
            # A translation's placeholders mirror the French ones (checked below): listing
            # them too would ask to fill in the same thing three times.
            if not (loc and loc[-1] in TRANSLATED):
                report.placeholders.extend(
                    Placeholder(raw.display, entry, what) for what in find_placeholders(text)
                )
            report.errors.extend(f"{raw.display}: {entry}: {problem}" for problem in _lint(text))
        for found in localized_texts(raw.data):
            report.texts += 1
            for code in TRANSLATED:
                report.translated[code] += isinstance(found.texts.get(code), str)
        report.errors.extend(
            f"{raw.display}: {entry_path(problem.loc)}: {problem.message}"
            for problem in translation_problems(raw.data)
        )
    return report


def _strings(data: Any, loc: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in _NOT_PROSE:
                yield from _strings(value, [*loc, str(key)])
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, [*loc, index])


def _lint(text: str) -> list[str]:
    problems = []
    if malformed_placeholders(text):
        problems.append("a placeholder must read [À COMPLÉTER : what to fill in]")
    if _MARKDOWN_RE.search(text):
        problems.append("plain text only: no markdown (**, __, `, [..](..), #)")
    if len(text) > MAX_TEXT_CHARS:
        problems.append(f"{len(text)} characters; a message holds at most {MAX_TEXT_CHARS}")
    return problems


def format_report(report: CheckReport) -> str:
    """Write the report for the terminal: errors, then placeholders grouped by file, then counts."""
    lines: list[str] = []
    if report.errors:
        lines.append(f"Errors ({len(report.errors)}):")
        lines.extend(f"  {error}" for error in report.errors)
        lines.append("")
    if report.placeholders:
        lines.append(f"To fill in ({len(report.placeholders)}):")
        by_file: dict[str, list[Placeholder]] = {}
        for placeholder in report.placeholders:
            by_file.setdefault(placeholder.file, []).append(placeholder)
        for file, placeholders in by_file.items():
            lines.append(f"  {file}")
            lines.extend(f"    {p.entry}: {p.text}" for p in placeholders)
        lines.append("")
    translated = ", ".join(
        f"{code} {count}/{report.texts}" for code, count in report.translated.items()
    )
    lines.append(f"Translated texts: {translated}.")
    files = len({placeholder.file for placeholder in report.placeholders})
    errors = _plural(len(report.errors), "error")
    to_fill = _plural(len(report.placeholders), "placeholder")
    verdict = "OK" if report.ok else "FAILED"
    lines.append(f"{verdict}: {errors}, {to_fill} in {_plural(files, 'file')}.")
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
