"""The Telegram channel: python-telegram-bot as the transport, the engine behind it."""

from bot.channels.telegram.adapter import TelegramChannel

__all__ = ["TelegramChannel"]
