"""Rendering replies for Telegram: message size, keyboards, callback data, commands."""

import pytest

from bot.channels.telegram.commands import command_name, deep_link
from bot.channels.telegram.render import (
    MAX_TEXT,
    CallbackDataTooLong,
    build_keyboard,
    render,
    split_text,
    telegram_length,
)
from bot.core.messages import Choice, Outgoing


def layout(choices: list[Choice]) -> list[list[str]]:
    keyboard = build_keyboard(choices)
    assert keyboard is not None
    return [[button.text for button in row] for row in keyboard.inline_keyboard]


def test_short_texts_are_sent_whole() -> None:
    assert split_text("  Bonjour !\n\nÇa va ?  ") == ["Bonjour !\n\nÇa va ?"]
    assert split_text("   ") == []


def test_long_texts_are_split_between_paragraphs() -> None:
    paragraphs = [f"Paragraphe {number}." + " mot" * 150 for number in range(20)]
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(telegram_length(part) <= MAX_TEXT for part in parts)
    assert all(part.startswith("Paragraphe") for part in parts)
    assert "\n\n".join(parts) == text


def test_a_huge_paragraph_is_split_on_lines_then_words_then_anywhere() -> None:
    lines = "\n".join("début" + " ligne" * 100 for _ in range(20))
    parts = split_text(lines)
    assert len(parts) == 4  # six lines of 607 characters in each message
    assert all(telegram_length(part) <= MAX_TEXT for part in parts)
    assert all(part.startswith("début") for part in parts)
    assert "\n".join(parts) == lines
    words = " ".join(["mot"] * 3000)
    assert " ".join(split_text(words)) == words
    blob = "x" * 10_000
    assert "".join(split_text(blob)) == blob
    assert [len(part) for part in split_text(blob)] == [4096, 4096, 1808]


def test_length_counts_like_telegram() -> None:
    emoji = "😀" * 3000  # 2 UTF-16 units each: 6000 in all
    parts = split_text(emoji)
    assert len(parts) == 2
    assert all(telegram_length(part) <= MAX_TEXT for part in parts)


def test_buttons_go_under_the_last_part() -> None:
    reply = Outgoing("a " * 3000, (Choice("Menu", "menu"),))
    first, second = render(reply)
    assert first.keyboard is None and second.keyboard is not None
    [only] = render(Outgoing("", (Choice("Menu", "menu"),)))
    assert only.text and only.keyboard is not None
    assert render(Outgoing("")) == []


def test_short_labels_share_a_row_long_ones_do_not() -> None:
    assert layout([Choice("Oui", "y"), Choice("Non", "n")]) == [["Oui", "Non"]]
    assert layout(
        [
            Choice("Français", "fr"),
            Choice("English", "en"),
            Choice("العربية", "ar"),
            Choice("Pré-inscrire mon organisation", "prereg:"),
            Choice("Menu", "menu"),
        ]
    ) == [["Français", "English"], ["العربية"], ["Pré-inscrire mon organisation"], ["Menu"]]
    assert build_keyboard(()) is None


def test_callback_data_over_64_bytes_is_refused_loudly() -> None:
    assert layout([Choice("Ok", "é" * 32)]) == [["Ok"]]
    with pytest.raises(CallbackDataTooLong, match="65 bytes"):
        build_keyboard([Choice("Trop long", "é" * 32 + "x")])
    with pytest.raises(CallbackDataTooLong):
        build_keyboard([Choice("Vide", "")])


def test_deep_links() -> None:
    assert deep_link("preinscription") == "prereg:"
    assert deep_link("preinscription_cooperative") == "prereg:cooperative"
    assert deep_link("Preinscription-ONG") == "prereg:ngo"
    assert deep_link("association") == "guide:association:o"
    assert deep_link("choisir") == "choose"
    assert deep_link("nimportequoi") is None
    assert deep_link("pas de espaces") is None


def test_command_names() -> None:
    assert command_name("/aide@RelaisBot  merci ") == ("aide", "RelaisBot", "merci")
    assert command_name("/MENU") == ("menu", None, "")
