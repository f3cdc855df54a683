"""The shape of a feature: the flows, intents and buttons it answers."""

from typing import ClassVar

from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow
from nlu import Intent, ParseResult

# How sure the NLU must be before a message that does not answer a form's question is taken
# as another question (lower when the message is plainly a question).
INTERRUPT_CONFIDENCE = 0.75
INTERRUPT_QUESTION_CONFIDENCE = 0.6


class Feature:
    """Base of every feature module; the router sends each message to exactly one feature."""

    #: flows whose free text this feature reads as answers (forms, questions)
    flows: ClassVar[tuple[Flow, ...]] = ()
    #: NLU intents this feature answers when no form is waiting for an answer
    intents: ClassVar[tuple[Intent, ...]] = ()
    #: button payload types this feature answers
    payloads: ClassVar[tuple[type[Payload], ...]] = ()

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer a button press."""
        raise NotImplementedError

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer a free-text message outside any form."""
        raise NotImplementedError

    def on_text(self, turn: Turn) -> None:
        """Read a free-text answer to the question this feature asked."""
        raise NotImplementedError

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text reads as an answer to the pending question (or one handled here).

        When it does not, and the message reads confidently as another question, the router
        answers that question first, then asks the pending one again.
        """
        return True

    def resumes_after(self, turn: Turn) -> bool:
        """Tell whether to ask the pending question again once another question was answered."""
        return True

    def still_open(self, turn: Turn) -> bool:
        """Tell whether the flow still waits for something (else the router leaves it)."""
        return True

    def can_resume(self, turn: Turn) -> bool:
        """Tell whether there is work left half-way that "continuer" would pick up."""
        return False

    def intercepts(self, turn: Turn, action: Payload) -> bool:
        """Handle a word that works everywhere in this flow's own way; True when handled.

        A consultation reads "stop" as leaving the consultation, not as unsubscribing.
        """
        return False

    def answers_typed_text(self, turn: Turn) -> bool:
        """Tell whether typed text answers the question itself rather than pressing a button.

        The router otherwise reads "2" or a button's words as pressing that button.
        """
        return False

    def overheard(self, turn: Turn) -> None:
        """Take note of a message another feature answers while this flow waits (default: none)."""

    def claims(self, turn: Turn) -> bool:
        """Tell whether this feature reads the message in the light of the conversation so far.

        Asked before the message's intent is looked up: a follow-up such as "et pour une
        coop ?", "on est 9" or a file reference only makes sense against what was said before.
        A claiming feature then answers through `on_intent`.
        """
        return False

    def resume(self, turn: Turn) -> None:
        """Ask again the question the person left unanswered."""
        raise NotImplementedError

    def cancel(self, turn: Turn) -> None:
        """Abandon the flow, saying what was kept or dropped."""
        turn.go_idle()
