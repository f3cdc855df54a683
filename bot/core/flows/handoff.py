"""Requests to talk to a person, recorded for staff, with the details the person adds after.

```mermaid
stateDiagram-v2
    [*] --> open: Handoff / "je veux parler à un agent"
    open --> open: details typed (added to the request) / other questions (answered)
    open --> [*]: staff close the request / menu
```
"""

import logging

from bot.core.actions import Handoff as HandoffButton
from bot.core.actions import MainMenu
from bot.core.feature import INTERRUPT_CONFIDENCE, INTERRUPT_QUESTION_CONFIDENCE, Feature
from bot.core.flows.menu import show_menu
from bot.core.i18n import N_, _
from bot.core.keywords import is_acknowledgement, yes_or_no
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Channel, FaqTopic, Flow, Locale
from bot.storage import contacts, replies
from bot.storage.models import HandoffRequest
from bot.storage.types import clip
from bot.text import is_question
from nlu import Intent, ParseResult

log = logging.getLogger(__name__)


class HandoffFeature(Feature):
    """Record that someone wants a member of staff, and say what happens next."""

    flows = (Flow.HANDOFF,)
    intents = (Intent.HUMAN_HANDOFF,)
    payloads = (HandoffButton,)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the "talk to a person" button."""
        self.request(turn, reason="button")

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "je veux parler à un agent"."""
        self.request(turn, reason="asked", last_message=turn.text)

    def still_open(self, turn: Turn) -> bool:
        """Keep collecting details while staff have not closed the request."""
        return contacts.open_handoff(turn.session, contact_id=turn.contact_id) is not None

    def fits(self, turn: Turn) -> bool:
        """Take the message as a detail for staff unless it is plainly another question."""
        if is_acknowledgement(turn.text) or is_question(turn.text):
            # A question is answered when it can be; otherwise it is added as a detail.
            return False
        result = turn.parse()
        if result.intent in (Intent.OUT_OF_SCOPE, Intent.HUMAN_HANDOFF):
            return True
        return result.confidence < INTERRUPT_CONFIDENCE

    def on_text(self, turn: Turn) -> None:
        """Add what the person writes to their open request, for the agent who calls back."""
        request = contacts.open_handoff(turn.session, contact_id=turn.contact_id)
        result = turn.parse()
        asked_again = (
            result.intent == Intent.HUMAN_HANDOFF
            and result.confidence >= INTERRUPT_QUESTION_CONFIDENCE
        )
        if request is None or asked_again:
            self.request(turn, reason="asked", last_message=turn.text)
            return
        if yes_or_no(turn.text) is not None:
            # "non", "oui": no detail for staff, nothing to add.
            turn.say(
                _("D'accord. Écrivez votre question quand vous voulez."), [(_("Menu"), MainMenu())]
            )
            return
        _add_details(request, turn.text)
        turn.session.add(request)
        log.info("details added to handoff request %s", request.id)
        turn.say(
            _(
                "C'est noté : j'ai ajouté votre message à votre demande. Un agent de la "
                "{directorate} le lira avant de vous répondre."
            ).format(directorate=turn.directorate),
            [(_("Menu"), MainMenu())],
        )

    def overheard(self, turn: Turn) -> None:
        """Add a statement answered by another feature to the request too: staff see it all."""
        request = contacts.open_handoff(turn.session, contact_id=turn.contact_id)
        if request is None or is_question(turn.text):
            return
        _add_details(request, turn.text)
        turn.session.add(request)
        turn.say(_("J'ai aussi ajouté ce message à votre demande."))

    def resume(self, turn: Turn) -> None:
        """Ask nothing: the request waits for staff, details are welcome at any time."""

    def cancel(self, turn: Turn) -> None:
        """Stop adding details; the request itself stays with staff."""
        turn.go_idle()
        show_menu(
            turn,
            _("D'accord. Votre demande reste transmise à l'équipe de la {directorate}.").format(
                directorate=turn.directorate
            ),
        )

    def request(self, turn: Turn, *, reason: str, last_message: str | None = None) -> None:
        """Record the request, once while an earlier one is still open."""
        entry = turn.pack.faq[FaqTopic.HANDOFF]
        # Asked in the middle of a form, the form goes on: details are not collected then.
        collecting = turn.conversation.flow in (Flow.IDLE, Flow.GUIDE, Flow.HANDOFF)
        details = (
            "\n"
            + _(
                "Vous pouvez écrire ici votre question ou les détails de votre situation : je "
                "les ajoute à votre demande."
            )
            if collecting
            else ""
        )
        if contacts.open_handoff(turn.session, contact_id=turn.contact_id) is not None:
            intro = _("Votre demande est déjà transmise à l'équipe de la {directorate}.")
        else:
            request = contacts.record_handoff(
                turn.session, contact_id=turn.contact_id, reason=reason, last_message=last_message
            )
            log.info("handoff request %s from contact %s", request.id, turn.contact_id)
            announce_to_staff(turn, request)
            intro = _("Votre demande est transmise à l'équipe de la {directorate}.")
        if collecting:
            turn.go(Flow.HANDOFF)
        turn.say(
            intro.format(directorate=turn.directorate) + "\n" + turn.local(entry.answer) + details,
            [(_("Menu"), MainMenu())],
        )

    def reply_time(self, turn: Turn) -> None:
        """Say honestly when a person will answer: what the content pack knows, no promise."""
        entry = turn.pack.faq[FaqTopic.HANDOFF]
        request = contacts.open_handoff(turn.session, contact_id=turn.contact_id)
        if request is None:
            turn.say(
                _(
                    "Moi, je réponds tout de suite, à toute heure. Pour qu'un agent de la "
                    "{directorate} vous réponde, demandez à parler à une personne."
                ).format(directorate=turn.directorate)
                + "\n"
                + turn.local(entry.answer),
                [(_("Parler à une personne"), HandoffButton()), (_("Menu"), MainMenu())],
            )
            return
        turn.say(
            _(
                "Votre demande du {date} est bien enregistrée. Un agent de la {directorate} "
                "vous répondra dans cette conversation. Je ne peux pas vous promettre de délai "
                "précis."
            ).format(
                date=turn.translator.format_date(
                    request.created_at.astimezone(turn.services.settings.tz).date()
                ),
                directorate=turn.directorate,
            )
            + "\n"
            + turn.local(entry.answer),
            [(_("Menu"), MainMenu())],
        )


_ANNOUNCEMENT = N_("Nouvelle demande de contact avec une personne ({channel}) : {who}")


def announce_to_staff(turn: Turn, request: HandoffRequest) -> None:
    """Tell the staff's Telegram chat (RELAIS_STAFF_TELEGRAM_CHAT_ID) of a new request.

    The message is queued in the reply outbox in the turn's transaction, so it leaves once
    the request is committed, with Telegram's limits and retries, in the staff's language.
    """
    settings = turn.services.settings
    chat_id = settings.staff_telegram_chat_id
    if chat_id is None or not settings.telegram_enabled:
        return
    contact = turn.contact
    translator = turn.services.catalogues.translator(Locale(settings.default_locale))
    lines = [
        translator.gettext(_ANNOUNCEMENT).format(
            channel=contact.channel.value,
            who=contact.name or (contact.address if contact.channel is not Channel.WEB else "—"),
        )
    ]
    if request.last_message:
        lines.append(f"« {request.last_message[:300]} »")
    if settings.public_url:
        lines.append(f"{settings.public_url.rstrip('/')}/admin/conversations/{request.id}")
    replies.add_replies(
        turn.session,
        channel=Channel.TELEGRAM,
        address=str(chat_id),
        contact_id=None,
        message_id=None,
        replies=[("\n".join(lines), [])],
        context={replies.NOTICE: True},
    )


def _add_details(request: HandoffRequest, text: str) -> None:
    """Append a message to what staff will read (the column keeps the first 500 characters)."""
    joined = f"{request.last_message}\n{text}" if request.last_message else text
    request.last_message = clip(HandoffRequest, "last_message", joined)
