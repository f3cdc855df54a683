"""Catalogues: every string of the code is in every catalogue, and formatting follows the locale."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import CatalogueError, Catalogues
from bot.domain import Locale
from bot.settings import PROJECT_ROOT, Settings

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def code_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT / "bot", method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", list(Locale))
def test_every_message_is_in_the_catalogue(locale: Locale) -> None:
    path = PROJECT_ROOT / "locales" / locale.value / "LC_MESSAGES" / "relais.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue}
    missing = code_messages() - known
    assert not missing, f"run `make extract`: {sorted(missing)[:5]}"


def test_untranslated_english_falls_back_to_french(settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    assert catalogues.translator(Locale.AR).gettext("Menu") in {"Menu", "القائمة"}


def test_formatting_follows_the_locale(settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    french = catalogues.translator(Locale.FR)
    english = catalogues.translator(Locale.EN)
    assert french.format_date(date(2027, 5, 14)) == "14 mai 2027"
    assert english.format_date(date(2027, 5, 14)) == "May 14, 2027"
    assert french.format_amount(10000, "XAF") == "10\u00a0000\u00a0FCFA"
    assert catalogues.translator(Locale.AR).is_rtl


def test_the_first_of_the_month_is_1er_in_french_only(settings: Settings) -> None:
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    french = catalogues.translator(Locale.FR)
    assert french.format_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert french.format_day_month(date(2027, 5, 1)) == "1er mai"
    assert french.format_date(date(2026, 12, 11)) == "11 décembre 2026"
    assert french.format_date(date(2031, 1, 21)) == "21 janvier 2031"
    assert catalogues.translator(Locale.EN).format_date(date(2026, 12, 1)) == "December 1, 2026"


def test_a_missing_compiled_catalogue_fails_at_start_up(tmp_path: Path, settings: Settings) -> None:
    for locale in Locale:
        folder = tmp_path / locale.value / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "relais.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="make locales"):
        Catalogues(tmp_path, settings.tz)


PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def required(placeholders: set[str], forms: int) -> set[str]:
    """Return the placeholders every form must keep (a singular may say "one" for {count})."""
    return placeholders - {"{count}"} if forms > 1 else placeholders


@pytest.mark.parametrize("locale", [Locale.EN, Locale.AR])
def test_every_message_is_translated_with_the_same_placeholders(locale: Locale) -> None:
    path = PROJECT_ROOT / "locales" / locale.value / "LC_MESSAGES" / "relais.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0][:60]!r}")
        elif any(
            not required(wanted, len(ids)) <= set(PLACEHOLDER.findall(text)) <= wanted
            for text in strings
        ):
            problems.append(f"placeholders differ: {ids[0][:60]!r}")
    assert not problems, problems[:5]
