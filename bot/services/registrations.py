"""Staff actions on pre-registrations: exports (CLI today, Telegram and web admin later)."""

import csv
import json
import re
from collections.abc import Iterator
from enum import Enum, StrEnum
from typing import Any, TextIO

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.storage.database import new_session
from bot.storage.models import Registration
from bot.storage.registrations import iter_registrations

EXPORT_COLUMNS = (
    "reference",
    "status",
    "created_at",
    "org_type",
    "coop_form",
    "name",
    "acronym",
    "sector",
    "province",
    "town",
    "founders",
    "contact_name",
    "contact_role",
    "phone",
    "email",
    "channel",
    "possible_duplicate_of",
    "consent_at",
    "anonymised_at",
    # Added after the others so that scripts reading the columns by position keep working.
    "scope",
)


# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d .]*")


class ExportFormat(StrEnum):
    """File formats of the registrations export."""

    CSV = "csv"
    JSON = "json"


def export_row(registration: Registration) -> dict[str, Any]:
    """Flatten a registration into plain values (ISO 8601 UTC dates, enum values)."""
    row: dict[str, Any] = {}
    for column in EXPORT_COLUMNS:
        value = getattr(registration, column)
        if isinstance(value, Enum):
            value = value.value
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        row[column] = value
    return row


def export_registrations(database: DatabaseEngine, out: TextIO, fmt: ExportFormat) -> int:
    """Stream every registration to `out`; return how many were written."""
    with new_session(database) as session:
        rows = (export_row(registration) for registration in iter_registrations(session))
        if fmt is ExportFormat.CSV:
            return _write_csv(rows, out)
        return _write_json(rows, out)


def neutralise_formula(value: Any) -> Any:
    """Quote a cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "@SUM(...)").

    A plain signed number (a phone number such as +24177123456) computes nothing: kept as is.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    written = 0
    for row in rows:
        writer.writerow({key: neutralise_formula(value) for key, value in row.items()})
        written += 1
    return written


def _write_json(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    out.write("[")
    written = 0
    for row in rows:
        out.write(",\n" if written else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
        written += 1
    out.write("\n]\n" if written else "]\n")
    return written
