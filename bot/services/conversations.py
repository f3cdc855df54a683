"""Staff answering people themselves: take a request, reply in the person's channel, hand back.

While a request is taken the engine keeps the person's messages for the agent and does not
answer them; agent replies leave through the reply outbox, like the bot's, so each channel's
limits, retries and 24-hour window apply to them too.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.core import i18n
from bot.core.i18n import N_, Catalogues, _
from bot.domain import Channel, HandoffStatus, MessageDirection
from bot.errors import ExplainedError
from bot.services.notices import contact_locale, queue_notice
from bot.services.review import NoticeSettings
from bot.services.staff import StaffIdentity, add_audit_entry
from bot.storage import messages
from bot.storage.database import new_session
from bot.storage.models import Contact, ConversationMessage, HandoffRequest, StaffAccount
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

MAX_REPLY = 4000


class ConversationError(ExplainedError, ValueError):
    """A conversation action that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request for a person, as the console lists it."""

    id: int
    created_at: datetime
    status: HandoffStatus
    channel: Channel
    address: str
    name: str | None
    reason: str
    last_message: str | None
    taken_by: str | None


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message of a conversation."""

    id: int
    created_at: datetime
    incoming: bool
    text: str
    by_staff: bool


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A request with the person's recent messages."""

    request: RequestView
    messages: list[MessageView]


def _request_view(request: HandoffRequest, contact: Contact, agent: str | None) -> RequestView:
    return RequestView(
        id=request.id or 0,
        created_at=request.created_at,
        status=request.status,
        channel=contact.channel,
        address=contact.address,
        name=contact.name,
        reason=request.reason,
        last_message=request.last_message,
        taken_by=agent,
    )


def _requests_query() -> Any:
    return (
        select(HandoffRequest, Contact, StaffAccount.email)
        .join(Contact, col(Contact.id) == col(HandoffRequest.contact_id))
        .join(StaffAccount, col(StaffAccount.id) == col(HandoffRequest.taken_by), isouter=True)
    )


def active_requests(database: DatabaseEngine, *, after_id: int = 0) -> list[RequestView]:
    """Return the requests not closed yet (open or taken), oldest first."""
    with new_session(database) as session:
        rows = session.exec(
            _requests_query()
            .where(
                col(HandoffRequest.status).in_([HandoffStatus.OPEN, HandoffStatus.TAKEN]),
                col(HandoffRequest.id) > after_id,
            )
            .order_by(col(HandoffRequest.id))
        ).all()
        return [_request_view(request, contact, agent) for request, contact, agent in rows]


def conversation(
    database: DatabaseEngine, request_id: int, *, retention_days: int, after_id: int = 0
) -> ConversationView:
    """Return a request and the person's messages kept within the retention period."""
    with new_session(database) as session:
        row = session.exec(_requests_query().where(HandoffRequest.id == request_id)).first()
        if row is None:
            raise ConversationError(N_("pas de demande n° {id}"), id=request_id)
        request, contact, agent = row
        kept = messages.recent_messages(
            session,
            contact_id=contact.id or 0,
            since=utcnow() - timedelta(days=retention_days),
        )
        return ConversationView(
            _request_view(request, contact, agent),
            [_message_view(message) for message in kept if (message.id or 0) > after_id],
        )


def _message_view(message: ConversationMessage) -> MessageView:
    return MessageView(
        id=message.id or 0,
        created_at=message.created_at,
        incoming=message.direction is MessageDirection.IN,
        text=message.text,
        by_staff=message.staff_id is not None,
    )


def take(
    database: DatabaseEngine,
    catalogues: Catalogues,
    *,
    request_id: int,
    actor: StaffIdentity,
    notice: NoticeSettings,
) -> None:
    """Take a request: the bot stops answering the person, and tells them so once."""
    with new_session(database) as session:
        request, contact = _locked(session, request_id)
        if request.status is HandoffStatus.CLOSED:
            raise ConversationError(N_("la demande n° {id} est close"), id=request_id)
        if request.status is HandoffStatus.TAKEN and request.taken_by != actor.account_id:
            raise ConversationError(
                N_("la demande n° {id} est déjà prise par quelqu'un d'autre"), id=request_id
            )
        if request.status is HandoffStatus.OPEN:
            request.status = HandoffStatus.TAKEN
            request.taken_by = actor.account_id
            request.taken_at = utcnow()
            session.add(request)
            locale = contact_locale(contact, notice.default_locale)
            with i18n.using(catalogues.translator(locale)):
                text = _(
                    "Un agent de la {directorate} a pris votre demande et vous répond ici. "
                    "Le robot ne répond plus jusqu'à la fin de l'échange."
                ).format(directorate=notice.directorate)
            queue_notice(session, contact, text, locale=locale, templates=notice.templates)
            add_audit_entry(
                session,
                actor=actor,
                action="conversation.take",
                record_type="handoff",
                record_id=str(request_id),
            )
        session.commit()


def reply(
    database: DatabaseEngine,
    *,
    request_id: int,
    actor: StaffIdentity,
    text: str,
    notice: NoticeSettings,
) -> None:
    """Send the agent's message to the person through the reply outbox."""
    text = text.strip()
    if not text:
        raise ConversationError(N_("la réponse est vide"))
    if len(text) > MAX_REPLY:
        raise ConversationError(
            N_("la réponse doit avoir au plus {most} caractères"), most=MAX_REPLY
        )
    with new_session(database) as session:
        request, contact = _locked(session, request_id)
        if request.status is not HandoffStatus.TAKEN or request.taken_by != actor.account_id:
            raise ConversationError(
                N_("prenez la demande n° {id} avant d'y répondre"), id=request_id
            )
        queue_notice(
            session,
            contact,
            text,
            locale=contact_locale(contact, notice.default_locale),
            templates=notice.templates,
            staff_id=actor.account_id,
        )
        add_audit_entry(
            session,
            actor=actor,
            action="conversation.reply",
            record_type="handoff",
            record_id=str(request_id),
        )
        session.commit()


def hand_back(
    database: DatabaseEngine,
    catalogues: Catalogues,
    *,
    request_id: int,
    actor: StaffIdentity,
    notice: NoticeSettings,
) -> None:
    """Close the request and let the bot answer the person again (they are told)."""
    with new_session(database) as session:
        request, contact = _locked(session, request_id)
        if request.status is HandoffStatus.CLOSED:
            raise ConversationError(N_("la demande n° {id} est déjà close"), id=request_id)
        was_taken = request.status is HandoffStatus.TAKEN
        request.status = HandoffStatus.CLOSED
        session.add(request)
        if was_taken:
            locale = contact_locale(contact, notice.default_locale)
            with i18n.using(catalogues.translator(locale)):
                text = _(
                    "L'échange avec l'agent est terminé. Le robot vous répond de nouveau : "
                    "écrivez « menu » pour voir ce qu'il peut faire."
                )
            queue_notice(session, contact, text, locale=locale, templates=notice.templates)
        add_audit_entry(
            session,
            actor=actor,
            action="conversation.close",
            record_type="handoff",
            record_id=str(request_id),
        )
        session.commit()


def _locked(session: Session, request_id: int) -> tuple[HandoffRequest, Contact]:
    request = session.get(HandoffRequest, request_id, with_for_update=True)
    if request is None:
        raise ConversationError(N_("pas de demande n° {id}"), id=request_id)
    contact = session.get(Contact, request.contact_id)
    assert contact is not None  # the request goes with its contact (ON DELETE CASCADE)
    return request, contact
