"""What every field of the pre-registration form shares: names, context, errors, matching."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from bot.content import ContentPack
from bot.core.i18n import Translator
from bot.text import fold
from nlu import NluParser

Answers = dict[str, Any]


class FieldName(StrEnum):
    """The fields of the pre-registration, in the order they are asked."""

    ORG_TYPE = "org_type"
    COOP_FORM = "coop_form"
    SCOPE = "scope"
    NAME = "name"
    ACRONYM = "acronym"
    SECTOR = "sector"
    PROVINCE = "province"
    TOWN = "town"
    FOUNDERS = "founders"
    CONTACT_NAME = "contact_name"
    CONTACT_ROLE = "contact_role"
    PHONE = "phone"
    EMAIL = "email"


class Invalid(ValueError):
    """An answer that does not fit the field; the message says what to send instead."""


@dataclass(frozen=True, slots=True)
class FormContext:
    """What validators may consult."""

    pack: ContentPack
    nlu: NluParser
    translator: Translator
    answers: Answers
    # What the channel already knows of the sender (WhatsApp number, profile name).
    known_phone: str | None = None
    known_name: str | None = None


Parser = Callable[[str, FormContext], Any]


def pick(text: str, options: list[tuple[str, str]], *, cutoff: float = 80) -> str | None:
    """Match typed words against the labels of a list of choices."""
    folded = fold(text)
    if not folded:
        return None
    labels = {value: fold(label) for label, value in options}
    for value, label in labels.items():
        if folded in (label, fold(value)):
            return value
    # Whole words first: "culture" is "Culture, sport", not the end of "Agriculture".
    words = set(folded.split())
    whole = [value for value, label in labels.items() if words <= set(label.split())]
    if len(whole) == 1:
        return whole[0]
    best = process.extractOne(folded, labels, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return None if best is None else str(best[2])
