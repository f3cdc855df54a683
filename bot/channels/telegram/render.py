"""Turn the engine's Outgoing into Telegram messages: text cut to size, choices as buttons."""

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.text import split_text as split_utf16
from bot.channels.text import utf16_length
from bot.core.messages import Choice, Outgoing

# Telegram counts a message's length in UTF-16 code units: an emoji counts twice.
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
# Two buttons share a row when both labels are this short ("Oui" / "Non"); longer ones would
# be cut on a small screen.
SHORT_LABEL = 14
# Sent instead of an empty text, which Telegram refuses, when a reply only carries buttons.
EMPTY_TEXT = "…"


class CallbackDataTooLong(ValueError):
    """A button payload does not fit Telegram's 64 bytes of callback data."""


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One sendMessage: plain text (no parse mode, so nothing needs escaping) and buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def render(reply: Outgoing) -> list[TelegramMessage]:
    """Render a reply as one or more messages; the buttons go under the last one."""
    keyboard = build_keyboard(reply.choices)
    parts = split_text(reply.text)
    if not parts:
        if keyboard is None:
            return []
        parts = [EMPTY_TEXT]
    messages = [TelegramMessage(part) for part in parts[:-1]]
    messages.append(TelegramMessage(parts[-1], keyboard))
    return messages


def build_keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """Lay choices out one per row, or two per row when both labels are short."""
    if not choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    pending: InlineKeyboardButton | None = None
    for choice in choices:
        button = InlineKeyboardButton(choice.label, callback_data=callback_data(choice))
        if len(choice.label) > SHORT_LABEL:
            if pending is not None:
                rows.append([pending])
                pending = None
            rows.append([button])
        elif pending is None:
            pending = button
        else:
            rows.append([pending, button])
            pending = None
    if pending is not None:
        rows.append([pending])
    return InlineKeyboardMarkup(rows)


def callback_data(choice: Choice) -> str:
    """Return a choice's payload as callback data, refusing one Telegram would reject."""
    size = len(choice.payload.encode())
    if not choice.payload or size > MAX_CALLBACK_DATA:
        msg = (
            f"button {choice.label!r}: payload {choice.payload!r} is {size} bytes, "
            f"Telegram takes 1 to {MAX_CALLBACK_DATA}"
        )
        raise CallbackDataTooLong(msg)
    return choice.payload


def telegram_length(text: str) -> int:
    """Return the length of a text as Telegram counts it (UTF-16 code units)."""
    return utf16_length(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a text into messages of at most `limit`, between paragraphs where possible."""
    return split_utf16(text, limit)
