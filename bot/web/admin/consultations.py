"""Consultation pages: admins prepare, try, send, close and publish; all staff read the results.

As for campaigns, preparing and sending are for admins. Reading what people answered, as a
whole or in their own words, is for every member of staff: agents follow the requests the
consultation brings and answer the people who wrote. The pages call the services the CLI
uses; the invitation, the test and the results go out as campaigns, which the server's
campaign loop is woken to send at once.
"""

import asyncio
import io
import logging
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from bot.campaigns.audience import parse_audience
from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import publish_results, send_consultation, test_consultation
from bot.core.i18n import N_
from bot.domain import ConsultationState, Locale, OrgType, QuestionKind, StaffRole, Topic
from bot.errors import RelaisError
from bot.services import consultation_results as results_service
from bot.services import consultations as service
from bot.services.contacts_import import parse_address
from bot.services.review import provinces_in_use
from bot.services.spreadsheet import XLSX_MEDIA_TYPE
from bot.services.staff import StaffIdentity
from bot.storage import contacts
from bot.storage.database import new_session
from bot.web.admin.campaigns import _default_test_address
from bot.web.admin.console import Console, Form, call, form_of
from bot.web.admin.consultation_forms import consultation_spec, question_spec, texts_of
from bot.web.admin.consultation_views import (
    KIND_LABELS,
    STATE_LABELS,
    question_label,
    question_views,
    rate_views,
    text_in,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
TEXTS_PER_PAGE = 50
CHUNK = 64 * 1024
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", results_service.export_csv),
    "xlsx": (XLSX_MEDIA_TYPE, results_service.export_xlsx),
}


def consultation_routes(console: Console) -> list[BaseRoute]:
    """Return the consultation pages: reading for all staff, every change for admins."""
    relais = console.relais
    database = relais.database
    settings = console.settings
    tz = settings.tz
    catalogues = relais.catalogues
    pack = relais.engine.services.pack
    region = pack.country.phone_region
    # Keeps the tasks that send a consultation's campaign until they end.
    sending: set[asyncio.Task[Any]] = set()

    def wake_campaigns() -> None:
        loop = next((a for a in relais.adapters() if isinstance(a, CampaignLoop)), None)
        if loop is not None:
            task = asyncio.create_task(loop.run_due())
            sending.add(task)
            task.add_done_callback(sending.discard)

    def id_of(request: Request) -> int:
        return int(request.path_params["id"])

    async def record(identity: StaffIdentity, action: str, item_id: int, detail: str = "") -> None:
        await call(
            console.staff.record,
            identity,
            f"consultation.{action}",
            "consultation",
            str(item_id),
            detail or None,
        )

    async def form_context() -> dict[str, Any]:
        return {
            # The country's provinces, then any other written on the registrations.
            "provinces": list(
                dict.fromkeys(
                    [region.name for region in pack.territory.regions]
                    + await call(provinces_in_use, database)
                )
            ),
            "topics": [topic.value for topic in Topic],
            "org_types": [org_type.value for org_type in OrgType],
            "asked_by": pack.country.directorate.name.texts(),
            "kinds": [kind.value for kind in QuestionKind],
            "kind_names": {kind.value: label for kind, label in KIND_LABELS.items()},
            "consultation_states": STATE_LABELS,
        }

    async def found(request: Request, identity: StaffIdentity) -> Any:
        try:
            return await call(service.get_consultation, database, id_of(request))
        except service.ConsultationError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))

    async def listing(request: Request, identity: StaffIdentity) -> Response:
        listed = await call(service.list_consultations, database)
        return console.render(
            request,
            "consultations.html",
            identity,
            consultations=listed[:50],
            locale=console.locale(request),
            text_in=text_in,
            **await form_context(),
        )

    async def create(request: Request, identity: StaffIdentity) -> Response:
        try:
            spec = consultation_spec(form_of(request), tz)
            parse_audience(spec.audience)
            created = await call(service.create_consultation, database, spec)
        except (RelaisError, ValueError) as error:
            return console.refused(request, identity, error)
        await record(identity, "create", created.id or 0, spec.title["fr"])
        return RedirectResponse(f"/admin/consultations/{created.id}/edit", 303)

    async def edit_page(request: Request, identity: StaffIdentity) -> Response:
        detail = await found(request, identity)
        if isinstance(detail, Response):
            return detail
        if detail.consultation.state is not ConsultationState.DRAFT:
            return console.refuse(request, identity, 409, detail=detail.consultation.state.value)
        return console.render(
            request,
            "consultation_edit.html",
            identity,
            detail=detail,
            c=detail.consultation,
            locale=console.locale(request),
            text_in=text_in,
            local=lambda moment: f"{moment.astimezone(tz):%Y-%m-%dT%H:%M}",
            saved=request.query_params.get("saved") == "1",
            **await form_context(),
        )

    async def edit(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        try:
            spec = consultation_spec(form_of(request), tz)
            parse_audience(spec.audience)
            await call(service.update_consultation, database, item_id, spec)
        except (RelaisError, ValueError) as error:
            return console.refused(request, identity, error)
        await record(identity, "edit", item_id, spec.title["fr"])
        return RedirectResponse(f"/admin/consultations/{item_id}/edit?saved=1", 303)

    async def add_question(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        try:
            spec = question_spec(form_of(request))
            added = await call(service.add_question, database, item_id, spec)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await record(identity, "question_add", item_id, f"{added.position} {spec.kind.value}")
        return RedirectResponse(f"/admin/consultations/{item_id}/edit#questions", 303)

    async def remove_question(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        question_id = int(request.path_params["question"])
        try:
            await call(service.remove_question, database, item_id, question_id)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await record(identity, "question_remove", item_id, str(question_id))
        return RedirectResponse(f"/admin/consultations/{item_id}/edit#questions", 303)

    def test_contact(form: Form) -> int:
        channel, address = parse_address(
            {"channel": form.get("channel"), "address": form.get("address")[:64]}, region
        )
        with new_session(database) as session:
            contact = contacts.find_contact(session, channel=channel, address=address)
        if contact is None or contact.id is None:
            raise service.ConsultationError(
                N_("pas de contact {address} : il doit avoir écrit une fois au bot"),
                address=f"{channel.value}:{address}",
            )
        return contact.id

    async def test(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        form = form_of(request)
        try:
            contact_id = await call(test_contact, form)
            await call(test_consultation, database, item_id, contact_id, catalogues, tz)
        except (RelaisError, ValueError) as error:
            return console.refused(request, identity, error)
        await record(identity, "test", item_id, f"{form.get('channel')}:{form.get('address')}")
        wake_campaigns()
        return RedirectResponse(f"/admin/consultations/{item_id}?tested=1", 303)

    async def send(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        try:
            campaign = await call(send_consultation, database, item_id, catalogues, tz)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await record(identity, "send", item_id, f"campaign {campaign.id}")
        wake_campaigns()
        return RedirectResponse(f"/admin/consultations/{item_id}", 303)

    async def close(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        try:
            await call(service.close_consultation, database, item_id)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await record(identity, "close", item_id)
        return RedirectResponse(f"/admin/consultations/{item_id}", 303)

    async def publish(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        texts = texts_of(form_of(request), "results")
        try:
            detail = await call(service.get_consultation, database, item_id)
            if detail.consultation.state is not ConsultationState.CLOSED:
                raise service.ConsultationError(
                    N_("la consultation {id} n'est pas close : fermez-la d'abord"), id=item_id
                )
            if Locale.FR.value not in texts:
                raise service.ConsultationError(
                    N_("les résultats ont besoin d'un texte en français")
                )
            campaign = await call(publish_results, database, item_id, catalogues, tz, texts)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await record(identity, "publish", item_id, f"campaign {campaign.id}")
        wake_campaigns()
        return RedirectResponse(f"/admin/consultations/{item_id}?published=1", 303)

    def live_figures(request: Request, results: Any) -> dict[str, Any]:
        locale = console.locale(request)
        translator = catalogues.translator(locale)
        return {
            "state": results.detail.consultation.state.value,
            "started": results.detail.started,
            "finished": results.detail.finished,
            "questions": [q.as_dict() for q in question_views(results, translator, locale)],
            "by_channel": [row.as_dict() for row in rate_views(results.by_channel)],
            "by_province": [row.as_dict() for row in rate_views(results.by_province)],
        }

    async def page(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        try:
            results = await call(results_service.consultation_results, database, item_id)
        except service.ConsultationError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))
        locale = console.locale(request)
        search = request.query_params.get("q", "").strip()[:100]
        question = _number(request.query_params.get("question"))
        number = max(_number(request.query_params.get("page")) or 1, 1)
        texts = await call(
            results_service.text_answers,
            database,
            item_id,
            search=search or None,
            question_id=question,
            limit=TEXTS_PER_PAGE + 1,
            offset=(number - 1) * TEXTS_PER_PAGE,
        )
        questions = results.detail.questions
        return console.render(
            request,
            "consultation.html",
            identity,
            c=results.detail.consultation,
            detail=results.detail,
            questions=question_views(results, catalogues.translator(locale), locale),
            by_channel=rate_views(results.by_channel),
            by_province=rate_views(results.by_province),
            text_questions=[
                (q.id, question_label(q, locale))
                for q in questions
                if q.kind in results_service.TEXT_KINDS
            ],
            parts={q.id: len(q.parts) for q in questions},
            texts=texts[:TEXTS_PER_PAGE],
            more=len(texts) > TEXTS_PER_PAGE,
            search=search,
            question=question,
            page_number=number,
            locale=locale,
            text_in=text_in,
            kind_names={kind.value: label for kind, label in KIND_LABELS.items()},
            consultation_states=STATE_LABELS,
            tested=request.query_params.get("tested") == "1",
            published=request.query_params.get("published") == "1",
            test_address=_default_test_address(settings),
        )

    async def live(request: Request, identity: StaffIdentity) -> Response:
        try:
            results = await call(results_service.consultation_results, database, id_of(request))
        except service.ConsultationError as error:
            return JSONResponse({"error": console.reason(request, error)}, status_code=404)
        return JSONResponse(live_figures(request, results))

    async def export(request: Request, identity: StaffIdentity) -> Response:
        item_id = id_of(request)
        fmt = request.path_params["format"]
        if fmt not in EXPORTS:
            return console.refuse(request, identity, 404, detail=fmt)
        media_type, write = EXPORTS[fmt]
        try:
            out, rows = await call(_spooled, write, database, item_id, text=fmt == "csv")
        except service.ConsultationError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))
        await record(identity, "export", item_id, f"{fmt} ({rows})")
        return StreamingResponse(
            _chunks(out),
            media_type=media_type,
            headers={"content-disposition": f'attachment; filename="consultation-{item_id}.{fmt}"'},
        )

    page_of = console.page
    admin = StaffRole.ADMIN
    base = "/admin/consultations"
    item = base + "/{id:int}"
    return [
        page_of(base, listing),
        page_of(base, create, methods=("POST",), role=admin),
        page_of(item, page),
        page_of(item + "/live", live),
        page_of(item + "/export.{format}", export),
        page_of(item + "/edit", edit_page, role=admin),
        page_of(item + "/edit", edit, methods=("POST",), role=admin),
        page_of(item + "/questions", add_question, methods=("POST",), role=admin),
        page_of(
            item + "/questions/{question:int}/remove",
            remove_question,
            methods=("POST",),
            role=admin,
        ),
        page_of(item + "/test", test, methods=("POST",), role=admin),
        page_of(item + "/send", send, methods=("POST",), role=admin),
        page_of(item + "/close", close, methods=("POST",), role=admin),
        page_of(item + "/publish", publish, methods=("POST",), role=admin),
    ]


def _number(value: str | None) -> int | None:
    if value is None or not value.strip().isdecimal():
        return None
    return int(value.strip()[:9])


def _spooled(write: Callable[..., int], database: Any, item_id: int, *, text: bool) -> Any:
    """Write an export to a temporary file (on disk past a few MB); return it rewound."""
    binary: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    try:
        if text:
            wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=True)
            # The BOM lets spreadsheet programs open the CSV as UTF-8 (Arabic, accents).
            wrapper.write("\ufeff")
            rows = write(database, item_id, wrapper)
            wrapper.flush()
            wrapper.detach()
        else:
            rows = write(database, item_id, binary)
    except BaseException:
        binary.close()
        raise
    binary.seek(0)
    return binary, rows


def _chunks(out: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := out.read(CHUNK):
            yield chunk
    finally:
        out.close()
