"""The console's pages: home, registrations, conversations, audit log and accounts.

Each handler reads the request, calls a service (the same ones the CLI and the Telegram staff
commands use) in a worker thread, and renders a template; none queries the database itself.
"""

import io
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.campaigns.events import list_events
from bot.campaigns.service import list_campaigns
from bot.core.i18n import N_
from bot.domain import CampaignState, Channel, EventState, OrgType, RegistrationStatus, StaffRole
from bot.errors import RelaisError, explain
from bot.services import conversations, review
from bot.services.spreadsheet import XLSX_MEDIA_TYPE
from bot.services.staff import StaffIdentity
from bot.services.stats import Stats, collect_stats, subscribers_over_time
from bot.storage.types import utcnow
from bot.web.admin import charts
from bot.web.admin.console import TYPE_LABELS, Console, call, form_of

log = logging.getLogger(__name__)

T = TypeVar("T")
AUDIT_PAGE = 100
# The home page lists the events of the next two weeks.
UPCOMING_DAYS = 14


def page_routes(console: Console) -> list[BaseRoute]:
    """Return every console page and action behind its role."""
    database = console.relais.database
    settings = console.settings
    catalogues = console.relais.catalogues
    notice = review.NoticeSettings(
        default_locale=settings.default_locale,
        directorate=console.directorate,
        templates=settings.whatsapp_notice_templates,
    )

    def failed(request: Request, identity: StaffIdentity, error: RelaisError) -> Response:
        log.info("console: %s refused: %s", request.url.path, error)
        return console.refuse(request, identity, 400, detail=console.reason(request, error))

    # -- home

    async def home(request: Request, identity: StaffIdentity) -> Response:
        requests = await call(conversations.active_requests, database)
        waiting = await call(review.waiting_for_review, database)
        campaigns = [
            campaign
            for campaign in await call(list_campaigns, database)
            if campaign.state in (CampaignState.SENDING, CampaignState.SCHEDULED)
        ]
        soon = utcnow() + timedelta(days=UPCOMING_DAYS)
        events = [
            (event, registered, waiting)
            for event, registered, waiting in await call(list_events, database)
            if event.state is EventState.SCHEDULED and utcnow() < event.starts_at <= soon
        ]
        stats = await call(collect_stats, database)
        growth = await call(subscribers_over_time, database, tz=settings.tz)
        return console.render(
            request,
            "home.html",
            identity,
            requests=requests,
            waiting=waiting,
            campaigns=campaigns,
            events=events,
            upcoming_days=UPCOMING_DAYS,
            stats=stats,
            home_charts=home_charts(request, stats, growth),
        )

    def home_charts(request: Request, stats: Stats, growth: list[tuple[date, int]]) -> list[Any]:
        locale = console.locale(request)
        gettext = catalogues.translator(locale).gettext
        none = gettext("Pas encore de données.")
        unit_word = console.relais.engine.services.pack.territory.region.word.get(locale.value)
        return [
            charts.bar_chart(
                stats.registrations_by_province,
                title=gettext("Pré-inscriptions par {unit}").format(unit=unit_word),
                empty=none,
            ),
            charts.bar_chart(
                [
                    (gettext(TYPE_LABELS[org_type.value]), count)
                    for org_type, count in stats.registrations_by_type
                ],
                title=gettext("Pré-inscriptions par forme"),
                empty=none,
            ),
            charts.line_chart(
                {gettext("abonnés"): [(day.toordinal(), count) for day, count in growth]}
                if growth and growth[-1][1]
                else {},
                title=gettext("Abonnés sur 90 jours"),
                empty=none,
                x_label=_day_label,
            ),
        ]

    # -- registrations

    def filters_of(request: Request) -> review.RegistrationFilter:
        query = request.query_params
        return review.RegistrationFilter(
            status=_member(RegistrationStatus, query.get("status")),
            org_type=_member(OrgType, query.get("type")),
            province=query.get("province") or None,
            since=_date(query.get("since")),
            until=_date(query.get("until")),
            search=(query.get("q") or "")[:100] or None,
        )

    async def registrations(request: Request, identity: StaffIdentity) -> Response:
        filters = filters_of(request)
        offset = _int(request.query_params.get("offset"), 0)
        rows, total = await call(
            review.find_registrations, database, filters, tz=settings.tz, offset=offset
        )
        return console.render(
            request,
            "registrations.html",
            identity,
            rows=rows,
            total=total,
            offset=offset,
            page_size=review.PAGE_SIZE,
            filters=filters,
            query=request.url.query,
            statuses=list(RegistrationStatus),
            types=list(OrgType),
            provinces=await call(review.provinces_in_use, database),
        )

    async def export(
        request: Request,
        identity: StaffIdentity,
        write: Callable[..., int],
        out: io.StringIO | io.BytesIO,
        media_type: str,
        filename: str,
    ) -> Response:
        """Write the filtered registrations with `write`, record it, and send the file."""
        written = await call(write, database, out, filters_of(request), tz=settings.tz)
        await call(
            console.staff.record, identity, "registration.export", None, None, f"{written} rows"
        )
        return Response(
            out.getvalue(),
            media_type=media_type,
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    async def registrations_csv(request: Request, identity: StaffIdentity) -> Response:
        return await export(
            request,
            identity,
            review.export_filtered,
            io.StringIO(),
            "text/csv; charset=utf-8",
            "inscriptions.csv",
        )

    async def registrations_xlsx(request: Request, identity: StaffIdentity) -> Response:
        return await export(
            request,
            identity,
            review.export_filtered_xlsx,
            io.BytesIO(),
            XLSX_MEDIA_TYPE,
            "inscriptions.xlsx",
        )

    async def registration(request: Request, identity: StaffIdentity) -> Response:
        try:
            detail = await call(review.registration_detail, database, _path_id(request))
        except review.ReviewError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))
        return console.render(
            request,
            "registration.html",
            identity,
            detail=detail,
            item=detail.registration,
            statuses=list(RegistrationStatus),
            request_done=request.query_params.get("done") == "1",
        )

    async def registration_status(request: Request, identity: StaffIdentity) -> Response:
        form = form_of(request)
        status = _member(RegistrationStatus, form.get("status"))
        registration_id = _path_id(request)
        if status is None:
            return console.refuse(request, identity, 400, detail=explain(N_("statut inconnu")))
        try:
            await call(
                review.change_status,
                database,
                catalogues,
                registration_id=registration_id,
                status=status,
                note=form.get("note"),
                actor=identity,
                notice=notice,
            )
        except review.ReviewError as error:
            return failed(request, identity, error)
        return RedirectResponse(f"/admin/registrations/{registration_id}?done=1", 303)

    # -- conversations

    async def conversation_list(request: Request, identity: StaffIdentity) -> Response:
        requests = await call(conversations.active_requests, database)
        return console.render(request, "conversations.html", identity, requests=requests)

    async def conversation_poll(request: Request, identity: StaffIdentity) -> Response:
        after = _int(request.query_params.get("after"), 0)
        new = await call(conversations.active_requests, database, after_id=after)
        return JSONResponse(
            {
                "requests": [
                    {
                        "id": item.id,
                        "name": item.name or ("" if item.channel is Channel.WEB else item.address),
                        "channel": item.channel.value,
                        "reason": item.reason,
                        "last_message": item.last_message or "",
                        "created_at": item.created_at.isoformat(),
                    }
                    for item in new
                ]
            }
        )

    async def conversation(request: Request, identity: StaffIdentity) -> Response:
        try:
            view = await call(
                conversations.conversation,
                database,
                _path_id(request),
                retention_days=settings.message_retention_days,
            )
        except conversations.ConversationError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))
        return console.render(
            request,
            "conversation.html",
            identity,
            view=view,
            last_id=max((message.id for message in view.messages), default=0),
        )

    async def conversation_messages(request: Request, identity: StaffIdentity) -> Response:
        try:
            view = await call(
                conversations.conversation,
                database,
                _path_id(request),
                retention_days=settings.message_retention_days,
                after_id=_int(request.query_params.get("after"), 0),
            )
        except conversations.ConversationError as error:
            return JSONResponse({"error": console.reason(request, error)}, status_code=404)
        return JSONResponse(
            {
                "status": view.request.status.value,
                "messages": [
                    {"id": m.id, "incoming": m.incoming, "text": m.text, "staff": m.by_staff}
                    for m in view.messages
                ],
            }
        )

    async def conversation_action(
        request: Request, identity: StaffIdentity, action: str
    ) -> Response:
        request_id = _path_id(request)
        try:
            if action == "take":
                await call(
                    conversations.take,
                    database,
                    catalogues,
                    request_id=request_id,
                    actor=identity,
                    notice=notice,
                )
            elif action == "reply":
                await call(
                    conversations.reply,
                    database,
                    request_id=request_id,
                    actor=identity,
                    text=form_of(request).get("text"),
                    notice=notice,
                )
            else:
                await call(
                    conversations.hand_back,
                    database,
                    catalogues,
                    request_id=request_id,
                    actor=identity,
                    notice=notice,
                )
                return RedirectResponse("/admin/conversations", 303)
        except conversations.ConversationError as error:
            return failed(request, identity, error)
        return RedirectResponse(f"/admin/conversations/{request_id}", 303)

    # -- admins only

    async def audit(request: Request, identity: StaffIdentity) -> Response:
        before = _int(request.query_params.get("before"), 0) or None
        entries = await call(console.staff.audit_entries, limit=AUDIT_PAGE, before=before)
        return console.render(
            request,
            "audit.html",
            identity,
            entries=entries,
            more=len(entries) == AUDIT_PAGE,
        )

    async def accounts(request: Request, identity: StaffIdentity) -> Response:
        listed = await call(console.staff.list_accounts)
        return console.render(request, "accounts.html", identity, accounts=listed)

    async def account_add(request: Request, identity: StaffIdentity) -> Response:
        form = form_of(request)
        role = _member(StaffRole, form.get("role"))
        if role is None:
            return console.refuse(request, identity, 400, detail=explain(N_("rôle inconnu")))
        try:
            await call(
                console.staff.add_account,
                form.get("email"),
                role,
                form.get("password"),
                actor=identity,
            )
        except RelaisError as error:
            return failed(request, identity, error)
        return RedirectResponse("/admin/accounts", 303)

    async def account_disable(request: Request, identity: StaffIdentity) -> Response:
        try:
            await call(console.staff.disable_account, form_of(request).get("email"), actor=identity)
        except RelaisError as error:
            return failed(request, identity, error)
        return RedirectResponse("/admin/accounts", 303)

    page = console.page
    admin = StaffRole.ADMIN
    return [
        page("/admin", home),
        page("/admin/registrations", registrations),
        page("/admin/registrations.csv", registrations_csv),
        page("/admin/registrations.xlsx", registrations_xlsx),
        page("/admin/registrations/{id:int}", registration),
        page("/admin/registrations/{id:int}/status", registration_status, methods=("POST",)),
        page("/admin/conversations", conversation_list),
        page("/admin/conversations/poll", conversation_poll),
        page("/admin/conversations/{id:int}", conversation),
        page("/admin/conversations/{id:int}/messages", conversation_messages),
        *[
            page(
                f"/admin/conversations/{{id:int}}/{action}",
                partial(_with_action, conversation_action, action),
                methods=("POST",),
            )
            for action in ("take", "reply", "close")
        ],
        page("/admin/audit", audit, role=admin),
        page("/admin/accounts", accounts, role=admin),
        page("/admin/accounts/add", account_add, methods=("POST",), role=admin),
        page("/admin/accounts/disable", account_disable, methods=("POST",), role=admin),
    ]


async def _with_action(
    handler: Callable[[Request, StaffIdentity, str], Awaitable[Response]],
    action: str,
    request: Request,
    identity: StaffIdentity,
) -> Response:
    return await handler(request, identity, action)


def _day_label(ordinal: float | datetime) -> str:
    """Write a day given as its ordinal (the subscribers' chart's x) as day/month."""
    if isinstance(ordinal, datetime):
        return f"{ordinal:%d/%m}"
    return f"{date.fromordinal(int(ordinal)):%d/%m}"


def _member(enum: type[Any], value: str | None) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdecimal() and len(value) < 10 else default


def _path_id(request: Request) -> int:
    return int(request.path_params["id"])
