"""The conversation engine: one Incoming in, Outgoing replies out, state kept in the database."""

import dataclasses
import logging
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session

from bot.core import i18n
from bot.core.actions import Handoff, MainMenu
from bot.core.i18n import _
from bot.core.messages import Incoming, Outgoing
from bot.core.reply_language import LanguageReading, read_language, remembered, switch_offer
from bot.core.router import Router
from bot.core.turn import ASKED_KEY, OFFERED_KEY, Services, Turn
from bot.domain import MessageDirection, ReplyStatus
from bot.locks import ThreadLocks
from bot.storage import contacts, messages, replies
from bot.storage.database import new_session
from bot.storage.models import Contact, ReplyItem
from bot.storage.types import clip, utcnow

log = logging.getLogger(__name__)

# Longer messages are cut: nobody types this much on a phone, and it protects the database.
MAX_TEXT = 4096
MISUNDERSTANDINGS_BEFORE_OFFERING_A_PERSON = 2
QUESTION_MARKS = ("?", "؟")


class Engine:
    """Handle messages one at a time per contact; any number of contacts at once."""

    def __init__(
        self,
        *,
        database: DatabaseEngine,
        services: Services,
        router: Router,
    ) -> None:
        self._database = database
        self._services = services
        self._catalogues = services.catalogues
        self._router = router
        self._locks = ThreadLocks()

    @property
    def services(self) -> Services:
        """Return the services the engine was built with."""
        return self._services

    @property
    def database(self) -> DatabaseEngine:
        """Return the database engine."""
        return self._database

    def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Answer one message; a provider retry of a message already handled gets no answer."""
        incoming = _bounded(incoming)
        with (
            self._locks.hold((incoming.channel, incoming.sender)),
            new_session(self._database) as session,
        ):
            if not self._claim(session, incoming):
                return []
            turn = self._turn(session, incoming)
            session.commit()
            return turn.replies

    def handle_into_outbox(
        self,
        incoming: Incoming,
        *,
        context: dict[str, Any] | None = None,
        delivered: bool = False,
        claim_for: str | None = None,
    ) -> list[ReplyItem]:
        """Answer one message, its replies committed with the new state for a sender to deliver.

        A retry of a message already handled writes nothing and returns the replies written
        the first time. `delivered` records replies the caller hands over itself (the web
        chat's HTTP answer) as sent; `claim_for` writes them claimed by a sender of this
        process when nothing earlier waits for the address (see `replies.add_replies`).
        """
        incoming = _bounded(incoming)
        with (
            self._locks.hold((incoming.channel, incoming.sender)),
            new_session(self._database) as session,
        ):
            if not self._claim(session, incoming):
                assert incoming.message_id is not None
                return replies.replies_to(
                    session, channel=incoming.channel, message_id=incoming.message_id
                )
            turn = self._turn(session, incoming)
            if turn.contact_deleted and delivered:
                # Nothing of a person who asked to be forgotten is written down again.
                session.commit()
                return [
                    ReplyItem(
                        channel=incoming.channel,
                        address="",
                        text=reply.text,
                        choices=[[choice.label, choice.payload] for choice in reply.choices],
                    )
                    for reply in turn.replies
                ]
            items = replies.add_replies(
                session,
                channel=incoming.channel,
                address=incoming.sender,
                contact_id=None if turn.contact_deleted else turn.contact_id,
                message_id=incoming.message_id,
                replies=[
                    (reply.text, [[choice.label, choice.payload] for choice in reply.choices])
                    for reply in turn.replies
                ],
                context=context,
                status=ReplyStatus.SENT if delivered else ReplyStatus.PENDING,
                claim_for=claim_for,
            )
            session.commit()
            return items

    def _claim(self, session: Session, incoming: Incoming) -> bool:
        if incoming.message_id and not contacts.claim_message(
            session,
            channel=incoming.channel,
            message_id=incoming.message_id,
            address=incoming.sender,
        ):
            log.info("duplicate %s message %s ignored", incoming.channel, incoming.message_id)
            session.rollback()
            return False
        return True

    def _turn(self, session: Session, incoming: Incoming) -> Turn:
        """Run one turn in the caller's transaction; the caller commits."""
        contact = contacts.get_or_create_contact(
            session, channel=incoming.channel, address=incoming.sender
        )
        conversation = contacts.lock_conversation(session, contact_id=contact.id or 0)
        contact.last_inbound_at = utcnow()
        if incoming.locale_hint:
            contact.locale_hint = clip(Contact, "locale_hint", incoming.locale_hint)
        if incoming.profile_name and not contact.name:
            contact.name = clip(Contact, "name", incoming.profile_name)
        reading = read_language(
            chosen=contact.locale,
            incoming=incoming,
            flow=conversation.flow,
            data=conversation.data,
            default=self._services.settings.default_locale,
        )
        conversation.data = remembered(conversation.data, reading)
        translator = self._catalogues.translator(reading.locale)
        turn = Turn(
            incoming=incoming,
            contact=contact,
            conversation=conversation,
            session=session,
            services=self._services,
            translator=translator,
        )
        said = _what_was_said(turn)
        # While a member of staff answers from the console the bot keeps quiet: the message
        # is kept for them to read, and nothing else happens, unless it asks for a right
        # (STOP, their data) that no one may hold back.
        answered_by_staff = contacts.taken_handoff(
            session, contact_id=turn.contact_id
        ) is not None and not self._router.asks_for_a_right(turn)
        if not answered_by_staff:
            with i18n.using(translator):
                self._router.handle(turn)
                if not turn.contact_deleted:
                    self._count_misunderstandings(turn)
        if not turn.contact_deleted:
            if not answered_by_staff:
                self._offer_switch(turn, reading)
                _remember_choices(turn)
            _keep_messages(turn, said)
            turn.touch()
            session.add(contact)
            session.add(turn.conversation)
        return turn

    def _offer_switch(self, turn: Turn, reading: LanguageReading) -> None:
        """Put first an offer to continue in the language the person now writes in."""
        offer = switch_offer(
            chosen=turn.contact.locale,
            reading=reading,
            data=turn.conversation.data,
            catalogues=self._catalogues,
        )
        if offer is not None:
            # First, so that a typed number still answers the buttons of the reply itself.
            turn.replies.insert(0, offer[0])
            turn.conversation.data = offer[1]

    def _count_misunderstandings(self, turn: Turn) -> None:
        conversation = turn.conversation
        if turn.understood:
            conversation.misunderstandings = 0
            return
        conversation.misunderstandings += 1
        if conversation.misunderstandings < MISUNDERSTANDINGS_BEFORE_OFFERING_A_PERSON:
            return
        conversation.misunderstandings = 0
        if self._router.is_capturing(conversation.flow):
            # In a form, the offer must not take over its buttons: a number typed next is
            # still an answer to the form's question, asked again last.
            offer = Outgoing(
                text=_(
                    "Je n'arrive pas à vous comprendre. Pour parler à une personne, écrivez "
                    "« parler à une personne » ; pour arrêter, écrivez « annuler »."
                )
            )
            turn.replies.insert(max(len(turn.replies) - 1, 0), offer)
            return
        turn.say(
            _("Je n'arrive pas à vous comprendre. Voulez-vous parler à une personne ?"),
            [(_("Parler à une personne"), Handoff()), (_("Menu"), MainMenu())],
        )


def _bounded(incoming: Incoming) -> Incoming:
    if len(incoming.text) <= MAX_TEXT:
        return incoming
    return dataclasses.replace(incoming, text=incoming.text[:MAX_TEXT])


def _what_was_said(turn: Turn) -> str:
    """Return the message as the person saw it: their text, or the label of the button."""
    if turn.incoming.text.strip() or not turn.incoming.payload:
        return turn.incoming.text
    offered = turn.conversation.data.get(OFFERED_KEY) or []
    return next(
        (label for label, payload in offered if payload == turn.incoming.payload),
        turn.incoming.payload,
    )


def _keep_messages(turn: Turn, said: str) -> None:
    """Keep the message and the replies for staff (for RELAIS_MESSAGE_RETENTION_DAYS)."""
    messages.record_message(
        turn.session, contact_id=turn.contact_id, direction=MessageDirection.IN, text=said
    )
    for reply in turn.replies:
        messages.record_message(
            turn.session,
            contact_id=turn.contact_id,
            direction=MessageDirection.OUT,
            text=reply.text,
        )


def _remember_choices(turn: Turn) -> None:
    """Keep the buttons of the last reply so that typing "2" or their words presses them.

    The last question asked is kept too, so that "pardon ?" hears it again.
    """
    offered = next((reply.choices for reply in reversed(turn.replies) if reply.choices), ())
    turn.update(**{OFFERED_KEY: [[choice.label, choice.payload] for choice in offered]})
    if turn.replies:
        last = turn.replies[-1].text.strip()
        turn.remember(**{ASKED_KEY: last if last.endswith(QUESTION_MARKS) else None})
