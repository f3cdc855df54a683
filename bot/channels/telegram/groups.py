"""Community groups on Telegram: who they are, when the bot is addressed, and their moves."""

import sqlalchemy as sa
from sqlmodel import Session, col, select
from telegram import Message, MessageEntity

from bot.content import Directorate
from bot.core.flows.menu import introduction
from bot.core.i18n import _
from bot.domain import Channel, ContactKind, Topic
from bot.storage import contacts
from bot.storage.models import Contact, HandoffRequest, OutboundMessage, Registration, Subscription
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts

# What a group is signed up for when it adds the bot: the directorate's reminders of
# seminars, trainings and meetings are why community groups add it.
GROUP_TOPICS = (Topic.EVENTS,)


def record_group(
    session: Session, *, address: str, title: str | None, locale_hint: str | None
) -> Contact:
    """Record a group that added the bot, able to receive reminders again if it had left."""
    group = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address=address)
    group.kind = ContactKind.GROUP
    group.name = clip(Contact, "name", title or "") or group.name
    group.opted_out_at = None
    if locale_hint and not group.locale_hint:
        group.locale_hint = clip(Contact, "locale_hint", locale_hint)
    session.add(group)
    session.flush()
    for topic in GROUP_TOPICS:
        contacts.subscribe(session, contact_id=group.id or 0, topic=topic)
    return group


def ensure_group(session: Session, *, address: str, title: str | None) -> None:
    """Make sure a group that writes to the bot is known as a group, and reachable."""
    group = contacts.get_or_create_contact(session, channel=Channel.TELEGRAM, address=address)
    name = clip(Contact, "name", title or "") or group.name
    if group.kind is ContactKind.GROUP and group.name == name and group.opted_out_at is None:
        return
    group.kind = ContactKind.GROUP
    group.name = name
    group.opted_out_at = None
    session.add(group)


def move_group(session: Session, *, old_address: str, new_address: str) -> bool:
    """Move a group upgraded to a supergroup to its new id, keeping its subscriptions.

    Telegram announces the move in both chats, in either order, and the new chat may already
    have a contact: the old one (with the history) absorbs it. False when nothing moved.
    """
    old = contacts.find_contact(session, channel=Channel.TELEGRAM, address=old_address)
    if old is None or old.id is None:
        return False
    new = contacts.find_contact(session, channel=Channel.TELEGRAM, address=new_address)
    if new is not None and new.id is not None:
        _absorb(session, keep=old.id, drop=new.id)
    old.address = new_address
    old.kind = ContactKind.GROUP
    session.add(old)
    session.flush()
    return True


def _absorb(session: Session, *, keep: int, drop: int) -> None:
    topics = session.exec(select(Subscription.topic).where(Subscription.contact_id == drop)).all()
    for topic in topics:
        insert_ignoring_conflicts(
            session, Subscription, {"contact_id": keep, "topic": topic, "created_at": utcnow()}
        )
    for table in (Registration, HandoffRequest, OutboundMessage):
        session.execute(
            sa.update(table).where(col(table.contact_id) == drop).values(contact_id=keep)
        )
    session.execute(sa.delete(Contact).where(col(Contact.id) == drop))
    session.flush()


def addressed_text(message: Message, *, username: str, bot_id: int) -> str | None:
    """Return the text of a group message meant for the bot, without the mention; else None.

    A message is meant for the bot when it mentions it (@username, or a mention of its
    account) or replies to one of its messages.
    """
    text = message.text or message.caption or ""
    mention = f"@{username}".casefold()
    entities = message.parse_entities() if message.text else message.parse_caption_entities()
    spans = [
        entity
        for entity, value in entities.items()
        if (entity.type == MessageEntity.MENTION and value.casefold() == mention)
        or (entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id)
    ]
    replied = message.reply_to_message
    is_reply = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    if not spans and not is_reply:
        return None
    for entity in sorted(spans, key=lambda item: item.offset, reverse=True):
        # Offsets count UTF-16 code units, like Telegram's lengths.
        encoded = text.encode("utf-16-le")
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        text = (encoded[:start] + encoded[end:]).decode("utf-16-le")
    return " ".join(text.split())


def group_welcome(*, directorate: Directorate, locale: str, username: str) -> str:
    """Return what the bot says when it is added to a group."""
    hello = introduction(directorate, locale)
    return (
        hello
        + "\n\n"
        + _(
            "Dans ce groupe :\n"
            "• je vous enverrai les rappels des formations, séminaires et réunions ;\n"
            "• je réponds aux questions qui me mentionnent (@{username}) ou qui répondent à mes "
            "messages, par exemple « @{username} comment créer une coopérative ? » ;\n"
            "• /menu montre ce que je sais faire, /aide les commandes.\n\n"
            "Pour ne plus recevoir les rappels dans ce groupe : /stop."
        ).format(username=username)
    )
