"""Write a table as an Office Open XML spreadsheet (.xlsx), for staff exports.

One sheet, a header row, then rows of text, numbers and dates, written by XlsxWriter in its
constant-memory mode: each row goes to the file as it comes, so a large export does not grow
the server's memory. Text is never read as a formula or a link, and cells a spreadsheet would
run as a formula are quoted, as in the CSV exports.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

import xlsxwriter

from bot.services.registrations import neutralise_formula

# Characters XML 1.0 cannot carry at all.
_FORBIDDEN = {code: None for code in range(32) if chr(code) not in "\t\n\r"}
SHEET_NAME_LENGTH = 31
# Characters Excel refuses in a sheet's name.
_SHEET_NAME_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})
# Excel's own limit for one cell; a longer text is cut rather than refused.
CELL_CHARACTERS = 32_767
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(
    out: IO[bytes], *, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write a one-sheet workbook to a binary file; return how many data rows it has."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    name = _clean(sheet).translate(_SHEET_NAME_FORBIDDEN).strip("' ")[:SHEET_NAME_LENGTH]
    worksheet = workbook.add_worksheet(name or "Sheet1")
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, [_text(title) for title in header], bold)
    written = 0
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(worksheet, number, column, value)
        written += 1
    workbook.close()
    return written


def _write(worksheet: Any, row: int, column: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        if isinstance(value, datetime):
            value = value.isoformat(timespec="seconds")
        worksheet.write_string(row, column, _text(neutralise_formula(value)))


def _text(value: Any) -> str:
    return _clean(str(value))[:CELL_CHARACTERS]


def _clean(text: str) -> str:
    return text.translate(_FORBIDDEN)
