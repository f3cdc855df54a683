"""Load existing member lists: `relais contacts import --file members.csv`."""

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import phonenumbers
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.domain import Channel, Locale, Topic
from bot.errors import RelaisError
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Contact
from bot.storage.types import clip

HEADER = ("channel", "address", "name", "language", "province", "topics", "consent_at")


class ContactsFileError(RelaisError, ValueError):
    """A contacts file that cannot be read as a whole; the message names it."""


@dataclass
class ImportReport:
    """What an import did, with the refused rows and why."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


# Told after each row: (rows done, rows in the file).
Progress = Callable[[int, int], None]


def import_contacts(
    database: DatabaseEngine, path: Path, *, phone_region: str, progress: Progress | None = None
) -> ImportReport:
    """Import a CSV of contacts; refused rows are reported, the others imported once."""
    report = ImportReport()
    try:
        total = _count_rows(path) if progress is not None else 0
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in HEADER if name not in (reader.fieldnames or [])]
            if missing:
                msg = f"{path}: missing columns {', '.join(missing)} (expected {','.join(HEADER)})"
                raise ContactsFileError(msg)
            for number, row in enumerate(reader, start=2):
                try:
                    _import_row(database, row, phone_region, report)
                except ValueError as error:
                    report.refused.append((number, str(error)))
                if progress is not None:
                    progress(number - 1, max(total, number - 1))
    except UnicodeDecodeError as error:
        # Spreadsheets often save CSV in a legacy code page; the rows read before the bad
        # character are imported, and importing again is harmless.
        msg = f'{path} is not UTF-8 text: save it as "CSV UTF-8" and import it again'
        raise ContactsFileError(msg) from error
    return report


def check_contacts_file(content: bytes, name: str) -> None:
    """Refuse at once a file that is not UTF-8 or lacks a column, before importing its rows."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f'{name} is not UTF-8 text: save it as "CSV UTF-8" and import it again'
        raise ContactsFileError(msg) from None
    header = next(csv.reader(text.splitlines()[:1]), [])
    missing = [column for column in HEADER if column not in header]
    if missing:
        msg = f"{name}: missing columns {', '.join(missing)} (expected {','.join(HEADER)})"
        raise ContactsFileError(msg)


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return max(sum(1 for _row in csv.reader(handle)) - 1, 0)


def _import_row(
    database: DatabaseEngine, row: dict[str, str], phone_region: str, report: ImportReport
) -> None:
    channel, address = parse_address(row, phone_region)
    consent = (row.get("consent_at") or "").strip()
    if not consent:
        msg = "no consent_at: contacts are imported only with their consent"
        raise ValueError(msg)
    try:
        consented = datetime.fromisoformat(consent)
    except ValueError:
        msg = f"consent_at {consent!r} is not an ISO date-time"
        raise ValueError(msg) from None
    if consented.tzinfo is None:
        consented = consented.replace(tzinfo=UTC)
    language = (row.get("language") or "").strip().lower() or None
    if language is not None and language not in {locale.value for locale in Locale}:
        msg = f"language {language!r} is not fr, en or ar"
        raise ValueError(msg)
    try:
        topics = [Topic(t.strip()) for t in (row.get("topics") or "").split(";") if t.strip()]
    except ValueError:
        msg = f"topics {row.get('topics')!r}: use {';'.join(topic.value for topic in Topic)}"
        raise ValueError(msg) from None
    with new_session(database) as session:
        existing = contacts.find_contact(session, channel=channel, address=address)
        contact = existing or contacts.get_or_create_contact(
            session, channel=channel, address=address
        )
        before = (contact.name, contact.locale, contact.province)
        contact.name = clip(Contact, "name", (row.get("name") or "").strip()) or contact.name
        contact.locale = language or contact.locale
        contact.province = (
            clip(Contact, "province", (row.get("province") or "").strip()) or contact.province
        )
        session.add(contact)
        added = [
            contacts.subscribe(session, contact_id=contact.id or 0, topic=topic, at=consented)
            for topic in topics or [Topic.NEWS]
        ]
        session.commit()
    if existing is None:
        report.created += 1
    elif any(added) or before != (contact.name, contact.locale, contact.province):
        report.updated += 1
    else:
        report.unchanged += 1


def parse_address(row: Mapping[str, str], phone_region: str) -> tuple[Channel, str]:
    """Check a row's channel and address: a Telegram chat id, or a WhatsApp number in E.164.

    ValueError says what is wrong.
    """
    raw_channel = (row.get("channel") or "").strip().lower()
    address = (row.get("address") or "").strip()
    if raw_channel == Channel.TELEGRAM.value:
        if not address.lstrip("-").isdecimal():
            msg = f"telegram address {address!r} is not a chat id"
            raise ValueError(msg)
        return Channel.TELEGRAM, address
    if raw_channel == Channel.WHATSAPP.value:
        try:
            number = phonenumbers.parse(address.removeprefix("whatsapp:"), phone_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            msg = f"whatsapp address {address!r} is not a valid phone number"
            raise ValueError(msg)
        return Channel.WHATSAPP, phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )
    msg = f"channel {raw_channel!r} is not telegram or whatsapp"
    raise ValueError(msg)
