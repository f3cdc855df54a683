"""The interface every NLU implementation offers to the conversation engine."""

from typing import Protocol, runtime_checkable

from nlu.result import ParseResult


@runtime_checkable
class NluParser(Protocol):
    """Turn a user message into an intent, a confidence and entities."""

    def parse(self, text: str) -> ParseResult:
        """Understand one message; never raise for odd text, return out_of_scope instead."""
        ...
