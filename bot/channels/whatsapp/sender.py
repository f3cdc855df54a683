"""Send WhatsApp messages through Twilio's REST API, within WhatsApp's rules.

One path for replies and for campaigns: free-form text only inside the 24-hour window after the
contact's last message (a template otherwise), nothing business-initiated to a contact who
opted out, at most `RELAIS_WHATSAPP_RATE` messages per second, retries when Twilio says "too
many requests", and every message recorded with its SID so status callbacks can update it.
"""

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy.engine import Engine as DatabaseEngine
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bot.channels.delivery import SentMessage
from bot.channels.whatsapp.codes import (
    RATE_LIMITS,
    REASON_OF_CODE,
    STATUSES,
    WHATSAPP_PREFIX,
    Reason,
    TwilioError,
    parse_code,
)
from bot.channels.whatsapp.content import ContentStore, fold_variable
from bot.channels.whatsapp.history import LoggedMessage, sent_since
from bot.channels.whatsapp.render import Interactive, render_interactive_turn, render_turn
from bot.channels.whatsapp.transport import (
    CONTENT_API,
    TWILIO_API,
    TwilioTransport,
    TwilioUnreachableError,
)
from bot.core import i18n
from bot.core.i18n import Catalogues
from bot.core.messages import Outgoing
from bot.domain import Channel, DeliveryStatus, Locale
from bot.locks import TaskLocks
from bot.settings import Settings, SettingsError
from bot.storage import contacts, deliveries
from bot.storage.database import new_session
from bot.storage.models import Contact, OutboundMessage
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

STATUS_PATH = "/webhooks/whatsapp/status"
WINDOW = timedelta(hours=24)
# Seconds to wait before each new attempt when Twilio says "too many requests".
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Template:
    """An approved WhatsApp template (Twilio Content API) and the values of its placeholders."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)
    # For choices to tap: the same message as numbered text, if Twilio refuses the SID.
    fallback: tuple[str, ...] = ()

    def variables_json(self) -> str:
        """Return the placeholders the way Twilio's `ContentVariables` wants them."""
        return json.dumps(dict(self.variables), ensure_ascii=False)


Item = str | Template


class WhatsAppSender:
    """Send text and templates to WhatsApp contacts and record what Twilio says of them."""

    def __init__(
        self,
        *,
        database: DatabaseEngine,
        catalogues: Catalogues,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str = TWILIO_API,
        content_api_url: str = CONTENT_API,
        interactive: bool = True,
        status_callback: str | None = None,
        rate: float = 80.0,
        default_locale: Locale = Locale.FR,
        clock: Callable[[], datetime] = utcnow,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        timeout: float = TIMEOUT,
    ) -> None:
        self._database = database
        self._catalogues = catalogues
        self._from = sender if sender.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + sender
        self._status_callback = status_callback
        self._default_locale = default_locale
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        self._http = TwilioTransport(api_url, timeout, content_api_url)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self.contents = ContentStore(database, self._client) if interactive else None
        # One message every 1/rate s, never a burst: beyond its rate Twilio queues, then refuses.
        self._pacer = AsyncLimiter(1, 1 / rate) if rate > 0 else None
        self._locks = TaskLocks()
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, database: DatabaseEngine, catalogues: Catalogues, **options: Any
    ) -> "WhatsAppSender":
        """Build the sender of the configured Twilio account."""
        settings.check()
        auth_token = settings.secret("twilio_auth_token")
        if not (settings.twilio_account_sid and auth_token and settings.twilio_whatsapp_from):
            msg = (
                "WhatsApp needs RELAIS_TWILIO_ACCOUNT_SID, RELAIS_TWILIO_AUTH_TOKEN and "
                "RELAIS_TWILIO_WHATSAPP_FROM (e.g. whatsapp:+14155238886)"
            )
            raise SettingsError(msg)
        callback = settings.public_url.rstrip("/") + STATUS_PATH if settings.public_url else None
        options = {
            "api_url": settings.twilio_api_url,
            "content_api_url": settings.twilio_content_api_url,
            "interactive": settings.whatsapp_interactive,
            "status_callback": callback,
            "rate": settings.whatsapp_rate,
            "default_locale": settings.default_locale,
            **options,
        }
        return cls(
            database=database,
            catalogues=catalogues,
            account_sid=settings.twilio_account_sid,
            auth_token=auth_token,
            sender=settings.twilio_whatsapp_from,
            **options,
        )

    @property
    def retry_delays(self) -> tuple[float, ...]:
        """Return the seconds to wait before each new attempt of a rate-limited message."""
        return self._retry_delays

    # -- sending

    def inside_window(self, contact: Contact) -> bool:
        """Tell whether free-form text may be sent: the contact wrote less than 24 h ago."""
        last = contact.last_inbound_at
        return last is not None and self._clock() - last < WINDOW

    async def send(
        self,
        contact: Contact,
        message: Outgoing | Template,
        *,
        fallback: Template | None = None,
        retry: bool = True,
    ) -> list[SentMessage]:
        """Send a business-initiated message (a campaign, a reminder) to one contact.

        Free-form text goes out only inside the 24-hour window; outside it `fallback` (an
        approved template) is sent instead, or nothing and the reason is recorded. Contacts who
        opted out get nothing.
        """
        items: list[Item] = (
            [message] if isinstance(message, Template) else [*self.render(contact, [message])]
        )
        if contact.channel != Channel.WHATSAPP:
            return await self._skip(contact, items, Reason.NOT_WHATSAPP)
        if contact.opted_out_at is not None:
            return await self._skip(contact, items, Reason.OPTED_OUT)
        if isinstance(message, Outgoing) and not self.inside_window(contact):
            if fallback is None:
                return await self._skip(contact, items, Reason.OUTSIDE_WINDOW)
            items = [fallback]
        return await self._send_items(contact, items, retry=retry)

    async def reply(
        self, contact: Contact, replies: Sequence[Outgoing], *, retry: bool = True
    ) -> list[SentMessage]:
        """Answer a message the contact just sent (an answer is due even after STOP).

        With `retry` false, a rate limit or an unreachable Twilio is returned at once, not
        recorded: the caller (the reply outbox) tries again later.
        """
        if not self.inside_window(contact):
            return await self._skip(contact, self.render(contact, replies), Reason.OUTSIDE_WINDOW)
        items = await self._reply_items(contact, replies)
        return await self._send_items(contact, items, retry=retry)

    async def _reply_items(self, contact: Contact, replies: Sequence[Outgoing]) -> list[Item]:
        """Return a turn's messages: the last choices as buttons or a list when they can be."""
        locale = self.locale_of(contact)
        translator = self._catalogues.translator(locale)
        with i18n.using(translator):
            parts = render_interactive_turn(replies) if self.contents else None
        if parts is None or self.contents is None:
            return list(self.render(contact, replies))
        items: list[Item] = []
        for part in parts:
            if not isinstance(part, Interactive):
                items.append(part)
                continue
            sid = await self.contents.sid_for(part, locale)
            if sid is None:
                return list(self.render(contact, replies))
            items.append(Template(sid, {"1": fold_variable(part.body)}, fallback=part.fallback))
        return items

    async def send_parts(self, contact: Contact, items: Sequence[Item]) -> list[SentMessage]:
        """Send the given bodies or template as they are, in order (the rest of a cut-off send)."""
        return await self._send_items(contact, items)

    async def sent_since(self, address: str, since: datetime) -> list[LoggedMessage]:
        """Return what Twilio's log holds from this sender to `address` since a moment.

        Raises TwilioLogError when the log cannot be read, after the usual retries.
        """
        return await sent_since(
            self._client,
            sender=self._from,
            address=address,
            since=since,
            retry_delays=self._retry_delays,
        )

    def render(self, contact: Contact, replies: Sequence[Outgoing]) -> list[str]:
        """Return the WhatsApp bodies of replies, in the contact's language."""
        with i18n.using(self._catalogues.translator(self.locale_of(contact))):
            return render_turn(replies)

    def locale_of(self, contact: Contact) -> Locale:
        """Return the language to write to a contact in."""
        for candidate in (contact.locale, contact.locale_hint):
            locale = i18n.parse_locale(candidate)
            if locale is not None:
                return locale
        return self._default_locale

    async def _send_items(
        self, contact: Contact, items: Sequence[Item], resends: int = 0, *, retry: bool = True
    ) -> list[SentMessage]:
        # One contact's messages leave one after the other, so they arrive in order.
        sent: list[SentMessage] = []
        async with self._locks.hold(contact.address):
            for item in items:
                delivery = await self._deliver(contact, item, resends, retry=retry)
                if isinstance(item, Template) and item.fallback and _refused_content(delivery):
                    # The buttons' SID is gone (deleted on Twilio): numbered text instead.
                    if self.contents is not None:
                        await self.contents.forget(item.content_sid)
                    for body in item.fallback:
                        sent.append(await self._deliver(contact, body, resends, retry=retry))
                    continue
                sent.append(delivery)
                if not retry and sent[-1].error_reason in _TRY_LATER:
                    break  # the rest waits with it, so that the parts stay in order
        return sent

    async def _deliver(
        self, contact: Contact, item: Item, resends: int, *, retry: bool = True
    ) -> SentMessage:
        fields = {"to": WHATSAPP_PREFIX + contact.address, "from_": self._from}
        if self._status_callback:
            fields["status_callback"] = self._status_callback
        if isinstance(item, Template):
            fields |= {"content_sid": item.content_sid, "content_variables": item.variables_json()}
        else:
            fields["body"] = item
        delays = iter(self._retry_delays if retry else ())
        while True:
            if self._pacer is not None:
                await self._pacer.acquire()
            try:
                sid, status = await self._create(fields)
            except (TwilioRestException, TwilioServiceException) as error:
                code, http_status, message = _error_details(error)
                delay = next(delays, None) if _retryable(code, http_status) else None
                if delay is not None:
                    log.warning(
                        "Twilio error %s (HTTP %s): retrying in %.1f s", code, http_status, delay
                    )
                    await asyncio.sleep(delay)
                    continue
                if not retry and _retryable(code, http_status):
                    return SentMessage(
                        DeliveryStatus.FAILED,
                        error_code=None if code is None else str(code),
                        error_reason=Reason.RATE_LIMITED,
                    )
                return await asyncio.to_thread(
                    self._record_error, contact, item, code, message, resends
                )
            except TwilioUnreachableError as error:
                delay = next(delays, None)
                if delay is not None:
                    log.warning("Twilio unreachable (%s): retrying in %.1f s", error, delay)
                    await asyncio.sleep(delay)
                    continue
                if not retry:
                    return SentMessage(DeliveryStatus.FAILED, error_reason=Reason.UNREACHABLE)
                return await asyncio.to_thread(
                    self._record,
                    contact,
                    item,
                    SentMessage(DeliveryStatus.FAILED, error_reason=Reason.UNREACHABLE),
                    resends,
                )
            delivery = SentMessage(STATUSES.get(status, DeliveryStatus.QUEUED), provider_id=sid)
            return await asyncio.to_thread(self._record, contact, item, delivery, resends)

    async def _create(self, fields: dict[str, str]) -> tuple[str, str]:
        message = await self._client.messages.create_async(**fields)
        return str(message.sid), str(message.status or "queued")

    async def _skip(
        self, contact: Contact, items: Sequence[Item], reason: Reason, resends: int = 0
    ) -> list[SentMessage]:
        log.info(
            "not sending %d WhatsApp message(s) to contact %s: %s", len(items), contact.id, reason
        )
        delivery = SentMessage(DeliveryStatus.SKIPPED, error_reason=reason)
        return [
            await asyncio.to_thread(self._record, contact, item, delivery, resends)
            for item in items
        ]

    def _record(
        self, contact: Contact, item: Item, delivery: SentMessage, resends: int = 0
    ) -> SentMessage:
        text, template_id = _describe(item)
        with new_session(self._database) as session:
            deliveries.record_outbound(
                session,
                channel=Channel.WHATSAPP,
                contact_id=contact.id,
                text=text,
                status=delivery.status,
                provider_id=delivery.provider_id,
                template_id=template_id,
                error_code=delivery.error_code,
                error_reason=delivery.error_reason,
                resends=resends,
            )
            session.commit()
        return delivery

    def _record_error(
        self, contact: Contact, item: Item, code: int | None, message: str, resends: int
    ) -> SentMessage:
        reason: str = message if code is None else REASON_OF_CODE.get(code, message)
        if code in RATE_LIMITS:
            reason = Reason.GAVE_UP
        delivery = SentMessage(
            DeliveryStatus.FAILED,
            error_code=None if code is None else str(code),
            error_reason=reason,
        )
        log.warning("Twilio refused a message to contact %s: %s %s", contact.id, code, message)
        if code == TwilioError.OPTED_OUT:
            self.opt_out(contact.address)
        return self._record(contact, item, delivery, resends)

    def opt_out(self, address: str) -> None:
        """Stop every sending to a number Twilio says opted out (blocking: run in a thread)."""
        with new_session(self._database) as session:
            deliveries.mark_opted_out(session, channel=Channel.WHATSAPP, address=address)
            contact = contacts.find_contact(session, channel=Channel.WHATSAPP, address=address)
            if contact is not None and contact.id is not None:
                contacts.unsubscribe_all(session, contact_id=contact.id)
            session.commit()

    async def resend(self, message: OutboundMessage) -> list[SentMessage]:
        """Send a recorded message again, unless its contact opted out or the window closed."""
        resends = message.resends + 1
        contact = await asyncio.to_thread(self._contact_of, message)
        if contact is None:
            return []
        item: Item = (
            Template(message.template_id, json.loads(message.text or "{}"))
            if message.template_id
            else message.text or ""
        )
        if contact.opted_out_at is not None:
            return await self._skip(contact, [item], Reason.OPTED_OUT, resends)
        if isinstance(item, str) and not self.inside_window(contact):
            return await self._skip(contact, [item], Reason.OUTSIDE_WINDOW, resends)
        return await self._send_items(contact, [item], resends)

    def _contact_of(self, message: OutboundMessage) -> Contact | None:
        if message.contact_id is None:
            return None
        with new_session(self._database) as session:
            return session.get(Contact, message.contact_id)

    # -- background work

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run sending work in the background, kept until done so that `drain` can wait."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("WhatsApp sending failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until every message handed to `spawn` is sent (or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self, grace: float = 10.0) -> None:
        """Finish the sending in progress (for at most `grace` s) and close connections."""
        try:
            await asyncio.wait_for(self.drain(), grace)
        except TimeoutError:
            log.warning("stopping with %d WhatsApp sends unfinished", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
        await self._http.aclose()


def _describe(item: Item) -> tuple[str, str | None]:
    """Return what to record of a message: its text, or a template's values and its SID."""
    if isinstance(item, Template):
        return item.variables_json(), item.content_sid
    return item, None


def _error_details(error: Exception) -> tuple[int | None, int, str]:
    """Return Twilio's error code, the HTTP status and the message of a REST error."""
    message = getattr(error, "msg", None) or getattr(error, "detail", None) or str(error)
    status = parse_code(getattr(error, "status", None))
    return parse_code(getattr(error, "code", None)), status or 0, str(message)


# What a caller that retries itself is told, instead of a recorded failure.
_TRY_LATER = frozenset({Reason.RATE_LIMITED, Reason.UNREACHABLE})


def _refused_content(delivery: SentMessage) -> bool:
    return delivery.status is DeliveryStatus.FAILED and parse_code(delivery.error_code) in {
        TwilioError.CONTENT_SID_INVALID,
        TwilioError.CONTENT_VARIABLES_INVALID,
    }


def _retryable(code: int | None, status: int) -> bool:
    return code in RATE_LIMITS or status == 429 or status >= 500
