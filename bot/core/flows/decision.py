"""The decision helper: three or four questions that end on a recommended form.

```mermaid
stateDiagram-v2
    [*] --> question: StartDecision / "association ou coopérative ?"
    question --> question: answer leads to another question
    question --> outcome: answer leads to an outcome
    outcome --> [*]: guide / pre-registration / menu
```
The questions and outcomes are the country pack's `decision.yml`.
"""

from bot.content.decision import Outcome, Transition, YesNoNode
from bot.core.actions import (
    Answer,
    DecisionReply,
    MainMenu,
    ShowGuide,
    StartDecision,
    StartPreregistration,
)
from bot.core.feature import Feature
from bot.core.flows.names import COOP_FORM_NAMES, org_type_name
from bot.core.i18n import _
from bot.core.keywords import read_yes_or_no
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow
from bot.text import fold, is_question, read_count
from nlu import EntityType, Intent, ParseResult

NODE_KEY = "node"
# "peut-être", "je sais pas", "bof": short words that try to answer; longer text is something else.
ATTEMPT_WORDS = 3
# Intents by which a person who names a form has made their choice: the questions stop.
CHOSEN = frozenset([Intent.HOW_TO_CREATE, Intent.PREREGISTER])


class DecisionFeature(Feature):
    """Help someone choose between the five forms."""

    flows = (Flow.DECISION,)
    intents = (Intent.CHOOSE_STRUCTURE,)
    payloads = (StartDecision, DecisionReply)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Start the helper or take a yes/no button."""
        if isinstance(payload, DecisionReply):
            if turn.conversation.flow is not Flow.DECISION or payload.node != turn.data(NODE_KEY):
                # An old button from an earlier round: ask the current question again.
                self.resume(turn)
                return
            node = turn.pack.decision.nodes[payload.node]
            if isinstance(node, YesNoNode):
                self._follow(turn, node.route(payload.answer is Answer.YES))
            else:
                self.resume(turn)
        else:
            self.start(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Start the helper when someone hesitates between forms."""
        self.start(turn)

    def start(self, turn: Turn) -> None:
        """Ask the first question."""
        turn.say(_("Je vais vous poser quelques questions courtes pour trouver la bonne forme."))
        self._ask(turn, turn.pack.decision.start)

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text tries to answer the question (else it may be another one)."""
        node = turn.pack.decision.nodes[turn.data(NODE_KEY)]
        if not isinstance(node, YesNoNode):
            return read_count(turn.text) is not None or _attempt(turn.text)
        return read_yes_or_no(turn) is not None or _attempt(turn.text)

    def resumes_after(self, turn: Turn) -> bool:
        """Stop asking once the person named the form they want ("en fait, une coopérative")."""
        result = turn.parse()
        named = result.entity(EntityType.ORG_TYPE)
        return not (named and result.intent in CHOSEN)

    def on_text(self, turn: Turn) -> None:
        """Read a typed answer: yes/no, or a number of founders."""
        node_id: str = turn.data(NODE_KEY)
        node = turn.pack.decision.nodes[node_id]
        attempt = _attempt(turn.text)
        if not isinstance(node, YesNoNode):
            count = read_count(turn.text)
            transition = node.route(count) if count is not None else None
            if transition is None:
                turn.misunderstood()
                turn.say(_("Écrivez un nombre, par exemple 8.") if attempt else self._lost())
                self._ask(turn, node_id)
                return
            self._follow(turn, transition)
            return
        answer = read_yes_or_no(turn)
        if answer is None:
            turn.misunderstood()
            turn.say(_("Répondez par oui ou par non.") if attempt else self._lost())
            self._ask(turn, node_id)
            return
        self._follow(turn, node.route(answer))

    def _lost(self) -> str:
        """Say that the message was neither an answer nor a known question, and the way out."""
        return _(
            "Je n'ai pas compris votre message. Répondez à la question ci-dessous, ou écrivez "
            "« annuler » pour arrêter les questions et poser la vôtre."
        )

    def resume(self, turn: Turn) -> None:
        """Ask the pending question again."""
        node_id = turn.data(NODE_KEY)
        if turn.conversation.flow is not Flow.DECISION or node_id is None:
            self.start(turn)
            return
        turn.say(_("Reprenons où nous en étions."))
        self._ask(turn, node_id)

    def cancel(self, turn: Turn) -> None:
        """Stop the helper."""
        turn.go_idle()
        turn.say(_("D'accord, j'arrête les questions."), [(_("Menu"), MainMenu())])

    def _follow(self, turn: Turn, transition: Transition) -> None:
        if transition.outcome is not None:
            self._conclude(turn, transition.outcome)
        else:
            assert transition.next is not None
            self._ask(turn, transition.next)

    def _ask(self, turn: Turn, node_id: str) -> None:
        node = turn.pack.decision.nodes[node_id]
        turn.go(Flow.DECISION, NODE_KEY, **{NODE_KEY: node_id})
        question = turn.local(node.question)
        if node.help is not None:
            question = f"{question}\n{turn.local(node.help)}"
        if not isinstance(node, YesNoNode):
            turn.say(question)
        else:
            turn.say(
                question,
                [
                    (_("Oui"), DecisionReply(node_id, Answer.YES)),
                    (_("Non"), DecisionReply(node_id, Answer.NO)),
                ],
            )

    def _conclude(self, turn: Turn, outcome: Outcome) -> None:
        turn.go_idle()
        turn.topic = outcome.org_type
        turn.remember(
            recommended=[
                {
                    "org_type": outcome.org_type.value,
                    "coop_form": outcome.coop_form.value if outcome.coop_form else None,
                }
            ],
            coop_form=outcome.coop_form.value if outcome.coop_form else None,
        )
        name = (
            _(COOP_FORM_NAMES[outcome.coop_form])
            if outcome.coop_form
            else org_type_name(outcome.org_type)
        )
        turn.say(
            _("Je vous conseille : {name}.\n{why}").format(name=name, why=turn.local(outcome.why)),
            [
                (_("Voir le guide"), ShowGuide(outcome.org_type)),
                *(
                    [(_("Pré-inscrire mon organisation"), StartPreregistration(outcome.org_type))]
                    if outcome.ready
                    else []
                ),
                (_("Recommencer"), StartDecision()),
                (_("Menu"), MainMenu()),
            ],
        )


def _attempt(text: str) -> bool:
    """Tell whether a message looks like an attempt to answer rather than a question."""
    return not is_question(text) and 0 < len(fold(text).split()) <= ATTEMPT_WORDS
