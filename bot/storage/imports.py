"""Contact imports run in the background: their progress and report, for any process to show."""

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.storage.models import ContactImport
from bot.storage.types import clip, utcnow

# How long an import's report stays to be read after it ended (or stopped beating).
KEEP = timedelta(hours=1)


def add_import(
    session: Session, *, import_id: str, owner_id: int, filename: str, now: datetime | None = None
) -> ContactImport:
    """Record an import that starts now, in the caller's transaction."""
    now = now or utcnow()
    row = ContactImport(
        id=import_id,
        owner_id=owner_id,
        filename=clip(ContactImport, "filename", filename),
        started_at=now,
        heartbeat_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_import(session: Session, *, import_id: str, owner_id: int) -> ContactImport | None:
    """Return an import started by this member of staff, from whichever process runs it."""
    row = session.get(ContactImport, import_id)
    return row if row is not None and row.owner_id == owner_id else None


def record_progress(
    session: Session, *, import_id: str, done: int, total: int, now: datetime | None = None
) -> None:
    """Record how far an import got; it is also its heartbeat."""
    session.execute(
        sa.update(ContactImport)
        .where(col(ContactImport.id) == import_id, col(ContactImport.finished_at).is_(None))
        .values(done=done, total=total, heartbeat_at=now or utcnow())
    )


def finish_import(
    session: Session,
    *,
    import_id: str,
    done: int,
    total: int,
    summary: dict[str, int] | None,
    refused: list[Any],
    refused_more: int,
    error: dict[str, Any] | None,
    now: datetime | None = None,
) -> None:
    """Record an import's end: its counts and refused rows, or why it was refused."""
    now = now or utcnow()
    session.execute(
        sa.update(ContactImport)
        .where(col(ContactImport.id) == import_id)
        .values(
            done=done,
            total=total,
            summary=summary,
            refused=refused,
            refused_more=refused_more,
            error=error,
            heartbeat_at=now,
            finished_at=now,
        )
    )


def forget_imports(session: Session, *, before: datetime) -> int:
    """Drop the imports that ended, or stopped beating, before a date."""
    result = session.execute(
        sa.delete(ContactImport).where(
            sa.or_(
                col(ContactImport.finished_at) < before,
                sa.and_(
                    col(ContactImport.finished_at).is_(None),
                    col(ContactImport.heartbeat_at) < before,
                ),
            )
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
