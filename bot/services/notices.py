"""Messages staff send to a person (status news, agent replies) through the reply outbox.

They leave like the bot's replies, by the channel's sender, and are kept with the
conversation's messages. On WhatsApp, once the person's 24-hour window has closed, the
approved template of their language (RELAIS_WHATSAPP_NOTICE_TEMPLATES) carries the text.
"""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bot.core import i18n
from bot.domain import Channel, Locale, MessageDirection
from bot.storage import messages, replies
from bot.storage.models import Contact

# What a template's variable may hold (WhatsApp's limit for a body parameter).
MAX_TEMPLATE_TEXT = 1024


def contact_locale(contact: Contact, default: Locale) -> Locale:
    """Return the language a contact reads: the one they chose, else their app's, else ours."""
    for candidate in (contact.locale, contact.locale_hint):
        locale = i18n.parse_locale(candidate)
        if locale is not None:
            return locale
    return default


def notice_context(
    contact: Contact, text: str, *, locale: Locale, templates: Mapping[str, str]
) -> dict[str, Any]:
    """Return what the channel needs to send a staff notice, a template included if any."""
    context: dict[str, Any] = {replies.NOTICE: True}
    sid = templates.get(locale.value) if contact.channel is Channel.WHATSAPP else None
    if sid:
        context[replies.TEMPLATE] = {
            "content_sid": sid,
            "variables": {"1": text[:MAX_TEMPLATE_TEXT]},
        }
    return context


def queue_notice(
    session: Session,
    contact: Contact,
    text: str,
    *,
    locale: Locale,
    templates: Mapping[str, str],
    staff_id: int | None = None,
) -> None:
    """Queue a message to a person in the caller's transaction, and keep it for staff."""
    replies.add_replies(
        session,
        channel=contact.channel,
        address=contact.address,
        contact_id=contact.id,
        message_id=None,
        replies=[(text, [])],
        context=notice_context(contact, text, locale=locale, templates=templates),
    )
    messages.record_message(
        session,
        contact_id=contact.id or 0,
        direction=MessageDirection.OUT,
        text=text,
        staff_id=staff_id,
    )
