"""Write a table as an Office Open XML spreadsheet (.xlsx), for staff exports.

One sheet, a header row, then rows of text, numbers and dates; strings are written inline
(no shared-strings part), which every spreadsheet program reads. Cells a spreadsheet would run
as a formula are quoted, as in the CSV exports.
"""

import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any
from xml.sax.saxutils import escape

from bot.services.registrations import neutralise_formula

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE}">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_START = f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"
# Characters XML 1.0 cannot carry at all.
_FORBIDDEN = {code: None for code in range(32) if chr(code) not in "\t\n\r"}
SHEET_NAME_LENGTH = 31


def write_xlsx(
    out: IO[bytes], *, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write a one-sheet workbook to a binary file; return how many data rows it has."""
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        name = escape(_clean(sheet)[:SHEET_NAME_LENGTH] or "Sheet1", {'"': "&quot;"})
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(_SHEET_START.encode())
            part.write(_row(1, header).encode())
            for number, row in enumerate(rows, start=2):
                part.write(_row(number, row).encode())
                written += 1
            part.write(_SHEET_END.encode())
    return written


def _row(number: int, values: Sequence[Any]) -> str:
    cells = "".join(_cell(value) for value in values)
    return f'<row r="{number}">{cells}</row>'


def _cell(value: Any) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime):
        value = value.isoformat(timespec="seconds")
    text = escape(_clean(str(neutralise_formula(value))))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _clean(text: str) -> str:
    return text.translate(_FORBIDDEN)
