"""Requests to talk to a person, recorded for staff."""

import logging

from bot.core.actions import Handoff as HandoffButton
from bot.core.actions import MainMenu
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import FaqTopic
from bot.storage import contacts
from nlu import Intent, ParseResult

log = logging.getLogger(__name__)


class HandoffFeature(Feature):
    """Record that someone wants a member of staff, and say what happens next."""

    intents = (Intent.HUMAN_HANDOFF,)
    payloads = (HandoffButton,)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the "talk to a person" button."""
        self.request(turn, reason="button")

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "je veux parler à un agent"."""
        self.request(turn, reason="asked", last_message=turn.text)

    def request(self, turn: Turn, *, reason: str, last_message: str | None = None) -> None:
        """Record the request, once while an earlier one is still open."""
        entry = turn.pack.faq[FaqTopic.HANDOFF]
        if contacts.open_handoff(turn.session, contact_id=turn.contact_id) is not None:
            turn.say(
                _("Votre demande est déjà transmise à l'équipe de la {directorate}.").format(
                    directorate=turn.directorate
                )
                + "\n"
                + turn.local(entry.answer),
                [(_("Menu"), MainMenu())],
            )
            return
        request = contacts.record_handoff(
            turn.session, contact_id=turn.contact_id, reason=reason, last_message=last_message
        )
        log.info("handoff request %s from contact %s", request.id, turn.contact_id)
        turn.say(
            _("Votre demande est transmise à l'équipe de la {directorate}.").format(
                directorate=turn.directorate
            )
            + "\n"
            + turn.local(entry.answer),
            [(_("Menu"), MainMenu())],
        )
