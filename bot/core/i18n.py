"""Translations and locale-aware formatting, resolved once per incoming message.

Message ids are the French text: French is the reference language and the fallback of every
other catalogue, so an untranslated English or Arabic string still reaches the person in French.
"""

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from gettext import NullTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale as BabelLocale
from babel import dates, lists, localedata, numbers
from babel.support import Translations

from bot.domain import Locale
from bot.errors import RelaisError

DOMAIN = "relais"
REFERENCE_LOCALE = Locale.FR


# The day of a French date, when it is the first of the month: "1 décembre" -> "1er décembre".
_FRENCH_FIRST = re.compile(r"(?<![\d:])1(?= \w)")


class CatalogueError(RelaisError, RuntimeError):
    """A translation catalogue is missing or older than its source."""


@dataclass(frozen=True, slots=True)
class Translator:
    """Gettext and Babel formatting bound to one locale and time zone."""

    locale: Locale
    translations: NullTranslations
    tz: ZoneInfo
    #: the Babel locale dates are written with: the country's own where its months differ
    date_locale: str = ""

    @property
    def _dates(self) -> str:
        return self.date_locale or self.locale.value

    def gettext(self, message: str) -> str:
        """Translate a message."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate a message that depends on a count."""
        return self.translations.ngettext(singular, plural, count)

    def format_date(self, value: date) -> str:
        """Format a date the way the contact's language writes it ("23 novembre 2026")."""
        return self._first(dates.format_date(value, format="long", locale=self._dates), value)

    def format_day_month(self, value: date) -> str:
        """Format a day of the year without the year ("14 mai", "14 ماي" in Algeria)."""
        return self._first(dates.format_skeleton("MMMMd", value, locale=self._dates), value)

    def _first(self, formatted: str, value: date) -> str:
        """Write the first of a month "1er" in French, as French does ("1er décembre")."""
        if self.locale is Locale.FR and value.day == 1:
            return _FRENCH_FIRST.sub("1er", str(formatted), count=1)
        return str(formatted)

    def month_name(self, month: int) -> str:
        """Return a month's name as dates write it ("mai", "ماي" in Algeria, "مايو" elsewhere)."""
        names = dates.get_month_names("wide", context="format", locale=self._dates)
        return str(names[month])

    def format_datetime(self, value: datetime) -> str:
        """Format an instant in the configured time zone ("vendredi 4 décembre 2026, 09:30")."""
        babel_locale = BabelLocale.parse(self._dates)
        # The locale's own way of joining a full date and a short time (no seconds, no zone).
        pattern = (
            str(babel_locale.datetime_formats["long"])
            .replace("{1}", babel_locale.date_formats["full"].pattern)
            .replace("{0}", babel_locale.time_formats["short"].pattern)
        )
        formatted = dates.format_datetime(value, pattern, tzinfo=self.tz, locale=self._dates)
        return _phone_safe(self._first(formatted, value.astimezone(self.tz).date()))

    def format_number(self, value: int | float | Decimal) -> str:
        """Format a number with the contact's grouping and decimal signs."""
        return _phone_safe(numbers.format_decimal(value, locale=self.locale.value))

    def format_amount(
        self,
        value: int | float | Decimal,
        currency: str,
        *,
        digits: int | None = None,
        sign: str | None = None,
    ) -> str:
        """Format an amount of money the locale's way ("10 000 FCFA", "10 000 DA").

        French readers know the currency by its symbol; in English and Arabic the symbol
        ("FCFA10,000") reads as a French abbreviation, so the currency is named in full,
        unless the country's pack gives the sign a language writes (`sign`, "دج").
        `digits` overrides the ISO decimals (dinars are written without centimes).
        """
        locale = self.locale.value
        if digits is not None:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            amount = numbers.format_decimal(value, format=pattern, locale=locale)
            if sign is not None:
                return _phone_safe(f"{amount}\u00a0{sign}")
            if self.locale is Locale.FR:
                symbol = numbers.get_currency_symbol(currency, locale=locale)
                return _phone_safe(f"{amount}\u00a0{symbol}")
            name = numbers.get_currency_name(currency, count=value, locale=locale)
            return _phone_safe(f"{amount} {name}")
        if sign is not None:
            amount = numbers.format_decimal(value, locale=locale)
            return _phone_safe(f"{amount}\u00a0{sign}")
        return _phone_safe(
            numbers.format_currency(
                value,
                currency,
                locale=locale,
                currency_digits=True,
                format_type="standard" if self.locale is Locale.FR else "name",
            )
        )

    def format_list(self, items: list[str]) -> str:
        """Join items the language's way ("a, b et c", "a, b, and c", "a وb وc")."""
        return str(lists.format_list(items, locale=self.locale.value)) if items else ""

    @property
    def is_rtl(self) -> bool:
        """Tell whether the language is written right to left."""
        return _right_to_left(self.locale.value)


@functools.cache
def _right_to_left(locale: str) -> bool:
    # Asked at every reply; Babel reads the locale's data each time it parses one.
    return bool(BabelLocale.parse(locale).character_order == "right-to-left")


def _phone_safe(text: str) -> str:
    """Use the common no-break space: old phones draw the narrow one (U+202F) as a box."""
    return str(text).replace("\u202f", "\u00a0")


class Catalogues:
    """The compiled catalogues of every supported locale, loaded once at start-up."""

    def __init__(self, locales_dir: Path, tz: ZoneInfo, *, country: str | None = None) -> None:
        """Load every catalogue; country ("dz") picks the month names its Arabic uses."""
        self._tz = tz
        self._date_locales = {locale: date_locale(locale, country) for locale in Locale}
        reference = _load(locales_dir, REFERENCE_LOCALE)
        self._by_locale: dict[Locale, NullTranslations] = {REFERENCE_LOCALE: reference}
        for locale in Locale:
            if locale is REFERENCE_LOCALE:
                continue
            translations = _load(locales_dir, locale)
            translations.add_fallback(reference)
            self._by_locale[locale] = translations

    def translator(self, locale: Locale) -> Translator:
        """Return the translator of a locale."""
        return Translator(locale, self._by_locale[locale], self._tz, self._date_locales[locale])


def date_locale(locale: Locale, country: str | None) -> str:
    """Return the Babel locale a country's dates are written with in a language.

    Arabic names the months differently across countries: Algeria writes جوان and جويلية
    (Babel's ar_DZ), where the standard Arabic of other countries writes يونيو and يوليو.
    French and English months are the same everywhere, and their regional locales change
    other things (fr_DZ writes a 12-hour clock), so they keep the language's own.
    """
    if locale is not Locale.AR or not country:
        return locale.value
    regional = f"{locale.value}_{country.upper()}"
    # Whether Babel has the locale ("ar_GA" it has not), without loading its data at start.
    return regional if localedata.exists(regional) else locale.value


INSTALLED_DATA = Path(__file__).resolve().parents[1] / "data"


def _load(locales_dir: Path, locale: Locale) -> NullTranslations:
    source = locales_dir / locale.value / "LC_MESSAGES" / f"{DOMAIN}.po"
    compiled = source.with_suffix(".mo")
    if not source.exists():
        msg = f"missing catalogue {source}"
        raise CatalogueError(msg)
    # An installed wheel's catalogues were compiled when it was built; a checkout's may be stale.
    built = compiled.resolve().is_relative_to(INSTALLED_DATA)
    if not compiled.exists() or (not built and compiled.stat().st_mtime < source.stat().st_mtime):
        msg = f"{compiled} is missing or older than {source.name}: run `make locales`"
        raise CatalogueError(msg)
    with compiled.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


_current: ContextVar[Translator | None] = ContextVar("relais_translator", default=None)


@contextmanager
def using(translator: Translator) -> Iterator[Translator]:
    """Make `translator` the one `_` uses for the duration of a turn."""
    token = _current.set(translator)
    try:
        yield translator
    finally:
        _current.reset(token)


def current() -> Translator:
    """Return the translator of the turn being handled."""
    translator = _current.get()
    if translator is None:
        msg = "no locale is active: wrap the turn in i18n.using()"
        raise RuntimeError(msg)
    return translator


def current_locale() -> Locale:
    """Return the language of the turn being handled, French outside a turn."""
    translator = _current.get()
    return translator.locale if translator is not None else Locale.FR


def _(message: str) -> str:
    """Translate a message into the current contact's language."""
    return current().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message that depends on a count."""
    return current().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where it is shown."""
    return message


def parse_locale(value: str | None) -> Locale | None:
    """Map a provider's language code ("fr-FR", "en", "ar_DZ") to a supported locale."""
    if not value:
        return None
    base = value.replace("_", "-").split("-", 1)[0].lower()
    try:
        return Locale(base)
    except ValueError:
        return None
