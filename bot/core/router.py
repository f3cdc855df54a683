"""Send each message to the one feature that answers it."""

import logging
from typing import TypeVar

from rapidfuzz import fuzz

from bot.core import payloads
from bot.core.actions import Cancel, MainMenu
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.keywords import global_action, is_greeting
from bot.core.payloads import Payload
from bot.core.turn import OFFERED_KEY, Turn
from bot.domain import Flow
from bot.text import fold
from nlu import Intent

log = logging.getLogger(__name__)

K = TypeVar("K")
# A typed word must be this close to a button's label to count as pressing it.
CHOICE_MATCH_SCORE = 88


class Router:
    """Dispatch by button payload, then global keyword, then open form, then NLU intent."""

    def __init__(self, features: list[Feature], *, fallback: Feature) -> None:
        self._fallback = fallback
        self._by_payload: dict[type[Payload], Feature] = {}
        self._by_intent: dict[str, Feature] = {}
        self._by_flow: dict[Flow, Feature] = {}
        # Features that look at every free-text message outside a form before its intent
        # routes it (another country, a comparison of forms): the ones overriding `claims`.
        self._claimants = [f for f in features if type(f).claims is not Feature.claims]
        for feature in features:
            _register(self._by_payload, feature.payloads, feature)
            _register(self._by_intent, feature.intents, feature)
            _register(self._by_flow, feature.flows, feature)

    def handle(self, turn: Turn) -> None:
        """Answer one message."""
        capturing = self._by_flow.get(turn.conversation.flow)
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
        keyword = global_action(turn.text)
        if keyword is not None:
            flow = turn.conversation.flow
            self.dispatch(turn, keyword)
            if capturing is not None and turn.conversation.flow is flow:
                # "aide" or "stop" in the middle of a form: answer, then ask again.
                capturing.resume(turn)
            return
        action = _offered_choice(turn)
        if action is not None:
            self.dispatch(turn, action)
            return
        if capturing is not None:
            if is_greeting(turn.text):
                capturing.resume(turn)
            else:
                capturing.on_text(turn)
            return
        result = turn.parse()
        claimant = next((f for f in self._claimants if f.claims(turn, result)), None)
        if claimant is not None:
            claimant.on_intent(turn, result)
            return
        feature = self._by_intent.get(_known_intent(result.intent), self._fallback)
        feature.on_intent(turn, result)

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


def _offered_payloads(turn: Turn) -> set[str]:
    offered: list[list[str]] = turn.conversation.data.get(OFFERED_KEY) or []
    return {packed for _label, packed in offered}


def _offered_choice(turn: Turn) -> Payload | None:
    """Read "2" or the words of a button as pressing a button offered in the last reply."""
    offered: list[list[str]] = turn.conversation.data.get(OFFERED_KEY) or []
    text = turn.text
    if not offered or not text:
        return None
    if text.isdigit():
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
