"""Admins' contacts pages: search, and the import of a member list (CSV) in the background.

The upload answers at once with the import's page; the import runs in a thread (the CLI's
`import_contacts`) and writes its progress to the database, and the page's script polls it
(any server process answers), then shows the counts and the refused rows with their reasons,
in the console's language. Without the script, the page reloads itself.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.core.i18n import N_
from bot.domain import StaffRole
from bot.errors import explain
from bot.services.contacts_import import HEADER, ContactsFileError, check_contacts_file
from bot.services.directory import search_contacts
from bot.services.import_jobs import ImportBusy, ImportJob, ImportJobs
from bot.services.staff import StaffIdentity
from bot.web.admin.console import MAX_UPLOAD, Console, Form, call

UNKNOWN_IMPORT = explain(N_("import inconnu"))


def contact_routes(console: Console) -> list[BaseRoute]:
    """Return the contacts pages, for admins only."""
    database = console.relais.database
    jobs = ImportJobs(
        database, phone_region=console.relais.engine.services.pack.country.phone_region
    )

    async def contacts(request: Request, identity: StaffIdentity) -> Response:
        text = request.query_params.get("q", "")[:100]
        found = await run_in_threadpool(search_contacts, database, text)
        return console.render(
            request, "contacts.html", identity, found=found, q=text, header=",".join(HEADER)
        )

    async def upload(request: Request, identity: StaffIdentity) -> Response:
        form: Form | None = request.state.form
        name, content = (form.files.get("file") if form else None) or ("", b"")
        if not content:
            detail = explain(N_("choisissez un fichier CSV"))
            return console.refuse(request, identity, 400, detail=detail)
        if len(content) > MAX_UPLOAD:
            return console.refuse(request, identity, 413)

        try:
            check_contacts_file(content, name[:120] or "CSV")
        except ContactsFileError as error:
            return console.refused(request, identity, error)

        def finished(job: ImportJob) -> None:
            # The audit log is read by every member of staff: in the reference language.
            report = job.report
            detail = (
                f"{job.filename}: {report.created} created, {report.updated} updated, "
                f"{len(report.refused) + job.refused_more} refused"
                if report is not None
                else f"{job.filename}: {job.error.problem.value if job.error else '?'}"
            )
            console.staff.record(identity, "contacts.import", None, None, detail[:500])

        try:
            job = await call(
                jobs.start, name[:120], content, owner=identity.account_id, on_done=finished
            )
        except ImportBusy as error:
            return console.refuse(request, identity, 429, detail=error.explanation or str(error))
        return RedirectResponse(f"/admin/contacts/import/{job.id}", 303)

    async def job_of(request: Request, identity: StaffIdentity) -> ImportJob | None:
        job_id = str(request.path_params["job"])[:64]
        return await call(jobs.get, job_id, owner=identity.account_id)

    async def job_page(request: Request, identity: StaffIdentity) -> Response:
        job = await job_of(request, identity)
        if job is None:
            return console.refuse(request, identity, 404, detail=UNKNOWN_IMPORT)
        state = job.as_dict(console.translator(request).gettext)
        return console.render(request, "contacts_import.html", identity, job=job, state=state)

    async def job_progress(request: Request, identity: StaffIdentity) -> Response:
        job = await job_of(request, identity)
        gettext = console.translator(request).gettext
        if job is None:
            return JSONResponse({"error": UNKNOWN_IMPORT.render(gettext)}, status_code=404)
        return JSONResponse(job.as_dict(gettext))

    admin = StaffRole.ADMIN
    return [
        console.page("/admin/contacts", contacts, role=admin),
        console.page("/admin/contacts/import", upload, methods=("POST",), role=admin),
        console.page("/admin/contacts/import/{job}", job_page, role=admin),
        console.page("/admin/contacts/import/{job}/progress", job_progress, role=admin),
    ]
