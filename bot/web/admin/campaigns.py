"""Admins' campaign pages: create and edit, preview, test, send with live figures, then a chart.

They call the campaign services the CLI and Telegram's /diffusion use; "send now" makes the
campaign due and wakes the server's campaign loop, which sends it as it sends any other. A
test goes to one staff contact through the reply outbox, like every staff notice.
"""

import asyncio
import logging
from datetime import datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.campaigns import reports, runner, service
from bot.campaigns.audience import AudienceError
from bot.campaigns.background import CampaignLoop
from bot.campaigns.schedule import ScheduleError, parse_schedule
from bot.core.i18n import N_
from bot.domain import Locale, OrgType, StaffRole, Topic
from bot.errors import RelaisError
from bot.services.contacts_import import parse_address
from bot.services.review import provinces_in_use
from bot.services.staff import StaffIdentity
from bot.web.admin import charts
from bot.web.admin.console import Console, Form, call, form_of
from bot.web.admin.preview import preview

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_MESSAGE = 4000
SCHEDULE_KINDS = ("now", "at", "yearly", "rule", "cron")
FIGURE_NAMES = {
    "sent": N_("Envoyés"),
    "delivered": N_("Reçus"),
    "read": N_("Lus"),
    "failed": N_("Échecs"),
}


def schedule_of(form: Form) -> str:
    """Return the schedule a form gives: its kind and value, or one `schedule` text."""
    kind = form.get("schedule_kind").strip().lower()
    if kind not in SCHEDULE_KINDS:
        return form.get("schedule").strip() or "now"
    value = form.get("schedule_value").strip()
    return "now" if kind == "now" else f"{kind}:{value}"


def campaign_fields(form: Form) -> dict[str, Any]:
    """Read a campaign form into the service's arguments (CampaignError if a template is bad)."""
    messages = {
        locale.value: form.get(f"message_{locale.value}")[:MAX_MESSAGE] for locale in Locale
    }
    return {
        "name": form.get("name")[:120] or "—",
        "messages": {key: text for key, text in messages.items() if text.strip()},
        "audience": form.get("audience")[:500] or "all",
        "schedule": schedule_of(form)[:120],
        "templates": service.whatsapp_templates(
            {locale.value: form.get(f"template_{locale.value}")[:64] for locale in Locale},
            {locale.value: form.get(f"variables_{locale.value}")[:1000] for locale in Locale},
        ),
    }


def campaign_routes(console: Console) -> list[BaseRoute]:
    """Return the campaign pages, for admins only."""
    relais = console.relais
    database = relais.database
    settings = console.settings
    tz = settings.tz
    region = relais.engine.services.pack.country.phone_region
    # Keeps the tasks that send a campaign started from the console until they end.
    sending: set[asyncio.Task[Any]] = set()

    async def builder_context() -> dict[str, Any]:
        return {
            # The country's provinces, then any other written on the registrations.
            "provinces": list(
                dict.fromkeys(
                    [region.name for region in relais.engine.services.pack.territory.regions]
                    + await call(provinces_in_use, database)
                )
            ),
            "topics": [topic.value for topic in Topic],
            "org_types": [org_type.value for org_type in OrgType],
            "schedule_kinds": SCHEDULE_KINDS,
        }

    async def found(request: Request, identity: StaffIdentity) -> Any:
        try:
            return await call(service.get_campaign, database, int(request.path_params["id"]))
        except service.CampaignError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))

    async def campaigns(request: Request, identity: StaffIdentity) -> Response:
        listed = await call(service.list_campaigns, database)
        figures = {
            campaign.id: await call(service.campaign_stats, database, campaign.id or 0)
            for campaign in listed[:30]
        }
        return console.render(
            request,
            "campaigns.html",
            identity,
            campaigns=listed[:30],
            figures=figures,
            **await builder_context(),
        )

    async def create(request: Request, identity: StaffIdentity) -> Response:
        try:
            campaign, size = await call(
                service.create_campaign,
                database,
                tz=tz,
                draft=True,
                **campaign_fields(form_of(request)),
            )
        except RelaisError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "campaign.create",
            "campaign",
            str(campaign.id),
            f"{campaign.name} ({size})",
        )
        return RedirectResponse(f"/admin/campaigns/{campaign.id}", 303)

    async def campaign(request: Request, identity: StaffIdentity) -> Response:
        item = await found(request, identity)
        if isinstance(item, Response):
            return item
        campaign_id = item.id or 0
        lines = await call(reports.timelines, database, campaign_id)
        return console.render(
            request,
            "campaign.html",
            identity,
            campaign=item,
            size=await call(service.size_of, database, item),
            figures=await call(service.campaign_stats, database, campaign_id),
            charts=[(line.channel.value, delivery_chart(request, line)) for line in lines],
            failures=await call(reports.failures, database, campaign_id),
            previews=preview(item),
            tested=request.query_params.get("tested") == "1",
            test_address=_default_test_address(settings),
        )

    def delivery_chart(request: Request, line: reports.Timeline) -> Any:
        translator = relais.catalogues.translator(console.locale(request))
        return charts.line_chart(
            {
                translator.gettext(FIGURE_NAMES[name]): list(zip(line.steps, totals, strict=True))
                for name, totals in line.totals.items()
            },
            title=translator.gettext("Envois dans le temps : {channel}").format(
                channel=line.channel.value
            ),
            x_label=lambda moment: (
                f"{moment.astimezone(tz):%d/%m %H:%M}" if isinstance(moment, datetime) else ""
            ),
        )

    async def edit_page(request: Request, identity: StaffIdentity) -> Response:
        item = await found(request, identity)
        if isinstance(item, Response):
            return item
        if item.state not in service.EDITABLE:
            return console.refuse(request, identity, 409, detail=item.state.value)
        kind, _sep, value = item.schedule.partition(":")
        return console.render(
            request,
            "campaign_edit.html",
            identity,
            campaign=item,
            schedule_kind=kind,
            schedule_value=value,
            **await builder_context(),
        )

    async def edit(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            campaign, size = await call(
                service.update_campaign,
                database,
                campaign_id,
                tz=tz,
                **campaign_fields(form_of(request)),
            )
        except RelaisError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "campaign.edit",
            "campaign",
            str(campaign_id),
            f"{campaign.name} ({size})",
        )
        return RedirectResponse(f"/admin/campaigns/{campaign_id}", 303)

    async def test(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        form = form_of(request)
        locale = form.get("locale") or Locale.FR.value
        try:
            if locale not in {item.value for item in Locale}:
                raise service.CampaignError(N_("langue inconnue « {language} »"), language=locale)
            channel, address = parse_address(
                {"channel": form.get("channel"), "address": form.get("address")[:64]}, region
            )
            await call(
                runner.queue_test,
                database,
                campaign_id,
                channel=channel,
                address=address,
                locale=locale,
            )
        except ValueError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "campaign.test",
            "campaign",
            str(campaign_id),
            f"{channel.value}:{address} ({locale})",
        )
        return RedirectResponse(f"/admin/campaigns/{campaign_id}?tested=1", 303)

    async def progress(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            item = await call(service.get_campaign, database, campaign_id)
        except service.CampaignError as error:
            return JSONResponse({"error": console.reason(request, error)}, status_code=404)
        figures = await call(service.campaign_stats, database, campaign_id)
        return JSONResponse({"state": item.state.value, **figures.as_dict()})

    async def audience(request: Request, identity: StaffIdentity) -> Response:
        try:
            size = await call(
                service.audience_size_of, database, request.query_params.get("q", "all")[:500]
            )
        except AudienceError as error:
            return JSONResponse({"error": console.reason(request, error)}, status_code=400)
        return JSONResponse({"size": size})

    async def schedule(request: Request, identity: StaffIdentity) -> Response:
        try:
            parsed = parse_schedule(request.query_params.get("s", "now")[:120], tz)
        except ScheduleError as error:
            return JSONResponse({"error": console.reason(request, error)}, status_code=400)
        moments: list[datetime] = []
        moment = datetime.now(tz)
        while len(moments) < 3:
            following = parsed.next_after(moment)
            if following is None:
                break
            moments.append(following)
            moment = following
        shown = [f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" for moment in moments]
        return JSONResponse({"next": shown, "recurring": parsed.recurring})

    async def send(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            await call(service.send_now, database, campaign_id)
        except service.CampaignError as error:
            return console.refused(request, identity, error)
        await call(console.staff.record, identity, "campaign.send", "campaign", str(campaign_id))
        loop = next((a for a in relais.adapters() if isinstance(a, CampaignLoop)), None)
        if loop is not None:
            task = asyncio.create_task(loop.run_due())
            sending.add(task)
            task.add_done_callback(sending.discard)
        return RedirectResponse(f"/admin/campaigns/{campaign_id}", 303)

    async def cancel(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            await call(service.cancel_campaign, database, campaign_id)
        except service.CampaignError as error:
            return console.refused(request, identity, error)
        await call(console.staff.record, identity, "campaign.cancel", "campaign", str(campaign_id))
        return RedirectResponse(f"/admin/campaigns/{campaign_id}", 303)

    page = console.page
    admin = StaffRole.ADMIN
    return [
        page("/admin/campaigns", campaigns, role=admin),
        page("/admin/campaigns", create, methods=("POST",), role=admin),
        page("/admin/campaigns/audience", audience, role=admin),
        page("/admin/campaigns/schedule", schedule, role=admin),
        page("/admin/campaigns/{id:int}", campaign, role=admin),
        page("/admin/campaigns/{id:int}/edit", edit_page, role=admin),
        page("/admin/campaigns/{id:int}/edit", edit, methods=("POST",), role=admin),
        page("/admin/campaigns/{id:int}/test", test, methods=("POST",), role=admin),
        page("/admin/campaigns/{id:int}/progress", progress, role=admin),
        page("/admin/campaigns/{id:int}/send", send, methods=("POST",), role=admin),
        page("/admin/campaigns/{id:int}/cancel", cancel, methods=("POST",), role=admin),
    ]


def _default_test_address(settings: Any) -> str:
    """Offer the staff chat, or the first staff member's Telegram id, as the test's address."""
    if settings.staff_telegram_chat_id is not None:
        return str(settings.staff_telegram_chat_id)
    return str(settings.staff_telegram_ids[0]) if settings.staff_telegram_ids else ""
