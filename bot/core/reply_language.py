"""Choose the language of a reply, and offer to switch when someone writes in another one.

The order: the language the person chose; else the language of the message they just wrote;
else the language of their last message that could be told (a "1" or an "ok" tells nothing);
else the channel's hint; else the deployment's default.
"""

import re
from dataclasses import dataclass
from typing import Any

from bot.core import i18n
from bot.core.actions import SetLanguage
from bot.core.i18n import Catalogues, _
from bot.core.messages import Choice, Incoming, Outgoing
from bot.core.turn import SWITCH_OFFERED_KEY, WRITTEN_KEY
from bot.domain import Flow, Locale
from nlu.language import WrittenLanguage, detect_language

# Flows whose answers are data ("Marie Obame", "Woleu-Ntem"), not sentences: their language
# says nothing about the person's.
DATA_FLOWS = frozenset({Flow.PREREGISTRATION})
# Changing the language of a conversation needs more than telling a message's language:
# "cooperative", "SCOOPS ou COOP-CA ?" or "ONG" are read alike in French and English. A change
# needs Arabic script, a clear lead of one language's little words, or this many words that
# are not acronyms, told with this confidence.
MIN_WORDS_TO_SWITCH = 3
MIN_CONFIDENCE_TO_SWITCH = 0.9
# Or one word Lingua is all but sure of ("reprendre", "subscribe"; not "cooperative").
SURE_CONFIDENCE = 0.97
# Before any message of the conversation was told, two words told with this confidence: the
# default language is only a guess too ("preregister my association").
FIRST_CONFIDENCE_TO_SWITCH = 0.8
_PLAIN_WORD = re.compile(r"(?<![\w-])(?![A-Z0-9-]+(?![\w-]))[^\W\d_][\w'-]*")


@dataclass(frozen=True, slots=True)
class LanguageReading:
    """The locale to answer in, and the language the message itself was written in."""

    locale: Locale
    written: WrittenLanguage | None


def read_language(
    *,
    chosen: str | None,
    incoming: Incoming,
    flow: Flow,
    data: dict[str, Any],
    default: Locale,
) -> LanguageReading:
    """Decide the locale of this turn's replies."""
    sentence = incoming.text and not incoming.payload and flow not in DATA_FLOWS
    written = detect_language(incoming.text) if sentence else None
    if written is not None:
        told = i18n.parse_locale(data.get(WRITTEN_KEY))
        current = told or i18n.parse_locale(chosen or incoming.locale_hint) or default
        if written.locale is not current and not _decisive(written, incoming.text, told):
            written = None
    candidates = (
        chosen,
        written.locale.value if written else None,
        data.get(WRITTEN_KEY),
        incoming.locale_hint,
    )
    for candidate in candidates:
        locale = i18n.parse_locale(candidate)
        if locale is not None:
            return LanguageReading(locale, written)
    return LanguageReading(default, written)


def _decisive(written: WrittenLanguage, text: str, told: Locale | None) -> bool:
    """Tell whether a message says clearly enough that it is not in the current language.

    A word that can only be that language is enough; otherwise a sentence, or, before any
    message of the conversation could be told (`told` is None), two words.
    """
    if written.locale is Locale.AR or written.confidence >= 1.0:
        return True  # Arabic script, Arabizi, or a clear lead of little words
    words = len(_PLAIN_WORD.findall(text))
    if told is None and words > 1 and written.confidence >= FIRST_CONFIDENCE_TO_SWITCH:
        return True
    if written.confidence < MIN_CONFIDENCE_TO_SWITCH:
        return False
    if written.confidence >= SURE_CONFIDENCE:
        return True
    return words >= MIN_WORDS_TO_SWITCH


def remembered(data: dict[str, Any], reading: LanguageReading) -> dict[str, Any]:
    """Return the conversation data updated with the language the message was written in."""
    if reading.written is None:
        return data
    return {**data, WRITTEN_KEY: reading.written.locale.value}


def switch_offer(
    *,
    chosen: str | None,
    reading: LanguageReading,
    data: dict[str, Any],
    catalogues: Catalogues,
) -> tuple[Outgoing, dict[str, Any]] | None:
    """Offer, once per language, to continue in the language the person now writes in.

    The offer is written in that language, as a message of its own: the reply itself stays
    in the chosen language, and no message mixes the two.
    """
    written = reading.written
    locale = i18n.parse_locale(chosen)
    if written is None or locale is None or written.locale is locale:
        return None
    offered = list(data.get(SWITCH_OFFERED_KEY, []))
    if written.locale.value in offered:
        return None
    with i18n.using(catalogues.translator(written.locale)):
        offer = Outgoing(
            text=_("Vous écrivez en français. Voulez-vous continuer en français ?"),
            choices=(Choice(_("Continuer en français"), SetLanguage(written.locale).pack()),),
        )
    return offer, {**data, SWITCH_OFFERED_KEY: [*offered, written.locale.value]}
