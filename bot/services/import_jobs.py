"""Member lists imported in the background, with their progress for a page to poll.

An import runs in a thread of the process that received the file (the import itself is the
CLI's, `import_contacts`); its progress and then its report are written to the database
(`ContactImport`), under an id that cannot be guessed, so that any server process answers the
page's polls: no sticky sessions are needed behind a load balancer. Progress is written at most
every `PROGRESS_SECONDS` (and at the end), which is also the import's heartbeat: an import
whose heartbeat is older than `STALE` was cut off by the end of its process, and is shown as
interrupted rather than running forever. Reports are kept `KEEP_SECONDS` after the end, then
forgotten (at the next start and by the retention loop). Reasons are stored as codes and
their values, worded in the reader's language when shown.
"""

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.core.i18n import N_
from bot.errors import ExplainedError
from bot.services.contacts_import import (
    ContactsFileError,
    ImportReport,
    Problem,
    Reason,
    import_contacts,
)
from bot.storage import imports
from bot.storage.database import new_session
from bot.storage.models import ContactImport
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

KEEP_SECONDS = int(imports.KEEP.total_seconds())
MAX_RUNNING = 4
# Progress is written this often at most, and a heartbeat this old means the import is dead.
PROGRESS_SECONDS = 0.5
STALE = timedelta(seconds=60)
# Refused rows kept with the report; the others are only counted.
MAX_REFUSED = 500

Gettext = Callable[[str], str]


@dataclass
class ImportJob:
    """One import as read from the database: how far it got, then its report or its error."""

    id: str
    filename: str
    owner: int
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    refused_more: int = 0
    error: Reason | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime = field(default_factory=utcnow)

    @classmethod
    def of(cls, row: ContactImport, *, now: datetime | None = None) -> "ImportJob":
        """Read a stored import; one whose heartbeat stopped is ended, interrupted."""
        report = None
        if row.summary is not None:
            report = ImportReport(
                created=int(row.summary.get("created", 0)),
                updated=int(row.summary.get("updated", 0)),
                unchanged=int(row.summary.get("unchanged", 0)),
                refused=[(int(number), Reason.from_json(reason)) for number, reason in row.refused],
            )
        job = cls(
            id=row.id,
            filename=row.filename,
            owner=row.owner_id,
            done=row.done,
            total=row.total,
            report=report,
            refused_more=row.refused_more,
            error=Reason.from_json(row.error) if row.error is not None else None,
            finished_at=row.finished_at,
            heartbeat_at=row.heartbeat_at,
        )
        if row.finished_at is None and (now or utcnow()) - row.heartbeat_at > STALE:
            job.error = Reason.of(Problem.INTERRUPTED)
            job.finished_at = row.heartbeat_at
        return job

    @property
    def finished(self) -> bool:
        """Tell whether the import has ended: imported, refused or interrupted."""
        return self.finished_at is not None

    @property
    def interrupted(self) -> bool:
        """Tell whether the import was cut off by the end of the process running it."""
        return self.error is not None and self.error.problem is Problem.INTERRUPTED

    def as_dict(self, gettext: Gettext | None = None) -> dict[str, object]:
        """Return what the page shows, worded by `gettext`: progress, then counts and rows."""
        answer: dict[str, object] = {
            "done": self.done,
            "total": self.total,
            "finished": self.finished,
            "interrupted": self.interrupted,
            "error": self.error.explanation.render(gettext) if self.error else None,
        }
        if self.report is not None:
            answer.update(
                created=self.report.created,
                updated=self.report.updated,
                unchanged=self.report.unchanged,
                refused=[
                    [row, reason.explanation.render(gettext)] for row, reason in self.report.refused
                ],
                refused_count=len(self.report.refused) + self.refused_more,
                refused_more=self.refused_more,
            )
        return answer


class ImportBusy(ExplainedError):
    """Too many imports are running in this process already."""


class ImportJobs:
    """The imports of every process, by id; this process runs the ones it starts."""

    def __init__(self, database: DatabaseEngine, *, phone_region: str) -> None:
        self._database = database
        self._region = phone_region
        self._running = 0
        self._lock = threading.Lock()

    def start(
        self,
        filename: str,
        content: bytes,
        *,
        owner: int,
        on_done: Callable[[ImportJob], None] | None = None,
    ) -> ImportJob:
        """Start importing a CSV file's content in a thread; return the job to follow."""
        with self._lock:
            if self._running >= MAX_RUNNING:
                raise ImportBusy(N_("trop d'imports en cours : réessayez dans un moment"))
            self._running += 1
        try:
            now = utcnow()
            with new_session(self._database) as session:
                imports.forget_imports(session, before=now - imports.KEEP)
                row = imports.add_import(
                    session,
                    import_id=secrets.token_urlsafe(16),
                    owner_id=owner,
                    filename=filename or "CSV",
                    now=now,
                )
                session.commit()
                job = ImportJob.of(row, now=now)
            thread = threading.Thread(
                target=self._run, args=(job, content, on_done), name=f"import-{job.id[:6]}"
            )
            thread.daemon = True
            thread.start()
        except BaseException:
            with self._lock:
                self._running -= 1
            raise
        return job

    def get(self, job_id: str, *, owner: int) -> ImportJob | None:
        """Return a job started by this member of staff, whichever process runs it."""
        with new_session(self._database) as session:
            row = imports.get_import(session, import_id=job_id, owner_id=owner)
            return ImportJob.of(row) if row is not None else None

    def _run(
        self, job: ImportJob, content: bytes, on_done: Callable[[ImportJob], None] | None
    ) -> None:
        try:
            self._import(job, content)
        finally:
            with self._lock:
                self._running -= 1
        if on_done is not None:
            try:
                on_done(job)
            except Exception:
                log.exception("after contacts import %s", job.id)

    def _import(self, job: ImportJob, content: bytes) -> None:
        written = time.monotonic()

        def progress(done: int, total: int) -> None:
            nonlocal written
            job.done, job.total = done, total
            if time.monotonic() - written < PROGRESS_SECONDS:
                return
            written = time.monotonic()
            try:
                with new_session(self._database) as session:
                    imports.record_progress(session, import_id=job.id, done=done, total=total)
                    session.commit()
            except Exception:  # a missed progress write must not stop the import
                log.warning("contacts import %s: progress not recorded", job.id, exc_info=True)

        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "contacts.csv"
                path.write_bytes(content)
                try:
                    job.report = import_contacts(
                        self._database,
                        path,
                        phone_region=self._region,
                        progress=progress,
                        name=job.filename,
                    )
                except ContactsFileError as error:
                    job.error = error.reason
        except Exception:
            log.exception("contacts import %s failed", job.id)
            job.error = Reason.of(Problem.UNEXPECTED)
        self._finish(job)

    def _finish(self, job: ImportJob) -> None:
        report = job.report
        refused: list[Any] = []
        summary = None
        if report is not None:
            summary = {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
            refused = [[row, reason.as_json()] for row, reason in report.refused[:MAX_REFUSED]]
            job.refused_more = max(len(report.refused) - MAX_REFUSED, 0)
            report.refused = report.refused[:MAX_REFUSED]
        job.finished_at = utcnow()
        try:
            with new_session(self._database) as session:
                imports.finish_import(
                    session,
                    import_id=job.id,
                    done=job.done,
                    total=job.total,
                    summary=summary,
                    refused=refused,
                    refused_more=job.refused_more,
                    error=job.error.as_json() if job.error else None,
                    now=job.finished_at,
                )
                session.commit()
        except Exception:
            log.exception("contacts import %s: its report could not be recorded", job.id)
