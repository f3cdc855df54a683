"""A campaign as each language and channel will show it, cut by the channels' own code."""

from dataclasses import dataclass
from typing import Any

from bot.channels.telegram.render import split_text as telegram_parts
from bot.channels.whatsapp.render import render_turn as whatsapp_bodies
from bot.core.messages import Outgoing
from bot.domain import Locale
from bot.storage.models import Campaign


@dataclass(frozen=True, slots=True)
class LanguagePreview:
    """What a reader of one language gets on each channel."""

    locale: str
    # The language has no message of its own: its readers get the French one.
    falls_back: bool
    telegram: list[str]
    whatsapp: list[str]
    # Outside WhatsApp's 24-hour window: the template and its variables, or None (not sent).
    template: dict[str, Any] | None


def preview(campaign: Campaign) -> list[LanguagePreview]:
    """Return, for French, English and Arabic, the messages each channel will send."""
    shown = []
    for locale in Locale:
        own = locale.value in campaign.messages
        text = campaign.messages.get(locale.value) or campaign.messages.get(Locale.FR.value, "")
        template = campaign.templates.get(locale.value if own else Locale.FR.value)
        template = template or campaign.templates.get(Locale.FR.value)
        shown.append(
            LanguagePreview(
                locale=locale.value,
                falls_back=not own,
                telegram=telegram_parts(text),
                whatsapp=whatsapp_bodies([Outgoing(text)]),
                template=template or None,
            )
        )
    return shown
