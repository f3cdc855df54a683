"""Admins' pages for campaigns and events: create, send with a live progress bar, cancel.

They call the campaign services the CLI and Telegram's /diffusion use; "send now" makes the
campaign due and wakes the server's campaign loop, which sends it as it sends any other.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.campaigns import service
from bot.campaigns.audience import AudienceError
from bot.campaigns.background import CampaignLoop
from bot.campaigns.events import list_events
from bot.domain import Locale, StaffRole
from bot.errors import RelaisError
from bot.services.staff import StaffIdentity
from bot.web.admin.console import Console, Form

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_MESSAGE = 4000


def campaign_routes(console: Console) -> list[BaseRoute]:
    """Return the campaign and event pages, for admins only."""
    relais = console.relais
    database = relais.database
    tz = console.settings.tz
    # Keeps the tasks that send a campaign started from the console until they end.
    sending: set[asyncio.Task[Any]] = set()

    async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(lambda: function(*args, **kwargs))

    def form_of(request: Request) -> Form:
        form: Form | None = request.state.form
        return form or Form({})

    async def campaigns(request: Request, identity: StaffIdentity) -> Response:
        listed = await call(service.list_campaigns, database)
        figures = {
            campaign.id: await call(service.campaign_stats, database, campaign.id or 0)
            for campaign in listed[:30]
        }
        return console.render(
            request, "campaigns.html", identity, campaigns=listed[:30], figures=figures
        )

    async def create(request: Request, identity: StaffIdentity) -> Response:
        form = form_of(request)
        messages = {
            locale.value: form.get(f"message_{locale.value}")[:MAX_MESSAGE] for locale in Locale
        }
        try:
            campaign, size = await call(
                service.create_campaign,
                database,
                name=form.get("name") or "—",
                messages={key: text for key, text in messages.items() if text.strip()},
                tz=tz,
                audience=form.get("audience") or "all",
                schedule=form.get("schedule") or "now",
                draft=True,
            )
        except RelaisError as error:
            log.info("console: campaign refused: %s", error)
            return console.refuse(request, identity, 400, detail=str(error))
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
        campaign_id = int(request.path_params["id"])
        try:
            found = await call(service.get_campaign, database, campaign_id)
        except service.CampaignError as error:
            return console.refuse(request, identity, 404, detail=str(error))
        return console.render(
            request,
            "campaign.html",
            identity,
            campaign=found,
            size=await call(service.size_of, database, found),
            figures=await call(service.campaign_stats, database, campaign_id),
        )

    async def progress(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            found = await call(service.get_campaign, database, campaign_id)
        except service.CampaignError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        figures = await call(service.campaign_stats, database, campaign_id)
        return JSONResponse({"state": found.state.value, **figures.as_dict()})

    async def audience(request: Request, identity: StaffIdentity) -> Response:
        try:
            size = await call(
                service.audience_size_of, database, request.query_params.get("q", "all")[:500]
            )
        except AudienceError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse({"size": size})

    async def send(request: Request, identity: StaffIdentity) -> Response:
        campaign_id = int(request.path_params["id"])
        try:
            await call(service.send_now, database, campaign_id)
        except service.CampaignError as error:
            return console.refuse(request, identity, 400, detail=str(error))
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
            return console.refuse(request, identity, 400, detail=str(error))
        await call(console.staff.record, identity, "campaign.cancel", "campaign", str(campaign_id))
        return RedirectResponse(f"/admin/campaigns/{campaign_id}", 303)

    async def events(request: Request, identity: StaffIdentity) -> Response:
        listed = await call(list_events, database)
        return console.render(request, "events.html", identity, events=listed)

    page = console.page
    admin = StaffRole.ADMIN
    return [
        page("/admin/campaigns", campaigns, role=admin),
        page("/admin/campaigns", create, methods=("POST",), role=admin),
        page("/admin/campaigns/audience", audience, role=admin),
        page("/admin/campaigns/{id:int}", campaign, role=admin),
        page("/admin/campaigns/{id:int}/progress", progress, role=admin),
        page("/admin/campaigns/{id:int}/send", send, methods=("POST",), role=admin),
        page("/admin/campaigns/{id:int}/cancel", cancel, methods=("POST",), role=admin),
        page("/admin/events", events, role=admin),
    ]
