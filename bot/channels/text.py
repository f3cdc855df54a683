"""Cutting long replies to a provider's size, counted as the providers count: UTF-16 units."""

from collections.abc import Sequence

# Paragraphs first, then lines, then words; a word longer than a message is cut anywhere.
SEPARATORS = ("\n\n", "\n", " ")


def utf16_length(text: str) -> int:
    """Count characters the way Telegram and Twilio do: an emoji outside the BMP counts two."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Cut a text into parts of at most `limit`, on paragraphs, then lines, then words."""
    text = text.strip()
    if not text:
        return []
    return [part for part in _split(text, limit, SEPARATORS) if part.strip()]


def _split(text: str, limit: int, separators: Sequence[str]) -> list[str]:
    if utf16_length(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    separator, finer = separators[0], separators[1:]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if utf16_length(piece) <= limit:
            current = piece
        else:
            *whole, current = _split(piece, limit, finer)
            parts.extend(whole)
    if current:
        parts.append(current)
    return [part.strip() for part in parts]


def _hard_cut(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    start = size = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            parts.append(text[start:index])
            start, size = index, 0
        size += width
    parts.append(text[start:])
    return parts
