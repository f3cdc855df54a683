"""Dialogue tests written as transcripts: what the person sends, what the bot must say."""

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import pytest

from bot.core.engine import Engine
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel

_ids = count(1)
# The content packs every pack-neutral transcript is played with.
PACKS = ("ga", "dz")
# Plays a test once with each country's pack (the `country` fixture, then `engine`, `chat`).
both_packs = pytest.mark.parametrize("country", PACKS)


def packs_of(function: Callable[..., None]) -> tuple[str, ...]:
    """Return the packs a core transcript is played with: both when marked `@both_packs`."""
    for mark in getattr(function, "pytestmark", []):
        if mark.name == "parametrize" and mark.args and mark.args[0] == "country":
            return tuple(mark.args[1])
    return ("ga",)


def play(transcript: Callable[..., None], **fixtures: Any) -> None:
    """Run a core transcript with the fixtures it asks for, out of those a channel offers."""
    transcript(**{name: fixtures[name] for name in inspect.signature(transcript).parameters})


def replays(functions: Sequence[Callable[..., None]]) -> list[Any]:
    """Return (transcript, country) parameters for a channel's replay of core transcripts."""
    return [
        pytest.param(function, country, id=f"{function.__name__}-{country}")
        for function in functions
        for country in packs_of(function)
    ]


# What each pack says where a transcript checks a country's own fact.
PACK_WORDS = {
    "ga": {
        "authority": "APDPVP",
        "law": "001/2011",
        "law_more": "025/2023",
        "law_ar": "القانون رقم 001/2011",
        "prefix": "GA-20",
    },
    "dz": {
        "authority": "ANPDP",
        "law": "18-07",
        "law_more": "2018",
        "law_ar": "القانون رقم 18-07",
        "prefix": "DZ-20",
    },
}


@dataclass
class Chat:
    """One person talking to the engine; keeps the last replies to press their buttons."""

    engine: Engine
    sender: str = "alice"
    channel: Channel = Channel.CONSOLE
    locale_hint: str | None = None
    last: list[Outgoing] = field(default_factory=list)

    def send(
        self, text: str = "", *, payload: str | None = None, message_id: str | None = None
    ) -> str:
        """Send a message and return every reply's text and button labels, joined."""
        self.last = self.engine.handle(
            Incoming(
                channel=self.channel,
                sender=self.sender,
                text=text,
                payload=payload,
                locale_hint=self.locale_hint,
                message_id=message_id,
            )
        )
        return self.transcript()

    def press(self, label: str) -> str:
        """Press the button of the last replies whose label starts with `label`."""
        for reply in reversed(self.last):
            for choice in reply.choices:
                if choice.label.startswith(label):
                    return self.send(payload=choice.payload)
        offered = [choice.label for reply in self.last for choice in reply.choices]
        msg = f"no button {label!r} among {offered}"
        raise AssertionError(msg)

    def transcript(self) -> str:
        """Return the last replies as text, buttons in brackets."""
        parts = []
        for reply in self.last:
            parts.append(reply.text)
            parts.extend(f"[{choice.label}]" for choice in reply.choices)
        return "\n".join(parts)

    def labels(self) -> list[str]:
        """Return the labels of the buttons of the last replies."""
        return [choice.label for reply in self.last for choice in reply.choices]


Step = tuple[str, str | Sequence[str]]


def verify_dialog(chat: Chat, steps: Sequence[Step]) -> None:
    """Play a transcript: "[Label]" presses a button, anything else is typed.

    Each expectation is a fragment (or fragments) the bot's answer must contain; a fragment
    starting with "!" must NOT appear.
    """
    for number, (said, expected) in enumerate(steps, 1):
        if said.startswith("[") and said.endswith("]"):
            answer = chat.press(said[1:-1])
        else:
            answer = chat.send(said)
        fragments = [expected] if isinstance(expected, str) else list(expected)
        for fragment in fragments:
            if fragment.startswith("!"):
                assert fragment[1:] not in answer, (
                    f"step {number} ({said!r}): {fragment[1:]!r} should not be in:\n{answer}"
                )
            else:
                assert fragment in answer, (
                    f"step {number} ({said!r}): expected {fragment!r} in:\n{answer}"
                )
