"""Admins' event pages: create, move, cancel; registrations, waiting list and reminders.

They call the event services of `relais event`: moving keeps the places and moves the
reminders not sent yet, and the people registered or waiting are told in their channel and
language, through the campaign dispatcher, as when an event is cancelled.
"""

import logging
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.campaigns import events
from bot.campaigns.service import CampaignError
from bot.core.i18n import N_
from bot.domain import EventKind, Locale, StaffRole
from bot.errors import RelaisError
from bot.services.staff import StaffIdentity
from bot.web.admin.console import Console, call, form_of

log = logging.getLogger(__name__)

T = TypeVar("T")
KIND_LABELS = {
    "seminar": N_("séminaire"),
    "workshop": N_("atelier"),
    "training": N_("formation"),
    "quarterly_meeting": N_("réunion trimestrielle"),
}


def local_moment(text: str, tz: ZoneInfo) -> datetime:
    """Read a form's local date-time (2027-03-03T09:00) in the server's time zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CampaignError(
            N_("« {value} » n'est pas une date et une heure (par exemple 2027-03-03T09:00)"),
            value=text[:40],
        ) from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def event_routes(console: Console) -> list[BaseRoute]:
    """Return the event pages, for admins only."""
    database = console.relais.database
    catalogues = console.relais.catalogues
    tz = console.settings.tz
    pack_provinces = console.relais.engine.services.pack.territory.regions

    async def listing(request: Request, identity: StaffIdentity) -> Response:
        return console.render(
            request,
            "events.html",
            identity,
            events=await call(events.list_events, database),
            kinds=[kind.value for kind in EventKind],
            kind_names=KIND_LABELS,
            provinces=[province.name for province in pack_provinces],
        )

    async def create(request: Request, identity: StaffIdentity) -> Response:
        form = form_of(request)
        try:
            kind = EventKind(form.get("kind"))
        except ValueError:
            unknown = CampaignError(N_("type d'événement inconnu"))
            return console.refused(request, identity, unknown)
        capacity = form.get("capacity").strip()
        try:
            if capacity and not capacity.isdecimal():
                raise CampaignError(N_("la capacité est un nombre entier de places"))
            if not form.get("place").strip():
                raise CampaignError(N_("un événement a besoin d'un lieu"))
            created = await call(
                events.create_event,
                database,
                kind=kind,
                title={locale.value: form.get(f"title_{locale.value}")[:200] for locale in Locale},
                description={"fr": form.get("description")[:1000]},
                starts_at=local_moment(form.get("starts_at"), tz),
                place=form.get("place")[:200].strip(),
                province=form.get("province")[:40].strip() or None,
                capacity=int(capacity[:6]) if capacity else None,
                audience=form.get("audience")[:500] or "all topic=events groups",
                offsets=events.parse_offsets(form.get("reminders")[:100] or "7d,1d,2h"),
            )
        except RelaisError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "event.create",
            "event",
            str(created.id),
            created.title.get("fr", ""),
        )
        return RedirectResponse(f"/admin/events/{created.id}", 303)

    async def detail(request: Request, identity: StaffIdentity) -> Response:
        try:
            shown = await call(events.event_detail, database, int(request.path_params["id"]))
        except CampaignError as error:
            return console.refuse(request, identity, 404, detail=console.reason(request, error))
        local = shown.event.starts_at.astimezone(tz)
        return console.render(
            request,
            "event.html",
            identity,
            detail=shown,
            event=shown.event,
            local_start=f"{local:%Y-%m-%dT%H:%M}",
            moved=request.query_params.get("moved") == "1",
            kind_names=KIND_LABELS,
        )

    async def move(request: Request, identity: StaffIdentity) -> Response:
        event_id = int(request.path_params["id"])
        form = form_of(request)
        try:
            moved = await call(
                events.move_event,
                database,
                event_id,
                local_moment(form.get("starts_at"), tz),
                place=form.get("place")[:200] or None,
                catalogues=catalogues,
                tz=tz,
            )
        except RelaisError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "event.move",
            "event",
            str(event_id),
            f"{moved.starts_at.astimezone(tz):%Y-%m-%d %H:%M}, {moved.place}",
        )
        return RedirectResponse(f"/admin/events/{event_id}?moved=1", 303)

    async def cancel(request: Request, identity: StaffIdentity) -> Response:
        event_id = int(request.path_params["id"])
        try:
            notice = await call(events.cancel_event, database, event_id, catalogues, tz)
        except RelaisError as error:
            return console.refused(request, identity, error)
        await call(
            console.staff.record,
            identity,
            "event.cancel",
            "event",
            str(event_id),
            f"campaign {notice}" if notice else None,
        )
        return RedirectResponse(f"/admin/events/{event_id}", 303)

    page = console.page
    admin = StaffRole.ADMIN
    return [
        page("/admin/events", listing, role=admin),
        page("/admin/events", create, methods=("POST",), role=admin),
        page("/admin/events/{id:int}", detail, role=admin),
        page("/admin/events/{id:int}/move", move, methods=("POST",), role=admin),
        page("/admin/events/{id:int}/cancel", cancel, methods=("POST",), role=admin),
    ]
