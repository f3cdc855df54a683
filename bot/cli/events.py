"""`relais event`: seminars, workshops, trainings and meetings, with their reminders."""

from datetime import datetime
from typing import Any

import click

from bot.cli.context import CliContext, pass_cli
from bot.cli.params import LOCAL_DATE_TIME


@click.group()
def event() -> None:
    """Seminars, workshops, trainings and quarterly meetings, with their reminders."""


@event.command("create")
@click.option(
    "--kind",
    type=click.Choice(["seminar", "workshop", "training", "quarterly_meeting"]),
    required=True,
)
@click.option("--title", required=True, help="The French title (required).")
@click.option("--title-en", default=None)
@click.option("--title-ar", default=None)
@click.option("--description", default=None)
@click.option(
    "--at", "at", type=LOCAL_DATE_TIME, required=True, help="Local start, ISO (2027-03-03T09:00)."
)
@click.option("--place", required=True)
@click.option("--province", default=None)
@click.option("--capacity", type=int, default=None, help="Places; then a waiting list.")
@click.option("--audience", default="all topic=events groups", show_default=True)
@click.option(
    "--reminders", default="7d,1d,2h", show_default=True, help="Before the start: d, h, m."
)
@click.option(
    "--every",
    type=click.Choice(["quarter"]),
    default=None,
    help="Recur every quarter from --at (which may be past): the next occurrences are created.",
)
@click.option(
    "--rotate",
    default=None,
    help="With --every: the places in turn, separated by ';' (Alger;Oran;Constantine).",
)
@click.option("--occurrences", type=int, default=4, show_default=True, help="With --every.")
@pass_cli
def event_create(
    cli: CliContext,
    kind: str,
    title: str,
    title_en: str | None,
    title_ar: str | None,
    description: str | None,
    at: datetime,
    place: str,
    province: str | None,
    capacity: int | None,
    audience: str,
    reminders: str,
    every: str | None,
    rotate: str | None,
    occurrences: int,
) -> None:
    """Create an event (or a quarterly series); prints each id alone on a line first."""
    from bot.campaigns.events import create_event, parse_offsets
    from bot.domain import EventKind

    if every is not None:
        _create_series(
            cli,
            kind=EventKind(kind),
            title={"fr": title, "en": title_en or "", "ar": title_ar or ""},
            description={"fr": description or ""},
            anchor=at,
            places=rotate.split(";") if rotate else [place],
            province=province,
            capacity=capacity,
            audience=audience,
            offsets=parse_offsets(reminders),
            count=occurrences,
        )
        return

    created = create_event(
        cli.database,
        kind=EventKind(kind),
        title={"fr": title, "en": title_en or "", "ar": title_ar or ""},
        description={"fr": description or ""},
        starts_at=at,
        place=place,
        province=province,
        capacity=capacity,
        audience=audience,
        offsets=parse_offsets(reminders),
    )
    click.echo(created.id)
    click.echo(f"starts: {cli.local_time(created.starts_at)} ({cli.settings.timezone})")


def _create_series(
    cli: CliContext,
    *,
    places: list[str],
    province: str | None,
    count: int,
    **event: Any,
) -> None:
    """Create the next occurrences of a quarterly series; each place names its unit if it can."""
    from bot.campaigns.series import Place, create_series
    from bot.content import load_pack
    from bot.storage.types import utcnow

    pack = load_pack(cli.settings.content_dir, cli.settings.country)
    rotation = []
    for name in (part.strip() for part in places):
        if not name:
            continue
        unit = pack.province(name.split(",", 1)[0])
        rotation.append(Place(name, unit.name if unit is not None else province))
    created = create_series(cli.database, places=rotation, now=utcnow(), count=count, **event)
    for item in created:
        click.echo(item.id)
    for item in created:
        click.echo(
            f"starts: {cli.local_time(item.starts_at)} ({cli.settings.timezone}), {item.place}",
            err=True,
        )


@event.command("list")
@pass_cli
def event_list(cli: CliContext) -> None:
    """List the events with their registrations."""
    from bot.campaigns.events import list_events

    for item, registered, waiting in list_events(cli.database):
        places = f"{registered}/{item.capacity}" if item.capacity else str(registered)
        click.echo(
            f"{item.id:>4}  {item.state.value:<9}  {cli.local_time(item.starts_at)}  "
            f"{places:>7} registered, {waiting} waiting  {item.title['fr']} ({item.place})"
        )


@event.command("move")
@click.argument("event_id", type=int)
@click.option("--at", "at", type=LOCAL_DATE_TIME, required=True, help="New local start, ISO.")
@click.option("--place", default=None, help="The new place, if it changes too.")
@pass_cli
def event_move(cli: CliContext, event_id: int, at: datetime, place: str | None) -> None:
    """Change the start (and place) of an event; reminders and registered people follow."""
    from bot.campaigns.events import move_event

    move_event(
        cli.database, event_id, at, place=place, catalogues=cli.catalogues, tz=cli.settings.tz
    )
    click.echo(f"event {event_id} now starts {cli.local_time(at)}; attendees told", err=True)


@event.command("cancel")
@click.argument("event_id", type=int)
@pass_cli
def event_cancel(cli: CliContext, event_id: int) -> None:
    """Cancel an event; the people registered are told."""
    from bot.campaigns.events import cancel_event

    notice = cancel_event(cli.database, event_id, cli.catalogues, cli.settings.tz)
    click.echo(f"event {event_id} cancelled; attendees told by campaign {notice}", err=True)
