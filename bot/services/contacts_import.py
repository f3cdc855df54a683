"""Load existing member lists: `relais contacts import --file members.csv`."""

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.core.i18n import N_
from bot.domain import Channel, Locale, Topic
from bot.errors import ExplainedError, Explanation
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.models import Contact
from bot.storage.types import clip

HEADER = ("channel", "address", "name", "language", "province", "topics", "consent_at")


class Problem(StrEnum):
    """Why a row, a file or an import was refused: stored as such, worded where shown."""

    NO_CONSENT = "no_consent"
    BAD_CONSENT = "bad_consent"
    BAD_LANGUAGE = "bad_language"
    BAD_TOPICS = "bad_topics"
    BAD_TELEGRAM = "bad_telegram"
    BAD_WHATSAPP = "bad_whatsapp"
    BAD_CHANNEL = "bad_channel"
    NOT_UTF8 = "not_utf8"
    MISSING_COLUMNS = "missing_columns"
    UNEXPECTED = "unexpected"
    INTERRUPTED = "interrupted"
    UNKNOWN = "unknown"


MESSAGES = {
    Problem.NO_CONSENT: N_("pas de consent_at : un contact n'est importé qu'avec son consentement"),
    Problem.BAD_CONSENT: N_("consent_at « {value} » n'est pas une date-heure ISO (2026-01-10)"),
    Problem.BAD_LANGUAGE: N_("language « {value} » n'est ni fr, ni en, ni ar"),
    Problem.BAD_TOPICS: N_("topics « {value} » : utilisez {choices}"),
    Problem.BAD_TELEGRAM: N_(
        "l'adresse telegram « {value} » n'est pas un identifiant de discussion"
    ),
    Problem.BAD_WHATSAPP: N_(
        "l'adresse whatsapp « {value} » n'est pas un numéro de téléphone valide"
    ),
    Problem.BAD_CHANNEL: N_("le canal « {value} » n'est ni telegram ni whatsapp"),
    Problem.NOT_UTF8: N_(
        "{file} n'est pas du texte UTF-8 : enregistrez-le en « CSV UTF-8 » et importez-le "
        "de nouveau"
    ),
    Problem.MISSING_COLUMNS: N_("{file} : colonnes manquantes {missing} (attendues : {expected})"),
    Problem.UNEXPECTED: N_(
        "l'import s'est arrêté sur une erreur inattendue ; voir le journal du serveur"
    ),
    Problem.INTERRUPTED: N_(
        "l'import a été interrompu (le serveur s'est arrêté) : importez le fichier de "
        "nouveau, les lignes déjà importées ne seront pas en double"
    ),
    Problem.UNKNOWN: N_("raison inconnue ({code})"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A refusal as stored: its code and the values it names (the row's text, the file)."""

    problem: Problem
    fields: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: Problem, **fields: object) -> "Reason":
        """Return a reason whose fields are shown as text."""
        return cls(problem, {name: str(value) for name, value in fields.items()})

    @property
    def explanation(self) -> Explanation:
        """Return the reason as a message to translate."""
        return Explanation(MESSAGES[self.problem], self.fields)

    def as_json(self) -> dict[str, Any]:
        """Return the reason as stored in the database."""
        return {"code": self.problem.value, "fields": dict(self.fields)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Reason":
        """Read a stored reason; a code this version does not know is shown as such."""
        code = str(data.get("code", ""))
        fields = {str(key): str(value) for key, value in dict(data.get("fields") or {}).items()}
        try:
            return cls(Problem(code), fields)
        except ValueError:
            return cls(Problem.UNKNOWN, {"code": code})

    def __str__(self) -> str:
        return str(self.explanation)


class RowRefused(ExplainedError, ValueError):
    """A row (or a typed address) that cannot be imported; `reason` says why."""

    def __init__(self, problem: Problem, **fields: object) -> None:
        self.reason = Reason.of(problem, **fields)
        super().__init__(MESSAGES[problem], **self.reason.fields)


class ContactsFileError(RowRefused):
    """A contacts file that cannot be read as a whole; the reason names it."""


@dataclass
class ImportReport:
    """What an import did, with the refused rows and why."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, Reason]] = field(default_factory=list)


# Told after each row: (rows done, rows in the file).
Progress = Callable[[int, int], None]


def import_contacts(
    database: DatabaseEngine,
    path: Path,
    *,
    phone_region: str,
    progress: Progress | None = None,
    name: str | None = None,
) -> ImportReport:
    """Import a CSV of contacts; refused rows are reported, the others imported once.

    `name` is the file's name in the reasons (its path by default).
    """
    report = ImportReport()
    shown = name or str(path)
    try:
        total = _count_rows(path) if progress is not None else 0
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            _check_header(reader.fieldnames or [], shown)
            for number, row in enumerate(reader, start=2):
                try:
                    _import_row(database, row, phone_region, report)
                except RowRefused as error:
                    report.refused.append((number, error.reason))
                if progress is not None:
                    progress(number - 1, max(total, number - 1))
    except UnicodeDecodeError as error:
        # Spreadsheets often save CSV in a legacy code page; the rows read before the bad
        # character are imported, and importing again is harmless.
        raise ContactsFileError(Problem.NOT_UTF8, file=shown) from error
    return report


def check_contacts_file(content: bytes, name: str) -> None:
    """Refuse at once a file that is not UTF-8 or lacks a column, before importing its rows."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContactsFileError(Problem.NOT_UTF8, file=name) from None
    _check_header(next(csv.reader(text.splitlines()[:1]), []), name)


def _check_header(header: Sequence[str], name: str) -> None:
    missing = [column for column in HEADER if column not in header]
    if missing:
        raise ContactsFileError(
            Problem.MISSING_COLUMNS,
            file=name,
            missing=", ".join(missing),
            expected=",".join(HEADER),
        )


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return max(sum(1 for _row in csv.reader(handle)) - 1, 0)


def _import_row(
    database: DatabaseEngine, row: dict[str, str], phone_region: str, report: ImportReport
) -> None:
    channel, address = parse_address(row, phone_region)
    consent = (row.get("consent_at") or "").strip()
    if not consent:
        raise RowRefused(Problem.NO_CONSENT)
    try:
        consented = datetime.fromisoformat(consent)
    except ValueError:
        raise RowRefused(Problem.BAD_CONSENT, value=consent[:40]) from None
    if consented.tzinfo is None:
        consented = consented.replace(tzinfo=UTC)
    language = (row.get("language") or "").strip().lower() or None
    if language is not None and language not in {locale.value for locale in Locale}:
        raise RowRefused(Problem.BAD_LANGUAGE, value=language[:40])
    try:
        topics = [Topic(t.strip()) for t in (row.get("topics") or "").split(";") if t.strip()]
    except ValueError:
        raise RowRefused(
            Problem.BAD_TOPICS,
            value=(row.get("topics") or "")[:80],
            choices=";".join(topic.value for topic in Topic),
        ) from None
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

    RowRefused (a ValueError) says what is wrong.
    """
    raw_channel = (row.get("channel") or "").strip().lower()
    address = (row.get("address") or "").strip()
    if raw_channel == Channel.TELEGRAM.value:
        if not address.lstrip("-").isdecimal():
            raise RowRefused(Problem.BAD_TELEGRAM, value=address[:40])
        return Channel.TELEGRAM, address
    if raw_channel == Channel.WHATSAPP.value:
        try:
            number = phonenumbers.parse(address.removeprefix("whatsapp:"), phone_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise RowRefused(Problem.BAD_WHATSAPP, value=address[:40])
        return Channel.WHATSAPP, phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )
    raise RowRefused(Problem.BAD_CHANNEL, value=raw_channel[:40])
