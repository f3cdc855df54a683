"""The shape of a feature: the flows, intents and buttons it answers."""

from typing import ClassVar

from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow
from nlu import Intent, ParseResult


class Feature:
    """Base of every feature module; the router sends each message to exactly one feature."""

    #: flows whose free text this feature reads as answers (forms, questions)
    flows: ClassVar[tuple[Flow, ...]] = ()
    #: NLU intents this feature answers when no form is waiting for an answer
    intents: ClassVar[tuple[Intent, ...]] = ()
    #: button payload types this feature answers
    payloads: ClassVar[tuple[type[Payload], ...]] = ()

    def claims(self, turn: Turn, result: ParseResult) -> bool:
        """Tell whether this feature answers a free-text message whatever its intent."""
        return False

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer a button press."""
        raise NotImplementedError

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer a free-text message outside any form."""
        raise NotImplementedError

    def on_text(self, turn: Turn) -> None:
        """Read a free-text answer to the question this feature asked."""
        raise NotImplementedError

    def resume(self, turn: Turn) -> None:
        """Ask again the question the person left unanswered."""
        raise NotImplementedError

    def cancel(self, turn: Turn) -> None:
        """Abandon the flow, saying what was kept or dropped."""
        turn.go_idle()
