"""Staff review of pre-registrations: find them, look at one, change its status and tell its author.

The citizen is told through the reply outbox, in their channel and language, by the same
senders that deliver the bot's own replies; "où en est mon dossier ?" then shows the new status
and the note.
"""

import csv
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any, TextIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.core import i18n
from bot.core.flows.status import status_line
from bot.core.i18n import N_, Catalogues, _
from bot.domain import Locale, OrgType, RegistrationStatus
from bot.errors import ExplainedError
from bot.services.notices import contact_locale, queue_notice
from bot.services.registrations import EXPORT_COLUMNS, export_row, neutralise_formula
from bot.services.spreadsheet import write_xlsx
from bot.services.staff import StaffIdentity, add_audit_entry
from bot.storage.database import new_session
from bot.storage.models import Contact, Registration
from bot.storage.types import clip, utcnow
from bot.text import fold

log = logging.getLogger(__name__)

MAX_NOTE = 500
PAGE_SIZE = 50


class ReviewError(ExplainedError, ValueError):
    """A review action that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """How staff notices are written: the fallback language, the directorate, the templates."""

    default_locale: Locale
    directorate: str
    templates: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RegistrationFilter:
    """What the list of registrations is narrowed to; every field is optional."""

    status: RegistrationStatus | None = None
    org_type: OrgType | None = None
    province: str | None = None
    since: date | None = None
    until: date | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class RegistrationDetail:
    """One registration with what the reviewer needs beside it."""

    registration: Registration
    duplicates: list[Registration] = field(default_factory=list)
    contact: Contact | None = None


def _filtered(query: Any, filters: RegistrationFilter, tz: ZoneInfo) -> Any:
    """Narrow a SELECT on registrations (rows or a count) to the filters."""
    if filters.status is not None:
        query = query.where(col(Registration.status) == filters.status)
    if filters.org_type is not None:
        query = query.where(col(Registration.org_type) == filters.org_type)
    if filters.province:
        query = query.where(col(Registration.province) == filters.province)
    if filters.since is not None:
        start = datetime.combine(filters.since, time.min, tzinfo=tz)
        query = query.where(col(Registration.created_at) >= start)
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=tz)
        query = query.where(col(Registration.created_at) < end)
    if filters.search and filters.search.strip():
        words = filters.search.strip()
        pattern = f"%{words.replace('%', '').replace('_', '')}%"
        query = query.where(
            sa.or_(
                col(Registration.reference).ilike(pattern),
                col(Registration.name_key).like(f"%{fold(words)}%"),
                col(Registration.contact_name).ilike(pattern),
                col(Registration.phone).ilike(pattern),
                col(Registration.email).ilike(pattern),
                col(Registration.town).ilike(pattern),
            )
        )
    return query


def find_registrations(
    database: DatabaseEngine,
    filters: RegistrationFilter,
    *,
    tz: ZoneInfo,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[Registration], int]:
    """Return one page of the registrations matching the filters, newest first, and the total."""
    with new_session(database) as session:
        total = session.execute(
            _filtered(sa.select(sa.func.count()).select_from(Registration), filters, tz)
        ).scalar_one()
        rows = session.exec(
            _filtered(select(Registration), filters, tz)
            .order_by(col(Registration.id).desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return [row for row in rows], int(total)


def export_filtered(
    database: DatabaseEngine, out: TextIO, filters: RegistrationFilter, *, tz: ZoneInfo
) -> int:
    """Write the matching registrations as CSV (formulas neutralised); return how many."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    written = 0
    for row in _filtered_rows(database, filters, tz):
        writer.writerow({key: neutralise_formula(value) for key, value in row.items()})
        written += 1
    return written


def export_filtered_xlsx(
    database: DatabaseEngine, out: IO[bytes], filters: RegistrationFilter, *, tz: ZoneInfo
) -> int:
    """Write the matching registrations as a spreadsheet file; return how many."""
    rows = (
        [row[column] for column in EXPORT_COLUMNS] for row in _filtered_rows(database, filters, tz)
    )
    return write_xlsx(out, sheet="registrations", header=EXPORT_COLUMNS, rows=rows)


def _filtered_rows(
    database: DatabaseEngine, filters: RegistrationFilter, tz: ZoneInfo
) -> Iterator[dict[str, Any]]:
    with new_session(database) as session:
        query = _filtered(select(Registration), filters, tz).order_by(col(Registration.id))
        for registration in session.exec(query):
            yield export_row(registration)


def provinces_in_use(database: DatabaseEngine) -> list[str]:
    """Return the provinces registrations were made in, for the filter."""
    with new_session(database) as session:
        return sorted(
            str(province)
            for province in session.exec(select(Registration.province).distinct()).all()
        )


def registration_detail(database: DatabaseEngine, registration_id: int) -> RegistrationDetail:
    """Return a registration with its possible duplicates (same name in the same province)."""
    with new_session(database) as session:
        registration = session.get(Registration, registration_id)
        if registration is None:
            raise ReviewError(N_("pas de pré-inscription n° {id}"), id=registration_id)
        duplicates: list[Registration] = []
        if registration.name_key:
            duplicates = list(
                session.exec(
                    select(Registration)
                    .where(
                        Registration.name_key == registration.name_key,
                        Registration.province == registration.province,
                        col(Registration.id) != registration.id,
                    )
                    .order_by(col(Registration.id))
                ).all()
            )
        contact = session.get(Contact, registration.contact_id) if registration.contact_id else None
        return RegistrationDetail(registration, duplicates, contact)


def change_status(
    database: DatabaseEngine,
    catalogues: Catalogues,
    *,
    registration_id: int,
    status: RegistrationStatus,
    note: str | None,
    actor: StaffIdentity | None,
    notice: NoticeSettings,
) -> Registration:
    """Set a registration's status and note, tell its author, and audit it, in one transaction."""
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ReviewError(N_("la note doit avoir au plus {most} caractères"), most=MAX_NOTE)
    with new_session(database) as session:
        registration = session.get(Registration, registration_id, with_for_update=True)
        if registration is None:
            raise ReviewError(N_("pas de pré-inscription n° {id}"), id=registration_id)
        previous = registration.status
        registration.status = status
        registration.status_note = clip(Registration, "status_note", note) if note else None
        registration.updated_at = utcnow()
        session.add(registration)
        contact = session.get(Contact, registration.contact_id) if registration.contact_id else None
        if contact is not None:
            _tell_author(session, catalogues, contact, registration, notice)
        add_audit_entry(
            session,
            actor=actor,
            action="registration.status",
            record_type="registration",
            record_id=registration.reference,
            detail=f"{previous.value} -> {status.value}" + (f": {note}" if note else ""),
        )
        session.commit()
        session.refresh(registration)
        log.info("registration %s: %s -> %s", registration.reference, previous, status)
        return registration


def _tell_author(
    session: Session,
    catalogues: Catalogues,
    contact: Contact,
    registration: Registration,
    notice: NoticeSettings,
) -> None:
    """Queue the news of a status change in the author's language, with the note."""
    locale = contact_locale(contact, notice.default_locale)
    translator = catalogues.translator(locale)
    with i18n.using(translator):
        line = status_line(translator, registration, directorate=notice.directorate)
        text = _("Votre dossier a changé :") + "\n" + line
    queue_notice(session, contact, text, locale=locale, templates=notice.templates)


def waiting_for_review(database: DatabaseEngine) -> int:
    """Return how many registrations wait for a decision (received or in review)."""
    with new_session(database) as session:
        return int(
            session.execute(
                sa.select(sa.func.count()).where(
                    col(Registration.status).in_(
                        [RegistrationStatus.RECEIVED, RegistrationStatus.IN_REVIEW]
                    ),
                    col(Registration.anonymised_at).is_(None),
                )
            ).scalar_one()
        )
