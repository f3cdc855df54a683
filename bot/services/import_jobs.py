"""Member lists imported in the background, with their progress for a page to poll.

An import runs in a thread of the process that received the file (the import itself is the
CLI's, `import_contacts`); its progress and its report live in that process, under an id that
cannot be guessed, for an hour after it ends. Behind a load balancer spreading requests over
several processes, the console's pages of one session must reach the same process (sticky
sessions); otherwise polling answers "unknown import", while the import still completes.
"""

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.services.contacts_import import ContactsFileError, ImportReport, import_contacts

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600
MAX_RUNNING = 4


@dataclass
class ImportJob:
    """One import: how far it got, then its report or why the file was refused."""

    id: str
    filename: str
    owner: int
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    error: str | None = None
    finished_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        """Tell whether the import has ended, imported or refused."""
        return self.finished_at is not None

    def as_dict(self) -> dict[str, object]:
        """Return what the page shows: progress, then the counts and the refused rows."""
        with self.lock:
            answer: dict[str, object] = {
                "done": self.done,
                "total": self.total,
                "finished": self.finished,
                "error": self.error,
            }
            if self.report is not None:
                answer.update(
                    created=self.report.created,
                    updated=self.report.updated,
                    unchanged=self.report.unchanged,
                    refused=[[row, reason] for row, reason in self.report.refused],
                )
            return answer


class ImportBusy(RuntimeError):
    """Too many imports are running in this process already."""


class ImportJobs:
    """The imports of this process, by id."""

    def __init__(self, database: DatabaseEngine, *, phone_region: str) -> None:
        self._database = database
        self._region = phone_region
        self._jobs: dict[str, ImportJob] = {}
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
            self._forget_old()
            if sum(not job.finished for job in self._jobs.values()) >= MAX_RUNNING:
                msg = "too many imports are running: try again in a moment"
                raise ImportBusy(msg)
            job = ImportJob(id=secrets.token_urlsafe(16), filename=filename or "CSV", owner=owner)
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=self._run, args=(job, content, on_done), name=f"import-{job.id[:6]}"
        )
        thread.daemon = True
        thread.start()
        return job

    def get(self, job_id: str, *, owner: int) -> ImportJob | None:
        """Return a job started by this member of staff, if this process has it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def _run(
        self, job: ImportJob, content: bytes, on_done: Callable[[ImportJob], None] | None
    ) -> None:
        def progress(done: int, total: int) -> None:
            with job.lock:
                job.done, job.total = done, total

        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "contacts.csv"
                path.write_bytes(content)
                try:
                    report = import_contacts(
                        self._database, path, phone_region=self._region, progress=progress
                    )
                except ContactsFileError as error:
                    with job.lock:
                        job.error = str(error).replace(str(path), job.filename)
                else:
                    with job.lock:
                        job.report = report
        except Exception:
            log.exception("contacts import %s failed", job.id)
            with job.lock:
                job.error = "the import stopped on an unexpected error; see the server's log"
        finally:
            with job.lock:
                job.finished_at = time.monotonic()
        if on_done is not None:
            try:
                on_done(job)
            except Exception:
                log.exception("after contacts import %s", job.id)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.finished_at is not None and now - job.finished_at > KEEP_SECONDS:
                del self._jobs[job_id]
