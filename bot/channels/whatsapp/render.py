"""Render the engine's replies as WhatsApp text: numbered choices, light formatting, 1600 chars."""

from collections.abc import Sequence

from bot.channels.text import split_text, utf16_length
from bot.core.i18n import _
from bot.core.messages import Outgoing

# Twilio refuses WhatsApp bodies longer than this (counted in UTF-16 units, like an emoji as 2).
MAX_BODY = 1600
# A first line this short, without final punctuation, is a title: shown in bold.
MAX_TITLE = 80
_FORMATTING_MARKS = frozenset("*_~`")
_SEPARATORS = ("\n\n", "\n", " ")


def render_turn(replies: Sequence[Outgoing]) -> list[str]:
    """Return the WhatsApp bodies of one turn's replies, in order, each within 1600 chars.

    Only the last reply's choices are numbered: the core reads a typed "2" against the last
    choices it offered, so earlier numbers would point at the wrong buttons.
    """
    numbered = next((reply for reply in reversed(replies) if reply.choices), None)
    blocks = []
    for reply in replies:
        text = embolden_title(reply.text.strip())
        if reply is numbered:
            text = f"{text}\n\n{choices_block(reply)}" if text else choices_block(reply)
        if text:
            blocks.append(text)
    return split_body("\n\n".join(blocks))


def choices_block(reply: Outgoing) -> str:
    """Return the numbered choices and how to answer them ("Répondez 1, 2 ou 3")."""
    lines = [f"{number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    lines.append(f"_{answer_hint(len(reply.choices))}_")
    return "\n".join(lines)


def answer_hint(count: int) -> str:
    """Say which numbers answer a list of `count` choices."""
    if count == 1:
        return _("Répondez 1")
    if count <= 3:
        numbers = ", ".join(str(number) for number in range(1, count))
        return _("Répondez {numbers} ou {last}").format(numbers=numbers, last=count)
    return _("Répondez par un numéro de 1 à {last}").format(last=count)


def embolden_title(text: str) -> str:
    """Put the first line in bold when it is a short title followed by more text."""
    title, newline, rest = text.partition("\n")
    if (
        not newline
        or not rest.strip()
        or not title.strip()
        or len(title) > MAX_TITLE
        or title.rstrip()[-1] in ".!?…"
        or _FORMATTING_MARKS & set(title)
    ):
        return text
    return f"*{title.strip()}*\n{rest}"


def body_length(text: str) -> int:
    """Count characters the way Twilio does: UTF-16 code units."""
    return utf16_length(text)


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Cut a text into bodies of at most `limit`, on paragraphs, then lines, then words."""
    return split_text(text, limit)
