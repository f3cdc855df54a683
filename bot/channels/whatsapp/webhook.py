"""The WhatsApp channel: Twilio's signed webhooks in, replies out through the sender.

The webhook checks Twilio's signature, hands the message to the engine and answers at once
with empty TwiML; the replies leave in the background through `WhatsAppSender`, the path
campaigns use too, so a slow Twilio never holds a webhook.
"""

import logging
from urllib.parse import parse_qsl

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator

from bot.channels.base import Runtime
from bot.channels.whatsapp.inbound import Inbound, Unreadable, parse_inbound
from bot.channels.whatsapp.sender import STATUS_PATH, WhatsAppSender
from bot.channels.whatsapp.status import StatusCallbacks
from bot.core import i18n, payloads
from bot.core.actions import Unsubscribe
from bot.core.i18n import _
from bot.core.keywords import global_action
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel
from bot.settings import SettingsError
from bot.storage import contacts, deliveries
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage
from bot.storage.types import clip, utcnow

log = logging.getLogger(__name__)

INBOUND_PATH = "/webhooks/whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's forms are a few hundred bytes; anything much larger is not Twilio.
MAX_FORM = 64 * 1024
MAX_FIELDS = 200
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


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

    def routes(self) -> list[BaseRoute]:
        """Return Twilio's inbound-message and status-callback webhooks."""
        return [
            Route(INBOUND_PATH, self._inbound, methods=["POST"]),
            Route(STATUS_PATH, self._status, methods=["POST"]),
        ]

    async def start(self) -> None:
        """Say which URLs to set in the Twilio console."""
        log.info(
            "WhatsApp: Twilio webhooks %s%s (messages) and %s%s (status)",
            self._public_url,
            INBOUND_PATH,
            self._public_url,
            STATUS_PATH,
        )

    async def stop(self) -> None:
        """Finish sending the replies in progress and close connections."""
        await self.sender.aclose()

    async def drain(self) -> None:
        """Wait until every reply handed to the sender has left."""
        await self.sender.drain()

    # -- webhooks

    async def _inbound(self, request: Request) -> Response:
        form = await self._signed_form(request, INBOUND_PATH)
        if isinstance(form, Response):
            return form
        inbound = parse_inbound(form)
        if inbound is None:
            return PlainTextResponse("expected MessageSid and a WhatsApp sender", 400)
        answer = await run_in_threadpool(self._handle, inbound)
        if answer is not None:
            contact, replies = answer
            self.sender.spawn(self.sender.reply(contact, replies))
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

    def _handle(self, inbound: Inbound) -> tuple[Contact, list[Outgoing]] | None:
        """Answer one message; None when it was already handled (a Twilio retry)."""
        incoming = inbound.incoming
        replies: list[Outgoing] = []
        if inbound.has_words:
            replies = self._engine.handle(incoming)
            if not replies:
                return None
        with new_session(self._database) as session:
            if inbound.has_words:
                contact = contacts.find_contact(
                    session, channel=Channel.WHATSAPP, address=incoming.sender
                )
                if contact is None:
                    # The contact just deleted their data: answer without keeping anything.
                    contact = Contact(
                        channel=Channel.WHATSAPP,
                        address=incoming.sender,
                        last_inbound_at=utcnow(),
                    )
                else:
                    replies = self._follow_opt_words(session, contact, incoming, replies)
            else:
                found = self._record_unreadable(session, incoming)
                if found is None:
                    return None
                contact = found
            session.commit()
        if inbound.unreadable is not None:
            replies = [Outgoing(self._note(contact, inbound.unreadable)), *replies]
        return contact, replies

    def _record_unreadable(self, session: Session, incoming: Incoming) -> Contact | None:
        """Do what the engine does for a message it never sees: dedupe, open the 24-h window."""
        assert incoming.message_id is not None
        if not contacts.claim_message(
            session, channel=Channel.WHATSAPP, message_id=incoming.message_id
        ):
            return None
        contact = contacts.get_or_create_contact(
            session, channel=Channel.WHATSAPP, address=incoming.sender
        )
        contact.last_inbound_at = utcnow()
        if incoming.profile_name and not contact.name:
            contact.name = incoming.profile_name
        session.add(contact)
        return contact

    def _follow_opt_words(
        self, session: Session, contact: Contact, incoming: Incoming, replies: list[Outgoing]
    ) -> list[Outgoing]:
        """Keep the provider-level opt-out in step with STOP and with subscribing again."""
        assert contact.id is not None
        action = (
            payloads.parse(incoming.payload) if incoming.payload else global_action(incoming.text)
        )
        if isinstance(action, Unsubscribe):
            if not deliveries.mark_opted_out(
                session, channel=Channel.WHATSAPP, address=contact.address
            ):
                # Already opted out: STOP is confirmed once, not at every repetition.
                return []
        elif contact.opted_out_at is not None and contacts.topics_of(
            session, contact_id=contact.id
        ):
            # Subscribed again (START, the menu's button, "abonnez-moi"): news may resume.
            deliveries.clear_opt_out(session, contact_id=contact.id)
        return replies

    def _note(self, contact: Contact, unreadable: Unreadable) -> str:
        with i18n.using(self._catalogues.translator(self.sender.locale_of(contact))):
            if unreadable is Unreadable.MEDIA:
                return _(
                    "Merci ! Je ne sais lire ni les photos, ni les documents, ni les messages "
                    "vocaux. Écrivez votre message en quelques mots, ou tapez *menu*."
                )
            if unreadable is Unreadable.LOCATION:
                return _(
                    "Merci, mais je ne sais pas lire une position. Écrivez plutôt le nom de "
                    "votre ville ou de votre province."
                )
            return _(
                "Je n'ai reçu aucun texte. Écrivez votre question en quelques mots, "
                "ou tapez *menu*."
            )
