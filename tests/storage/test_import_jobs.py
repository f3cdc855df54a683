"""Console imports followed through the database: from any process, cut off, capped, forgotten."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.domain import StaffRole
from bot.services import contacts_import, import_jobs
from bot.services.import_jobs import STALE, ImportJob, ImportJobs
from bot.services.retention import forget_expired
from bot.storage import imports
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import ContactImport, StaffAccount
from bot.storage.types import utcnow

HEADER = "channel,address,name,language,province,topics,consent_at\n"
GOOD = "whatsapp,+2417700{:04d},Membre {},fr,Estuaire,events,2026-01-10\n"
BAD = "whatsapp,not-a-number-{},Sans numéro,fr,Estuaire,events,2026-01-10\n"


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[DatabaseEngine, DatabaseEngine]]:
    """Two engines on one database: two server processes, as far as the import can tell."""
    first, second = create_db_engine(database_url), create_db_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def _owner(database: DatabaseEngine) -> int:
    with new_session(database) as session:
        account = StaffAccount(email="admin@dges.example", role=StaffRole.ADMIN, password_hash="x")
        session.add(account)
        session.commit()
        return account.id or 0


def _wait_finished(jobs: ImportJobs, job_id: str, owner: int) -> ImportJob:
    for _attempt in range(500):
        job = jobs.get(job_id, owner=owner)
        assert job is not None
        if job.finished:
            return job
        time.sleep(0.02)
    msg = "the import did not finish"
    raise AssertionError(msg)


def test_progress_and_report_are_read_from_another_process(
    engines: tuple[DatabaseEngine, DatabaseEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = engines
    owner = _owner(here)
    monkeypatch.setattr(import_jobs, "PROGRESS_SECONDS", 0.0)
    # The import stops after its third row until the test has looked from the other side.
    reached, go_on = threading.Event(), threading.Event()
    real_row = contacts_import._import_row
    rows = 0

    def slow_row(*args: Any) -> None:
        nonlocal rows
        rows += 1
        if rows == 4:
            reached.set()
            assert go_on.wait(10)
        real_row(*args)

    monkeypatch.setattr(contacts_import, "_import_row", slow_row)
    content = HEADER + "".join(GOOD.format(n, n) for n in range(3)) + BAD.format(1) + BAD.format(2)
    done: list[ImportJob] = []
    started = ImportJobs(here, phone_region="GA").start(
        "membres.csv", content.encode(), owner=owner, on_done=done.append
    )
    elsewhere = ImportJobs(there, phone_region="GA")
    assert reached.wait(10)
    job = elsewhere.get(started.id, owner=owner)
    assert job is not None and not job.finished
    assert (job.done, job.total) == (3, 5)
    assert job.as_dict()["finished"] is False
    # Nobody else follows it: another member of staff, or a guessed id, finds nothing.
    assert elsewhere.get(started.id, owner=owner + 1) is None
    assert elsewhere.get("guessed", owner=owner) is None
    go_on.set()
    finished = _wait_finished(elsewhere, started.id, owner)
    assert finished.report is not None and finished.error is None
    assert (finished.report.created, finished.done, finished.total) == (3, 5, 5)
    state = finished.as_dict()
    assert state["refused"] == [
        [5, "l'adresse whatsapp « not-a-number-1 » n'est pas un numéro de téléphone valide"],
        [6, "l'adresse whatsapp « not-a-number-2 » n'est pas un numéro de téléphone valide"],
    ]
    # Stored as codes and values, worded by whoever reads them.
    with new_session(there) as session:
        row = session.get(ContactImport, started.id)
        assert row is not None
        assert row.refused[0] == [
            5,
            {"code": "bad_whatsapp", "fields": {"value": "not-a-number-1"}},
        ]
    worded = finished.as_dict(lambda message: f"[{message}]")["refused"]
    assert worded[0][1].startswith("[l'adresse whatsapp « not-a-number-1 »")  # type: ignore[index]
    assert done and done[0].report is not None


def test_a_refused_file_is_reported_with_its_code(
    engines: tuple[DatabaseEngine, DatabaseEngine],
) -> None:
    here, there = engines
    owner = _owner(here)
    started = ImportJobs(here, phone_region="GA").start("liste.csv", b"name\nx\n", owner=owner)
    job = _wait_finished(ImportJobs(there, phone_region="GA"), started.id, owner)
    assert job.report is None and job.error is not None
    assert job.error.problem is contacts_import.Problem.MISSING_COLUMNS
    assert str(job.as_dict()["error"]).startswith("liste.csv : colonnes manquantes channel")


def test_an_import_whose_process_died_is_shown_interrupted(
    engines: tuple[DatabaseEngine, DatabaseEngine],
) -> None:
    here, there = engines
    owner = _owner(here)
    beat = utcnow() - STALE - timedelta(seconds=5)
    with new_session(here) as session:
        imports.add_import(session, import_id="dead", owner_id=owner, filename="m.csv", now=beat)
        imports.record_progress(session, import_id="dead", done=40, total=100, now=beat)
        imports.add_import(session, import_id="alive", owner_id=owner, filename="n.csv")
        session.commit()
    jobs = ImportJobs(there, phone_region="GA")
    dead = jobs.get("dead", owner=owner)
    assert dead is not None and dead.finished and dead.interrupted
    state = dead.as_dict()
    assert state["finished"] is True and state["interrupted"] is True and state["done"] == 40
    assert "interrompu" in str(state["error"]) and "created" not in state
    alive = jobs.get("alive", owner=owner)
    assert alive is not None and not alive.finished and not alive.interrupted


def test_refused_rows_are_capped_and_counted(
    engines: tuple[DatabaseEngine, DatabaseEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = engines
    owner = _owner(here)
    monkeypatch.setattr(import_jobs, "MAX_REFUSED", 2)
    content = HEADER + "".join(BAD.format(n) for n in range(5))
    started = ImportJobs(here, phone_region="GA").start("m.csv", content.encode(), owner=owner)
    job = _wait_finished(ImportJobs(there, phone_region="GA"), started.id, owner)
    state = job.as_dict()
    assert [row for row, _reason in state["refused"]] == [2, 3]  # type: ignore[attr-defined]
    assert state["refused_more"] == 3 and state["refused_count"] == 5


def test_old_imports_are_forgotten(engines: tuple[DatabaseEngine, DatabaseEngine]) -> None:
    here, _there = engines
    owner = _owner(here)
    now = utcnow()
    old = now - imports.KEEP - timedelta(minutes=1)
    with new_session(here) as session:
        imports.add_import(session, import_id="ended", owner_id=owner, filename="a", now=old)
        imports.finish_import(
            session,
            import_id="ended",
            done=1,
            total=1,
            summary={"created": 1, "updated": 0, "unchanged": 0},
            refused=[],
            refused_more=0,
            error=None,
            now=old,
        )
        imports.add_import(session, import_id="cut-off", owner_id=owner, filename="b", now=old)
        imports.add_import(session, import_id="recent", owner_id=owner, filename="c", now=now)
        session.commit()
    dropped = forget_expired(here, message_retention=timedelta(days=90), now=now)
    assert dropped["contact imports"] == 2
    with new_session(here) as session:
        assert list(session.exec(select(ContactImport.id)).all()) == ["recent"]


def test_the_cli_import_keeps_english_reasons_with_the_english_catalogue(
    tmp_path: Path, engines: tuple[DatabaseEngine, DatabaseEngine], services: Any
) -> None:
    here, _there = engines
    path = tmp_path / "m.csv"
    path.write_text(HEADER + BAD.format(7), encoding="utf-8")
    report = contacts_import.import_contacts(here, path, phone_region="GA")
    english = services.catalogues.translator(contacts_import.Locale.EN)
    [(row, reason)] = report.refused
    assert row == 2
    assert reason.explanation.render(english.gettext) == (
        'whatsapp address "not-a-number-7" is not a valid phone number'
    )
