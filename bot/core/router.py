"""Send each message to the one feature that answers it."""

import dataclasses
import logging
from typing import TypeVar

from rapidfuzz import fuzz

from bot.core import i18n, payloads
from bot.core.actions import RIGHTS, Cancel, MainMenu
from bot.core.feature import INTERRUPT_CONFIDENCE, INTERRUPT_QUESTION_CONFIDENCE, Feature
from bot.core.i18n import _
from bot.core.keywords import (
    after_acknowledgement,
    after_greeting,
    asks_to_repeat,
    global_action,
    is_acknowledgement,
    is_greeting,
    is_resume_word,
    waves,
)
from bot.core.messages import Choice, Outgoing
from bot.core.payloads import Payload
from bot.core.turn import ASKED_KEY, KEPT_KEYS, OFFERED_KEY, Turn
from bot.domain import Flow
from bot.text import fold, is_question
from nlu import Intent, ParseResult

log = logging.getLogger(__name__)

K = TypeVar("K")
# A typed word must be this close to a button's label to count as pressing it.
CHOICE_MATCH_SCORE = 88
# "A", "ok", "12": too short to be a question of their own in the middle of a form.
MIN_INTERRUPTING_LETTERS = 4
# Intents that say nothing by themselves: they never interrupt a form.
NOT_INTERRUPTING = frozenset(
    [Intent.OUT_OF_SCOPE, Intent.AFFIRM, Intent.DENY, Intent.GREET, Intent.THANKS, Intent.GOODBYE]
)


# Said in words or by the NLU, what `actions.RIGHTS` are as buttons.
_RIGHTS_INTENTS = frozenset({Intent.UNSUBSCRIBE, Intent.DATA_RIGHTS})
_RIGHTS_FLOWS = frozenset({Flow.DATA_DELETION})


class Router:
    """Dispatch by button payload, then global keyword, then open form, then NLU intent."""

    def __init__(self, features: list[Feature], *, fallback: Feature) -> None:
        self._fallback = fallback
        self._by_payload: dict[type[Payload], Feature] = {}
        self._by_intent: dict[str, Feature] = {}
        self._by_flow: dict[Flow, Feature] = {}
        self._features = list(features)
        for feature in features:
            _register(self._by_payload, feature.payloads, feature)
            _register(self._by_intent, feature.intents, feature)
            _register(self._by_flow, feature.flows, feature)

    def handle(self, turn: Turn) -> None:
        """Answer one message."""
        capturing = self._capturing(turn)
        if turn.incoming.payload:
            pressed = self._pressed(turn)
            if pressed is not None:
                self.dispatch(turn, pressed)
            elif capturing is not None:
                # An old, forged or unknown button: ask the pending question again.
                turn.say(_("Ce bouton n'est plus valable."))
                capturing.resume(turn)
            else:
                self._fallback.on_intent(turn, turn.parse())
            return
        if is_resume_word(turn.text):
            # "reprendre" in the middle of a form goes on with it, it does not subscribe.
            resumable = [capturing] if capturing else []
            resumable += [f for f in self._features if f is not capturing and f.can_resume(turn)]
            for feature in resumable:
                feature.resume(turn)
                if turn.replies:
                    return
        if asks_to_repeat(turn.text) and self._repeat(turn, capturing):
            return
        keyword = global_action(turn.text)
        if keyword is not None and capturing is not None and capturing.intercepts(turn, keyword):
            return
        if keyword is not None:
            flow = turn.conversation.flow
            self.dispatch(turn, keyword)
            if capturing is not None and turn.conversation.flow is flow:
                # "aide" or "stop" in the middle of a form: answer, then ask again.
                capturing.resume(turn)
            return
        typed = capturing is not None and capturing.answers_typed_text(turn)
        action = None if typed else _offered_choice(turn)
        if action is not None:
            self.dispatch(turn, action)
            return
        if capturing is not None:
            self._answer_in_form(turn, capturing)
            return
        self._answer_free_text(turn)

    def _repeat(self, turn: Turn, capturing: Feature | None) -> bool:
        """Ask the last question again ("pardon ?"); False when there was none."""
        if capturing is not None:
            capturing.resume(turn)
            if turn.replies:
                return True
        asked = turn.recall(ASKED_KEY)
        if not asked:
            return False
        offered: list[list[str]] = turn.conversation.data.get(OFFERED_KEY) or []
        buttons = tuple(Choice(label, packed) for label, packed in offered)
        turn.replies.append(Outgoing(text=asked, choices=buttons))
        return True

    def asks_for_a_right(self, turn: Turn) -> bool:
        """Tell whether a message asks for what staff answering it cannot hold back.

        STOP, "what do you keep about me", "delete my data", its buttons, and the answer to
        the deletion question (see `actions.RIGHTS`).
        """
        if turn.incoming.payload:
            return isinstance(self._pressed(turn), RIGHTS)
        if isinstance(global_action(turn.text), RIGHTS) or turn.conversation.flow in _RIGHTS_FLOWS:
            return True
        return _known_intent(turn.parse().intent) in _RIGHTS_INTENTS

    def is_capturing(self, flow: Flow) -> bool:
        """Tell whether a flow reads free text as answers to its own question."""
        return flow in self._by_flow

    def _capturing(self, turn: Turn) -> Feature | None:
        capturing = self._by_flow.get(turn.conversation.flow)
        if capturing is not None and not capturing.still_open(turn):
            turn.go_idle()
            return None
        return capturing

    def _answer_free_text(self, turn: Turn) -> None:
        if waves(turn.text):
            turn.read_as("bonjour")  # the NLU reads words: a wave is read as the hello it is
        greeted = self._drop_greeting(turn)
        if is_acknowledgement(turn.text):
            self._fallback.on_intent(turn, _acknowledgement(turn.text))
            return
        claiming = self._claiming(turn, exclude=None)
        if claiming is not None:
            claiming.on_intent(turn, turn.parse())
        else:
            result = turn.parse()
            feature = self._by_intent.get(_known_intent(result.intent), self._fallback)
            feature.on_intent(turn, result)
        if greeted and turn.replies:
            # One short greeting in front of the answer, not a menu instead of it.
            first = turn.replies[0]
            hello = _("Bonjour !")
            turn.replies[0] = dataclasses.replace(first, text=f"{hello}\n{first.text}")

    def _drop_greeting(self, turn: Turn) -> bool:
        """Read "bjr cmt on fait 1 coop" as its question; True when a greeting was dropped."""
        acknowledged = after_acknowledgement(turn.text)
        if acknowledged is not None and self._meaningful_alone(turn, acknowledged):
            turn.read_as(acknowledged)  # "ok merci, et pour une coop ?"
            return False
        rest = after_greeting(turn.text)
        if rest is None:
            return False
        whole = turn.parse()
        if whole.intent != Intent.GREET and not whole.is_out_of_scope:
            # Already read as the question ("salam, how do I create an NGO").
            turn.read_as(rest)
            return True
        if self._meaningful_alone(turn, rest):
            turn.read_as(rest)
            return True
        return False

    def _meaningful_alone(self, turn: Turn, rest: str) -> bool:
        """Tell whether the rest of a message is a question by itself (the turn is left as is)."""
        whole = turn.text
        turn.read_as(rest)
        meaningful = self._claiming(turn, exclude=None) is not None or _meaningful(turn.parse())
        turn.read_as(whole)
        return meaningful

    def _answer_in_form(self, turn: Turn, capturing: Feature) -> None:
        """Read the text as the form's answer, unless it is plainly something else."""
        rest = after_greeting(turn.text)
        if rest is not None:
            turn.read_as(rest)
        if is_greeting(turn.text):
            capturing.resume(turn)
            if not turn.replies:
                # Nothing pending to ask again (a request for a person waits): greet back.
                self._answer_free_text(turn)
            return
        if capturing.fits(turn):
            capturing.on_text(turn)
            return
        if is_acknowledgement(turn.text):
            # "ok" is not an answer to "what is its name?": ask again, nothing counted.
            capturing.resume(turn)
            if not turn.replies:
                self._fallback.on_intent(turn, _acknowledgement(turn.text))
            return
        other = self._claiming(turn, exclude=capturing) or self._interrupting(turn, capturing)
        if other is None:
            capturing.on_text(turn)
            return
        self._answer_then_resume(turn, capturing, other)

    def _claiming(self, turn: Turn, *, exclude: Feature | None) -> Feature | None:
        return next(
            (f for f in self._features if f is not exclude and f.claims(turn)),
            None,
        )

    def _interrupting(self, turn: Turn, capturing: Feature) -> Feature | None:
        """Return the feature of a confident other intent, if the message has one."""
        if len(fold(turn.text).replace(" ", "")) < MIN_INTERRUPTING_LETTERS:
            return None
        result = turn.parse()
        intent = _known_intent(result.intent)
        if intent in NOT_INTERRUPTING:
            return None
        feature = self._by_intent.get(intent)
        if feature is None or feature is capturing:
            return None
        needed = INTERRUPT_QUESTION_CONFIDENCE if is_question(turn.text) else INTERRUPT_CONFIDENCE
        return feature if result.confidence >= needed else None

    def _answer_then_resume(self, turn: Turn, capturing: Feature, other: Feature) -> None:
        """Answer another question in the middle of a form, then ask the form's question again."""
        conversation = turn.conversation
        flow, step = conversation.flow, conversation.step
        own = {key: value for key, value in conversation.data.items() if key not in KEPT_KEYS}
        capturing.overheard(turn)
        other.on_intent(turn, turn.parse())
        moved_to = conversation.flow
        if moved_to is not flow and self.is_capturing(moved_to):
            return  # the question started another form ("supprimer mes données")
        if not capturing.resumes_after(turn):
            return
        kept = {key: value for key, value in conversation.data.items() if key in KEPT_KEYS}
        conversation.flow, conversation.step = flow, step
        conversation.data = {**kept, **own}
        # In the language the answer may have just switched to ("in english please").
        with i18n.using(turn.translator):
            capturing.resume(turn)

    def dispatch(self, turn: Turn, action: Payload) -> None:
        """Run the feature behind a button payload."""
        if isinstance(action, Cancel):
            capturing = self._by_flow.get(turn.conversation.flow)
            if capturing is not None:
                capturing.cancel(turn)
            else:
                turn.say(_("Il n'y a rien à annuler."))
                self._fallback.on_payload(turn, MainMenu())
            return
        feature = self._by_payload.get(type(action))
        if feature is None:
            msg = f"no feature answers {type(action).__name__}"
            raise LookupError(msg)
        feature.on_payload(turn, action)

    def _pressed(self, turn: Turn) -> Payload | None:
        """Return the button pressed, if it is one that can be pressed now."""
        packed = turn.incoming.payload or ""
        action = payloads.parse(packed)
        if action is None or not (isinstance(action, Cancel) or type(action) in self._by_payload):
            # Unknown, or a button another front door answers (a staff broadcast's).
            log.info("ignoring unknown button payload %r", packed[: payloads.MAX_BYTES])
            return None
        if action.offered_only and packed not in _offered_payloads(turn):
            log.info("ignoring button %r: the question it answers is not asked now", packed)
            return None
        return action


def _known_intent(name: str) -> Intent:
    """Map an intent name (a Rasa server may return others) to the contract's intents."""
    try:
        return Intent(name)
    except ValueError:
        return Intent.OUT_OF_SCOPE


def _meaningful(result: ParseResult) -> bool:
    return result.intent not in NOT_INTERRUPTING and result.confidence >= INTERRUPT_CONFIDENCE


def _acknowledgement(text: str) -> ParseResult:
    """Read "ok", "merci", "okay thanks" as the small talk they are."""
    thanked = any(word in fold(text) for word in ("merci", "mrc", "mci", "thank", "thx", "شكر"))
    intent = Intent.THANKS if thanked else Intent.AFFIRM
    return ParseResult(text=text, intent=intent.value, confidence=1.0)


def _offered_payloads(turn: Turn) -> set[str]:
    offered: list[list[str]] = turn.conversation.data.get(OFFERED_KEY) or []
    return {packed for _label, packed in offered}


def _offered_choice(turn: Turn) -> Payload | None:
    """Read "2" or the words of a button as pressing a button offered in the last reply."""
    offered: list[list[str]] = turn.conversation.data.get(OFFERED_KEY) or []
    text = turn.text
    if not offered or not text:
        return None
    if text.isdecimal():
        index = int(text) - 1
        return payloads.parse(offered[index][1]) if 0 <= index < len(offered) else None
    folded = fold(text)
    if not folded:
        return None
    best_score, best_payload = 0.0, None
    for label, packed in offered:
        score = fuzz.ratio(folded, fold(label))
        if score > best_score:
            best_score, best_payload = score, packed
    if best_score >= CHOICE_MATCH_SCORE and best_payload is not None:
        return payloads.parse(best_payload)
    return None


def _register(table: dict[K, Feature], keys: tuple[K, ...], feature: Feature) -> None:
    for key in keys:
        if key in table:
            first, second = type(table[key]).__name__, type(feature).__name__
            msg = f"{key!r} is answered by both {first} and {second}"
            raise ValueError(msg)
        table[key] = feature
