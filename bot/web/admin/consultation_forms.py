"""The console's consultation forms read into the consultation services' specs.

A consultation's form holds its texts in French (required), English and Arabic, its audience,
dates and anonymity; its questions are added one form at a time, so that neither form grows
with the number of questions. A choice question lists its options one per line in each
language, the lines of English and Arabic matching the French ones; a comment question's
parts are separated by an empty line.
"""

import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.i18n import N_
from bot.domain import Locale, QuestionKind
from bot.services.consultations import (
    ConsultationError,
    ConsultationSpec,
    QuestionSpec,
    parse_spec,
)
from bot.web.admin.console import Form

MAX_TEXT = 4000
MAX_TITLE = 200
# The consultation's texts, each with a field per language.
TEXTS = ("title", "intro", "asked_by", "use_of_answers")
PARTS_SEPARATOR = re.compile(r"\n\s*\n")


def texts_of(form: Form, name: str, limit: int = MAX_TEXT) -> dict[str, str]:
    """Return a text per language from the fields `name_fr`, `name_en`, `name_ar`."""
    texts = {locale.value: form.get(f"{name}_{locale.value}").strip()[:limit] for locale in Locale}
    return {code: text for code, text in texts.items() if text}


def consultation_spec(form: Form, tz: ZoneInfo) -> ConsultationSpec:
    """Read a consultation's form into its spec (ConsultationError when a field is wrong)."""
    data: dict[str, Any] = {
        name: texts_of(form, name, MAX_TITLE if name == "title" else MAX_TEXT) or None
        for name in TEXTS
    }
    data.update(
        {
            "audience": form.get("audience").strip()[:500] or "all",
            "anonymous": form.get("anonymous") == "on",
            "opens": form.get("opens").strip()[:32] or None,
            "closes": form.get("closes").strip()[:32] or None,
        }
    )
    template = form.get("template").strip()[:64]
    if template:
        data["templates"] = {Locale.FR.value: {"content_sid": template, "variables": {}}}
    return parse_spec(data, tz)


def question_spec(form: Form) -> QuestionSpec:
    """Read one question's form into its spec (ConsultationError when a field is wrong)."""
    try:
        kind = QuestionKind(form.get("kind"))
    except ValueError:
        raise ConsultationError(N_("choisissez le type de question")) from None
    choice = kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
    return QuestionSpec(
        kind=kind,
        text=texts_of(form, "text"),
        options=_options(form) if choice else (),
        min_value=_whole(form, "min") if kind is QuestionKind.NUMBER else None,
        max_value=_whole(form, "max") if kind is QuestionKind.NUMBER else None,
        parts=_parts(form) if kind is QuestionKind.COMMENT else (),
        for_groups=form.get("for_groups") == "on",
    )


def _lines(form: Form, name: str, locale: Locale, separator: re.Pattern[str] | None) -> list[str]:
    text = form.get(f"{name}_{locale.value}")[:MAX_TEXT].replace("\r\n", "\n").strip()
    if not text:
        return []
    pieces = separator.split(text) if separator else text.split("\n")
    return [piece.strip() for piece in pieces if piece.strip()]


def _aligned(
    form: Form, name: str, what: str, separator: re.Pattern[str] | None
) -> list[dict[str, str]]:
    """Return one {language: text} per French line, English and Arabic matched line for line."""
    french = _lines(form, name, Locale.FR, separator)
    texts = [{Locale.FR.value: line} for line in french]
    for locale in (Locale.EN, Locale.AR):
        lines = _lines(form, name, locale, separator)
        if lines and len(lines) != len(french):
            raise ConsultationError(
                N_("{what} en {language} : {given} donnés pour {expected} en français"),
                what=what,
                language=locale.value,
                given=len(lines),
                expected=len(french),
            )
        for text, line in zip(texts, lines, strict=False):
            text[locale.value] = line
    return texts


def _options(form: Form) -> tuple[tuple[str, dict[str, str]], ...]:
    labels = _aligned(form, "options", "options", None)
    return tuple((str(number), label) for number, label in enumerate(labels, start=1))


def _parts(form: Form) -> tuple[dict[str, str], ...]:
    return tuple(_aligned(form, "parts", "parts", PARTS_SEPARATOR))


def _whole(form: Form, name: str) -> int | None:
    value = form.get(name).strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ConsultationError(
            N_("{name} : « {value} » n'est pas un nombre entier"), name=name, value=value[:20]
        ) from None
