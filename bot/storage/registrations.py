"""Pre-registrations: references, duplicates, and the contact's own files."""

import re
from collections.abc import Iterator

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.storage.models import ReferenceCounter, Registration
from bot.storage.upsert import insert_ignoring_conflicts
from bot.text import fold

REFERENCE_PATTERN = re.compile(r"\b([A-Z]{2,4})[-\s]?(\d{4})[-\s]?(\d{1,6})\b", re.IGNORECASE)


def name_key(name: str) -> str:
    """Reduce an organisation name to what matters for spotting duplicates."""
    return fold(name)


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    """Hand out the next reference of the year ("GA-2026-00042"), never the same twice."""
    insert_ignoring_conflicts(
        session, ReferenceCounter, {"prefix": prefix, "year": year, "last": 0}
    )
    number = session.execute(
        sa.update(ReferenceCounter)
        .where(col(ReferenceCounter.prefix) == prefix, col(ReferenceCounter.year) == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(col(ReferenceCounter.last))
    ).scalar_one()
    return f"{prefix}-{year}-{number:05d}"


def find_duplicate(session: Session, *, key: str, province: str) -> Registration | None:
    """Return an earlier registration with the same name in the same province."""
    return session.exec(
        select(Registration)
        .where(Registration.name_key == key, Registration.province == province)
        .order_by(col(Registration.id))
    ).first()


def registrations_of(session: Session, *, contact_id: int) -> list[Registration]:
    """Return the registrations a contact made, newest first."""
    return list(
        session.exec(
            select(Registration)
            .where(Registration.contact_id == contact_id)
            .order_by(col(Registration.id).desc())
        ).all()
    )


def normalise_reference(text: str) -> str | None:
    """Find a reference in free text, written with or without dashes or leading zeros."""
    match = REFERENCE_PATTERN.search(text)
    if match is None:
        return None
    prefix, year, number = match.groups()
    return f"{prefix.upper()}-{year}-{int(number):05d}"


def iter_registrations(session: Session, *, batch_size: int = 500) -> Iterator[Registration]:
    """Yield every registration in reference order without loading them all at once."""
    last_id = 0
    while True:
        batch = session.exec(
            select(Registration)
            .where(col(Registration.id) > last_id)
            .order_by(col(Registration.id))
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id or last_id
