"""The registrations export never hands a spreadsheet a formula to run."""

import csv
import io

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.domain import OrgType
from bot.services.registrations import ExportFormat, export_registrations, neutralise_formula
from bot.storage.database import new_session
from bot.storage.models import Registration


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("+24177123456", "+24177123456"),
        ("Coopérative = avenir", "Coopérative = avenir"),
        (None, None),
        (8, 8),
    ],
)
def test_formulas_are_quoted_and_numbers_kept(value: object, shown: object) -> None:
    assert neutralise_formula(value) == shown


def test_the_csv_export_quotes_a_hostile_name(database: DatabaseEngine) -> None:
    with new_session(database) as session:
        session.add(
            Registration(
                reference="GA-2026-00001",
                org_type=OrgType.ASSOCIATION,
                name="=1+1",
                acronym="@A",
                sector="other",
                province="Estuaire",
                founders=3,
                channel="web",
                phone="+24177123456",
            )
        )
        session.commit()
    out = io.StringIO()
    assert export_registrations(database, out, ExportFormat.CSV) == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["name"] == "'=1+1" and row["acronym"] == "'@A"
    assert row["phone"] == "+24177123456"
