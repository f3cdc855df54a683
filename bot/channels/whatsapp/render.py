"""Render the engine's replies for WhatsApp: numbered text, or choices to tap; 1600 chars a body."""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.text import split_text, utf16_length
from bot.core.i18n import _
from bot.core.messages import Choice, Outgoing
from bot.domain import WhatsAppContentKind

# Twilio refuses WhatsApp bodies longer than this (counted in UTF-16 units, like an emoji as 2).
MAX_BODY = 1600
# A first line this short, without final punctuation, is a title: shown in bold.
MAX_TITLE = 80
_FORMATTING_MARKS = frozenset("*_~`")
# The Content API's limits: quick replies in a session, list pickers, their texts.
MAX_QUICK_REPLIES = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ITEMS = 10
MAX_LIST_ITEM_TITLE = 24
MAX_LIST_ITEM_DESCRIPTION = 72
MAX_ITEM_ID = 200
MAX_CONTENT_BODY = 1024
_ELLIPSIS = "…"
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


@dataclass(frozen=True, slots=True)
class Interactive:
    """Choices sent as WhatsApp buttons or a list (a Content API item) with the text before them.

    `fallback` is the same part as numbered text, for when the Content API cannot be used.
    """

    kind: WhatsAppContentKind
    body: str
    choices: tuple[Choice, ...]
    button: str
    fallback: tuple[str, ...]
    #: for a list picker, each item's description (Twilio requires one, at most 72 chars):
    #: the whole label when the title had to be shortened, else the number to type instead
    descriptions: tuple[str, ...] = ()

    def titles(self) -> tuple[str, ...]:
        """Return the titles shown on the buttons or the list's items, within their limits."""
        if self.kind is WhatsAppContentKind.LIST_PICKER:
            return tuple(shorten(choice.label, MAX_LIST_ITEM_TITLE) for choice in self.choices)
        return tuple(choice.label for choice in self.choices)


def shorten(text: str, limit: int) -> str:
    """Cut a text to `limit` characters (UTF-16 units), on a word if one ends late enough."""
    if body_length(text) <= limit:
        return text
    cut = text
    while cut and body_length(cut + _ELLIPSIS) > limit:
        cut = cut[:-1]
    word = cut.rsplit(" ", 1)[0].rstrip(" ,;:—-")
    if " " in cut and len(word) >= len(cut) // 2:
        cut = word
    return cut.rstrip() + _ELLIPSIS


def interactive_kind(choices: Sequence[Choice]) -> WhatsAppContentKind | None:
    """Return how WhatsApp can show these choices to tap, or None: numbered text then.

    The Content API wants item ids unique and at most 200 characters, quick reply titles
    at most 20 and list item titles at most 24: a longer label is shortened in a list, its
    whole text in the item's description (72), unless two labels would then look the same.
    """
    titles = [body_length(choice.label) for choice in choices]
    ids = [choice.payload for choice in choices]
    if not choices or len(set(ids)) != len(ids) or not all(ids):
        return None
    if any(len(identifier) > MAX_ITEM_ID for identifier in ids):
        return None
    if len(choices) <= MAX_QUICK_REPLIES and max(titles) <= MAX_BUTTON_TITLE:
        return WhatsAppContentKind.QUICK_REPLY
    shortened = [shorten(choice.label, MAX_LIST_ITEM_TITLE) for choice in choices]
    if len(choices) <= MAX_LIST_ITEMS and len(set(shortened)) == len(shortened):
        return WhatsAppContentKind.LIST_PICKER
    return None


def list_descriptions(choices: Sequence[Choice]) -> tuple[str, ...]:
    """Return each list item's description: its whole label if shortened, else its number."""
    return tuple(
        shorten(choice.label, MAX_LIST_ITEM_DESCRIPTION)
        if body_length(choice.label) > MAX_LIST_ITEM_TITLE
        else _("ou répondez {number}").format(number=number)
        for number, choice in enumerate(choices, 1)
    )


def render_interactive_turn(replies: Sequence[Outgoing]) -> list[str | Interactive] | None:
    """Return a turn as texts and one set of choices to tap; None when they cannot be tapped.

    As in `render_turn`, only the last reply's choices count; its text (at most 1024
    characters, the Content API's limit, the rest going first as text) is the body they go with.
    """
    numbered = next((reply for reply in reversed(replies) if reply.choices), None)
    if numbered is None:
        return None
    kind = interactive_kind(numbered.choices)
    position = replies.index(numbered)
    before = [embolden_title(reply.text.strip()) for reply in replies[: position + 1]]
    text = "\n\n".join(block for block in before if block)
    if kind is None or not text:
        return None
    parts: list[str] = split_body(text)
    body = parts.pop()
    if body_length(body) > MAX_CONTENT_BODY:
        pieces = split_body(body, MAX_CONTENT_BODY)
        body = pieces.pop()
        parts += pieces
    # The body is a template variable, which holds no line breaks: the paragraphs before the
    # last go first as text, the last one is folded onto one line (see content.fold_variable).
    earlier, separator, last = body.rpartition("\n\n")
    if separator and earlier.strip() and last.strip():
        parts.append(earlier)
        body = last
    fallback = tuple(split_body(f"{body}\n\n{choices_block(numbered)}"))
    button = _("Voir les choix") if kind is WhatsAppContentKind.LIST_PICKER else ""
    descriptions = (
        list_descriptions(numbered.choices) if kind is WhatsAppContentKind.LIST_PICKER else ()
    )
    after = "\n\n".join(
        block
        for block in (embolden_title(r.text.strip()) for r in replies[position + 1 :])
        if block
    )
    interactive = Interactive(kind, body, numbered.choices, button, fallback, descriptions)
    return [*parts, interactive, *(split_body(after) if after else [])]
