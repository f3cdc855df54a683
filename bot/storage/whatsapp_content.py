"""The Content API items already created on Twilio, found again by the hash of what they hold."""

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain import WhatsAppContentKind
from bot.storage.models import WhatsAppContent
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts


def find_content(session: Session, *, content_hash: str) -> WhatsAppContent | None:
    """Return the content created for this hash, or refused, if any."""
    return session.exec(
        select(WhatsAppContent).where(WhatsAppContent.content_hash == content_hash)
    ).first()


def remember_content(
    session: Session,
    *,
    content_hash: str,
    kind: WhatsAppContentKind,
    language: str,
    content_sid: str | None = None,
    refused: str | None = None,
) -> WhatsAppContent:
    """Keep what Twilio said of a content; the first one written wins a race between two."""
    insert_ignoring_conflicts(
        session,
        WhatsAppContent,
        {
            "content_hash": content_hash,
            "kind": kind,
            "language": clip(WhatsAppContent, "language", language),
            "content_sid": content_sid,
            "refused": clip(WhatsAppContent, "refused", refused) if refused else None,
            "created_at": utcnow(),
        },
    )
    found = find_content(session, content_hash=content_hash)
    assert found is not None
    return found


def forget_content(session: Session, *, content_sid: str) -> None:
    """Drop a content Twilio no longer knows (deleted in its console): it is made again."""
    session.execute(
        sa.delete(WhatsAppContent).where(col(WhatsAppContent.content_sid) == content_sid)
    )
