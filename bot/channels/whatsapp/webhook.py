"""The WhatsApp channel: Twilio's signed webhooks in, replies out through the outbox.

The webhook checks Twilio's signature and runs the turn, whose replies the engine commits to
the outbox with the conversation; then it answers with empty TwiML. The replies leave in the
background through `WhatsAppSender` (the path campaigns use too), so a slow Twilio never holds
a webhook and a crash never loses an acknowledged message's answer.
"""

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator

from bot.channels.base import Runtime
from bot.channels.whatsapp.inbound import Inbound, parse_inbound
from bot.channels.whatsapp.outbox import NOTE, SILENT, WhatsAppReplies
from bot.channels.whatsapp.sender import STATUS_PATH, WhatsAppSender
from bot.channels.whatsapp.status import StatusCallbacks
from bot.core import payloads
from bot.core.actions import Unsubscribe
from bot.core.keywords import global_action
from bot.core.messages import Incoming
from bot.domain import Channel, Flow
from bot.settings import SettingsError
from bot.storage import contacts, deliveries, replies
from bot.storage.database import new_session
from bot.storage.models import Contact, Conversation, OutboundMessage
from bot.storage.types import clip, utcnow

log = logging.getLogger(__name__)

INBOUND_PATH = "/webhooks/whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's forms are a few hundred bytes; anything much larger is not Twilio.
MAX_FORM = 64 * 1024
MAX_FIELDS = 200
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Beyond this many unsent replies, or turns under way, Twilio is asked to come back later
# (it retries a 5xx) rather than the backlog growing without bound.
MAX_PENDING_REPLIES = 2000
MAX_TURNS_IN_FLIGHT = 64
RETRY_AFTER_SECONDS = 5
DRAIN_POLL = 0.01


class WhatsAppChannel:
    """The WhatsApp channel: Twilio's webhooks and the sender of the replies."""

    def __init__(self, relais: Runtime, *, sender: WhatsAppSender | None = None) -> None:
        settings = relais.settings
        settings.check()
        auth_token = settings.secret("twilio_auth_token")
        if not settings.public_url or auth_token is None:
            msg = (
                "WhatsApp needs RELAIS_TWILIO_ACCOUNT_SID, RELAIS_TWILIO_AUTH_TOKEN and "
                "RELAIS_PUBLIC_URL"
            )
            raise SettingsError(msg)
        self._public_url = settings.public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)
        self._engine = relais.engine
        self._database = relais.database
        self._catalogues = relais.engine.services.catalogues
        self.sender = sender or WhatsAppSender.from_settings(
            settings, relais.database, self._catalogues
        )
        self._statuses = StatusCallbacks(relais.database, self.sender)
        self._outbox = WhatsAppReplies(relais.database, self.sender, self._catalogues)
        self._sending = False
        self._in_flight = 0

    def routes(self) -> list[BaseRoute]:
        """Return Twilio's inbound-message and status-callback webhooks."""
        return [
            Route(INBOUND_PATH, self._inbound, methods=["POST"]),
            Route(STATUS_PATH, self._status, methods=["POST"]),
        ]

    async def start(self) -> None:
        """Start sending the outbox's replies; say which URLs to set in the Twilio console."""
        await self._outbox.queue.start()
        self._sending = True
        log.info(
            "WhatsApp: Twilio webhooks %s%s (messages) and %s%s (status)",
            self._public_url,
            INBOUND_PATH,
            self._public_url,
            STATUS_PATH,
        )

    async def stop(self) -> None:
        """Stop sending replies (unsent ones wait in the outbox) and close connections."""
        if self._sending:
            self._sending = False
            await self._outbox.queue.stop()
        await self.sender.aclose()

    async def drain(self) -> None:
        """Wait until the outbox has no WhatsApp reply left and the sender is idle."""
        while self._sending and await asyncio.to_thread(self._outbox.pending) > 0:
            self._outbox.queue.wake()
            await asyncio.sleep(DRAIN_POLL)
        await self.sender.drain()

    # -- webhooks

    async def _inbound(self, request: Request) -> Response:
        form = await self._signed_form(request, INBOUND_PATH)
        if isinstance(form, Response):
            return form
        inbound = parse_inbound(form)
        if inbound is None:
            return PlainTextResponse("expected MessageSid and a WhatsApp sender", 400)
        if self._in_flight >= MAX_TURNS_IN_FLIGHT:
            return _busy("the engine is behind")
        self._in_flight += 1
        try:
            accepted = await run_in_threadpool(self._handle, inbound)
        finally:
            self._in_flight -= 1
        if not accepted:
            return _busy("too many replies wait to be sent")
        self._outbox.queue.wake()
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def _status(self, request: Request) -> Response:
        form = await self._signed_form(request, STATUS_PATH)
        if isinstance(form, Response):
            return form
        provider_id, status = form.get("MessageSid"), form.get("MessageStatus")
        if not provider_id or not status:
            return PlainTextResponse("expected MessageSid and MessageStatus", 400)
        await self._statuses.on_status(
            provider_id=clip(OutboundMessage, "provider_id", provider_id),
            status=status,
            error_code=form.get("ErrorCode") or None,
            recipient=form.get("To"),
        )
        return Response(status_code=204)

    async def _signed_form(
        self, request: Request, path: str
    ) -> ImmutableMultiDict[str, str] | Response:
        """Return the form of a request Twilio signed, or the error response."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return PlainTextResponse("missing X-Twilio-Signature", 403)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return PlainTextResponse("request too large", 413)
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            return PlainTextResponse("expected a form-encoded body", 400)
        form = ImmutableMultiDict(pairs)
        # Twilio signs the URL it was given (the public one), not the one a proxy forwards to.
        query = request.url.query
        url = f"{self._public_url}{path}?{query}" if query else f"{self._public_url}{path}"
        if not self._validator.validate(url, form, signature):
            log.warning("refused a request to %s with a wrong Twilio signature", path)
            return PlainTextResponse("wrong X-Twilio-Signature", 403)
        return form

    # -- handling (in a worker thread: the engine and the database block)

    def _handle(self, inbound: Inbound) -> bool:
        """Answer one message into the outbox; False when too many replies wait already.

        A Twilio retry of a message already handled writes nothing: its replies are in the
        outbox since the first time, and the ones not yet sent leave when the sender wakes.
        """
        if self._outbox.pending() >= MAX_PENDING_REPLIES:
            return False
        incoming = inbound.incoming
        context: dict[str, Any] = {}
        if inbound.unreadable is not None:
            context[NOTE] = inbound.unreadable.value
        if not inbound.has_words:
            self._record_unreadable(incoming, context)
            return True
        action = (
            payloads.parse(incoming.payload) if incoming.payload else global_action(incoming.text)
        )
        with new_session(self._database) as session:
            before = contacts.find_contact(
                session, channel=Channel.WHATSAPP, address=incoming.sender
            )
            # "stop" in a consultation leaves the consultation: no provider-level opt-out.
            answering = before is not None and _answering_consultation(session, before)
        if isinstance(action, Unsubscribe) and answering:
            action = None
        if isinstance(action, Unsubscribe) and before and before.opted_out_at is not None:
            # Already opted out: STOP is confirmed once, not at every repetition.
            context[SILENT] = "STOP repeated: confirmed the first time"
        self._engine.handle_into_outbox(incoming, context=context or None)
        with new_session(self._database) as session:
            contact = contacts.find_contact(
                session, channel=Channel.WHATSAPP, address=incoming.sender
            )
            if contact is not None:  # None: the contact just deleted their data
                self._follow_opt_words(session, contact, action)
                session.commit()
        return True

    def _record_unreadable(self, incoming: Incoming, context: dict[str, Any]) -> None:
        """Do what the engine does for a message it never sees: dedupe, open the 24-h window."""
        assert incoming.message_id is not None
        with new_session(self._database) as session:
            if not contacts.claim_message(
                session, channel=Channel.WHATSAPP, message_id=incoming.message_id
            ):
                return
            contact = contacts.get_or_create_contact(
                session, channel=Channel.WHATSAPP, address=incoming.sender
            )
            contact.last_inbound_at = utcnow()
            if incoming.profile_name and not contact.name:
                contact.name = incoming.profile_name
            session.add(contact)
            # The note alone, written when the reply is sent, in the contact's language.
            replies.add_replies(
                session,
                channel=Channel.WHATSAPP,
                address=incoming.sender,
                contact_id=contact.id,
                message_id=incoming.message_id,
                replies=[("", [])],
                context=context,
            )
            session.commit()

    def _follow_opt_words(self, session: Session, contact: Contact, action: object) -> None:
        """Keep the provider-level opt-out in step with STOP and with subscribing again.

        Both are idempotent, so a Twilio retry after a crash between the turn's commit and
        this one still applies them.
        """
        assert contact.id is not None
        if isinstance(action, Unsubscribe):
            deliveries.mark_opted_out(session, channel=Channel.WHATSAPP, address=contact.address)
        elif contact.opted_out_at is not None and contacts.topics_of(
            session, contact_id=contact.id
        ):
            # Subscribed again (START, the menu's button, "abonnez-moi"): news may resume.
            deliveries.clear_opt_out(session, contact_id=contact.id)


def _answering_consultation(session: Session, contact: Contact) -> bool:
    """Tell whether the contact is in the middle of a consultation."""
    conversation = session.get(Conversation, contact.id)
    return conversation is not None and conversation.flow is Flow.CONSULTATION


def _busy(reason: str) -> Response:
    log.warning("WhatsApp webhook answered 503: %s", reason)
    return PlainTextResponse(reason, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
