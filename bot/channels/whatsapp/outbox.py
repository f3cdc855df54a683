"""Deliver the WhatsApp replies committed with each turn: the reply outbox's sending side.

The engine commits a turn's replies as rows in the same transaction as the conversation; this
sends them through `WhatsAppSender` (24-hour window, numbered choices, splitting, pacing, the
record of each message). A turn's unsent rows leave together, rendered as one turn, as they
always did; rows of one number leave in order. A crash at any point delays a reply, never
drops it.
"""

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.channels.delivery import SentMessage
from bot.channels.queues import ReplySender, SendResult
from bot.channels.whatsapp.codes import Reason
from bot.channels.whatsapp.inbound import Unreadable
from bot.channels.whatsapp.sender import Template, WhatsAppSender
from bot.core import i18n
from bot.core.i18n import Catalogues, _
from bot.core.messages import Choice, Outgoing
from bot.domain import Channel, DeliveryStatus, ReplyStatus
from bot.storage import contacts, replies
from bot.storage.database import new_session
from bot.storage.models import Contact, ReplyItem

# Keys of a reply row's context: what could not be read of the message (said first), and why
# the reply is not to be sent at all.
NOTE = "unreadable"
SILENT = "silent"
# A send is one Twilio request per part, each within the sender's timeout: well inside this.
REPLY_LEASE = timedelta(seconds=60)
CONCURRENCY = 8
CONTACT_GONE = "the contact was deleted"


class WhatsAppReplies:
    """Send the outbox's WhatsApp replies, one turn at a time, and say what became of them."""

    def __init__(
        self,
        database: DatabaseEngine,
        sender: WhatsAppSender,
        catalogues: Catalogues,
        *,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._database = database
        self._sender = sender
        self._catalogues = catalogues
        self.queue = ReplySender(
            database, Channel.WHATSAPP, self.send, concurrency=concurrency, lease=REPLY_LEASE
        )

    def pending(self) -> int:
        """Return how many WhatsApp replies wait to be sent (blocking: call it in a thread)."""
        with new_session(self._database) as session:
            return replies.pending_count(session, channel=Channel.WHATSAPP)

    async def send(self, item: ReplyItem) -> SendResult:
        """Send a claimed reply with the unsent rest of its turn; settle the rest likewise."""
        found = await asyncio.to_thread(self._load, item)
        if found is None:
            return SendResult.refused(CONTACT_GONE)
        contact, turn = found
        silent = item.context.get(SILENT)
        if silent:
            result = SendResult.refused(str(silent))
        elif item.context.get(replies.NOTICE):
            # Staff started it: outside the 24-hour window only an approved template may go.
            sent = await self._sender.send(
                contact, Outgoing(item.text), fallback=_template(item), retry=False
            )
            result = outcome(sent, self._later(item))
        else:
            sent = await self._sender.reply(contact, self._outgoing(contact, turn), retry=False)
            result = outcome(sent, self._later(item))
        if result.retry_after is None and len(turn) > 1:
            await asyncio.to_thread(self._settle, turn[1:], result)
        return result

    def _load(self, item: ReplyItem) -> tuple[Contact, list[ReplyItem]] | None:
        """Return the contact to write to and the turn's rows to send, `item` first."""
        with new_session(self._database) as session:
            if item.contact_id is not None:
                contact = session.get(Contact, item.contact_id)
                if contact is None:
                    return None
            else:
                # The contact asked to be forgotten in that turn: answer, keep nothing.
                contact = contacts.find_contact(
                    session, channel=Channel.WHATSAPP, address=item.address
                ) or Contact(
                    channel=Channel.WHATSAPP, address=item.address, last_inbound_at=item.created_at
                )
            turn = [item]
            if item.message_id is not None:
                turn += [
                    row
                    for row in replies.replies_to(
                        session, channel=Channel.WHATSAPP, message_id=item.message_id
                    )
                    if row.status == ReplyStatus.PENDING
                    and (row.position, row.id or 0) > (item.position, item.id or 0)
                ]
            return contact, turn

    def _outgoing(self, contact: Contact, turn: Sequence[ReplyItem]) -> list[Outgoing]:
        messages = [
            Outgoing(row.text, tuple(Choice(label, payload) for label, payload in row.choices))
            for row in turn
        ]
        first = turn[0]
        unreadable = first.context.get(NOTE)
        if first.position == 0 and unreadable in set(Unreadable):
            with i18n.using(self._catalogues.translator(self._sender.locale_of(contact))):
                messages.insert(0, Outgoing(note(Unreadable(unreadable))))
        return messages

    def _later(self, item: ReplyItem) -> float:
        delays = self._sender.retry_delays or (5.0,)
        return delays[min(max(item.attempts - 1, 0), len(delays) - 1)]

    def _settle(self, rows: Sequence[ReplyItem], result: SendResult) -> None:
        """Record the outcome of the rows sent along with the claimed one."""
        with new_session(self._database) as session:
            for row in rows:
                if result.sent:
                    replies.mark_sent(session, item_id=row.id or 0, provider_id=result.provider_id)
                else:
                    replies.mark_failed(session, item_id=row.id or 0, reason=result.reason or "")
            session.commit()


def _template(item: ReplyItem) -> Template | None:
    """Return the template a staff notice carries for a closed window, if any."""
    template = item.context.get(replies.TEMPLATE)
    if not isinstance(template, dict) or not template.get("content_sid"):
        return None
    return Template(str(template["content_sid"]), dict(template.get("variables") or {}))


def outcome(sent: Sequence[SentMessage], later: float) -> SendResult:
    """Return the outbox's view of what the sender did with a turn's messages."""
    for message in sent:
        if message.status is DeliveryStatus.FAILED and message.error_reason in {
            Reason.RATE_LIMITED,
            Reason.UNREACHABLE,
        }:
            return SendResult.later(later, message.error_reason or "")
    for message in sent:
        if message.status in {DeliveryStatus.FAILED, DeliveryStatus.SKIPPED}:
            return SendResult.refused(message.error_reason or message.status)
    return SendResult.ok(next((m.provider_id for m in sent if m.provider_id), None))


def note(unreadable: Unreadable) -> str:
    """Say what the bot cannot read, in the language in use."""
    if unreadable is Unreadable.MEDIA:
        return _(
            "Merci ! Je ne sais lire ni les photos, ni les documents, ni les messages "
            "vocaux. Écrivez votre message en quelques mots, ou tapez *menu*."
        )
    if unreadable is Unreadable.LOCATION:
        return _(
            "Merci, mais je ne sais pas lire une position. Écrivez plutôt le nom de "
            "l'endroit où vous êtes."
        )
    return _("Je n'ai reçu aucun texte. Écrivez votre question en quelques mots, ou tapez *menu*.")
