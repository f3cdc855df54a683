"""Channel adapters: each turns provider input into Incoming and sends Outgoing back."""

from typing import TYPE_CHECKING

from bot.channels.base import ChannelAdapter

__all__ = ["ChannelAdapter", "build_channels"]

if TYPE_CHECKING:
    from bot.app import Relais


def build_channels(relais: "Relais") -> list[ChannelAdapter]:
    """Return the provider channels whose credentials are configured."""
    adapters: list[ChannelAdapter] = []
    settings = relais.settings
    if settings.telegram_token:
        from bot.channels.telegram import TelegramChannel

        adapters.append(TelegramChannel(relais))
    if settings.twilio_account_sid and settings.twilio_auth_token:
        from bot.channels.whatsapp import WhatsAppChannel

        adapters.append(WhatsAppChannel(relais))
    return adapters
