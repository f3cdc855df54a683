"""Admins' contacts pages: search, and the import of a member list (CSV) with refused rows."""

import logging
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.domain import StaffRole
from bot.services.contacts_import import HEADER, ContactsFileError, ImportReport, import_contacts
from bot.services.directory import search_contacts
from bot.services.staff import StaffIdentity
from bot.web.admin.console import MAX_UPLOAD, Console, Form

log = logging.getLogger(__name__)


def contact_routes(console: Console) -> list[BaseRoute]:
    """Return the contacts pages, for admins only."""
    database = console.relais.database
    region = console.relais.engine.services.pack.country.phone_region

    async def contacts(request: Request, identity: StaffIdentity) -> Response:
        text = request.query_params.get("q", "")[:100]
        found = await run_in_threadpool(search_contacts, database, text)
        return console.render(
            request, "contacts.html", identity, found=found, q=text, header=",".join(HEADER)
        )

    def run_import(name: str, content: bytes) -> ImportReport:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "contacts.csv"
            path.write_bytes(content)
            try:
                return import_contacts(database, path, phone_region=region)
            except ContactsFileError as error:
                raise ContactsFileError(str(error).replace(str(path), name or "CSV")) from error

    async def upload(request: Request, identity: StaffIdentity) -> Response:
        form: Form | None = request.state.form
        name, content = (form.files.get("file") if form else None) or ("", b"")
        if not content:
            return console.refuse(request, identity, 400, detail="choose a CSV file")
        if len(content) > MAX_UPLOAD:
            return console.refuse(request, identity, 413)
        try:
            report = await run_in_threadpool(run_import, name, content)
        except ContactsFileError as error:
            log.info("console: contacts file refused: %s", error)
            return console.refuse(request, identity, 400, detail=str(error))
        await run_in_threadpool(
            console.staff.record,
            identity,
            "contacts.import",
            None,
            None,
            f"{report.created} created, {report.updated} updated, {len(report.refused)} refused",
        )
        return console.render(
            request,
            "contacts.html",
            identity,
            found=[],
            q="",
            header=",".join(HEADER),
            report=report,
        )

    return [
        console.page("/admin/contacts", contacts, role=StaffRole.ADMIN),
        console.page("/admin/contacts/import", upload, methods=("POST",), role=StaffRole.ADMIN),
    ]
