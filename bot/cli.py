"""The `relais` command: serve, chat, and the staff and maintenance commands."""

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from bot.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine as DatabaseEngine

    from bot.campaigns.delivery import BulkSender, Delivery
    from bot.domain import Channel


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        msg = f"invalid settings: {error}"
        raise click.ClickException(msg) from error


def _open_output(path: Path | None) -> TextIO:
    if path is None:
        return sys.stdout
    return path.open("w", encoding="utf-8", newline="")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (debug level).")
def main(verbose: bool) -> None:
    """Relais: the social-economy assistant on WhatsApp, Telegram, the web and the terminal."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        # Migrations explain each step at INFO level: useful when debugging, noise otherwise.
        logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the webhooks, /healthz and the /chat page."""
    import uvicorn

    from bot.app import build_app
    from bot.web.server import create_web_app

    relais = build_app(_settings())
    click.echo(f"Relais is listening: open http://{host}:{port}/chat to talk to the bot", err=True)
    uvicorn.run(create_web_app(relais), host=host, port=port, log_level="info")


@main.command()
@click.option("--lang", default=None, help="Language hint: fr, en or ar.")
@click.option(
    "--user", default="terminal", show_default=True, help="Who is talking (one conversation each)."
)
def chat(lang: str | None, user: str) -> None:
    """Talk to the bot in the terminal; with piped input, one message per line."""
    from bot.app import build_app
    from bot.channels import console

    logging.getLogger().setLevel(logging.WARNING)
    relais = build_app(_settings())
    interactive = sys.stdin.isatty()

    def prompt() -> None:
        click.echo("> ", nl=False)

    if interactive:
        click.echo("Relais — type your message, Ctrl-D to quit.\n")
    try:
        console.run(
            relais.engine,
            sys.stdin,
            sys.stdout,
            user=user,
            locale=lang,
            prompt=prompt if interactive else None,
        )
    except KeyboardInterrupt:
        pass
    finally:
        relais.close()


@main.group()
def nlu() -> None:
    """Natural-language understanding: parse and evaluate."""


@nlu.command("parse")
@click.argument("text")
def nlu_parse(text: str) -> None:
    """Print the Rasa-shaped reading of TEXT, or of each line of stdin with "-"."""
    from nlu import load_parser

    settings = _settings()
    parser = load_parser(
        rasa_url=settings.rasa_url,
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.cache_dir / "nlu",
    )
    lines = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    for line in lines:
        click.echo(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False))


@nlu.command("evaluate")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
def nlu_evaluate(folds: int) -> None:
    """Print a cross-validated per-intent precision/recall report."""
    from nlu.evaluate import cross_validate

    report = cross_validate(_settings().nlu_data_dir, folds=folds)
    click.echo(report.format())


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to RELAIS_DATABASE_URL."""
    from bot.storage.database import upgrade

    upgrade(_settings().database_url, revision)
    click.echo("database is up to date", err=True)


@main.group()
def content() -> None:
    """The country content pack."""


@content.command("check")
def content_check() -> None:
    """Validate every content file and list the placeholders still to fill."""
    from bot.content import check_pack
    from bot.content.check import format_report

    settings = _settings()
    report = check_pack(settings.content_dir, settings.country)
    click.echo(format_report(report))
    if not report.ok:
        raise SystemExit(1)


@main.group()
def registrations() -> None:
    """Pre-registrations collected by the bot."""


@registrations.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def registrations_export(fmt: str, output: Path | None) -> None:
    """Export every registration (standard output by default)."""
    from bot.services.registrations import ExportFormat, export_registrations
    from bot.storage.database import create_db_engine, ensure_schema

    settings = _settings()
    database = create_db_engine(settings.database_url)
    ensure_schema(database, settings.database_url)
    out = _open_output(output)
    try:
        count = export_registrations(database, out, ExportFormat(fmt))
    finally:
        if output is not None:
            out.close()
        database.dispose()
    click.echo(f"{count} registration(s) exported", err=True)


@main.group()
def handoffs() -> None:
    """Requests to talk to a person."""


@handoffs.command("list")
def handoffs_list() -> None:
    """List the open requests, oldest first."""
    from bot.services.handoffs import open_handoffs
    from bot.storage.database import create_db_engine, ensure_schema

    settings = _settings()
    database = create_db_engine(settings.database_url)
    ensure_schema(database, settings.database_url)
    requests = open_handoffs(database)
    for request in requests:
        click.echo(
            f"#{request.id}  {request.created_at:%Y-%m-%d %H:%M}Z  {request.channel.value}:"
            f"{request.address}  {request.name or '-'}  ({request.reason})  "
            f"{request.last_message or ''}"
        )
    click.echo(f"{len(requests)} open request(s)", err=True)


@handoffs.command("close")
@click.argument("request_id", type=int)
def handoffs_close(request_id: int) -> None:
    """Mark a request as taken care of."""
    from bot.services.handoffs import close_handoff
    from bot.storage.database import create_db_engine

    database = create_db_engine(_settings().database_url)
    if not close_handoff(database, request_id):
        msg = f"no open request #{request_id}"
        raise click.ClickException(msg)
    click.echo(f"request #{request_id} closed", err=True)


def _local_time(moment: "datetime", settings: Settings) -> str:
    return f"{moment.astimezone(settings.tz):%Y-%m-%d %H:%M}"


def _database(settings: Settings) -> "DatabaseEngine":
    from bot.storage.database import create_db_engine, ensure_schema

    database = create_db_engine(settings.database_url)
    ensure_schema(database, settings.database_url)
    return database


@main.group()
def contacts() -> None:
    """Contacts and member lists."""


@contacts.command("import")
@click.option(
    "--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def contacts_import(path: Path) -> None:
    """Import a CSV: channel,address,name,language,province,topics,consent_at."""
    from bot.content import load_pack
    from bot.services.contacts_import import import_contacts

    settings = _settings()
    region = load_pack(settings.content_dir, settings.country).country.phone_region
    try:
        report = import_contacts(_database(settings), path, phone_region=region)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for row, reason in report.refused:
        click.echo(f"row {row} refused: {reason}", err=True)
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.refused)} refused"
    )


@main.group()
def campaign() -> None:
    """Campaigns to subscribers and community groups."""


@campaign.command("create")
@click.option("--name", required=True)
@click.option("--message", required=True, help="The French text (required).")
@click.option("--message-en", default=None)
@click.option("--message-ar", default=None)
@click.option(
    "--whatsapp-template",
    "template_sid",
    default=None,
    help="Content SID (HX...) for contacts outside WhatsApp's 24-hour window.",
)
@click.option("--template-vars", default=None, help='JSON, e.g. {"1": "14 mai"}.')
@click.option(
    "--audience",
    default="all",
    show_default=True,
    help="all, groups, channel=, province=, lang=, topic=, org_type=",
)
@click.option("--at", "at", default=None, help="Local date-time, ISO (2027-05-14T09:00).")
@click.option("--yearly", default=None, help="MM-DD, at 09:00 local time.")
@click.option("--rule", default=None, help='e.g. "second saturday of may", "every monday at 9h".')
@click.option("--cron", default=None, help='e.g. "0 9 * * 1" (local time).')
@click.option("--draft", is_flag=True, help="Keep it as a draft until `relais campaign enable`.")
def campaign_create(
    name: str,
    message: str,
    message_en: str | None,
    message_ar: str | None,
    template_sid: str | None,
    template_vars: str | None,
    audience: str,
    at: str | None,
    yearly: str | None,
    rule: str | None,
    cron: str | None,
    draft: bool,
) -> None:
    """Create a campaign; prints its id alone on the first line, then the audience size."""
    from bot.campaigns.audience import AudienceError
    from bot.campaigns.schedule import ScheduleError
    from bot.campaigns.service import CampaignError, create_campaign

    given = [
        (kind, value)
        for kind, value in (("at", at), ("yearly", yearly), ("rule", rule), ("cron", cron))
        if value
    ]
    if len(given) > 1:
        msg = "give at most one of --at, --yearly, --rule, --cron"
        raise click.UsageError(msg)
    schedule = f"{given[0][0]}:{given[0][1]}" if given else "now"
    templates = {}
    if template_sid:
        try:
            variables = json.loads(template_vars) if template_vars else {}
        except ValueError as error:
            msg = f"--template-vars is not JSON: {error}"
            raise click.UsageError(msg) from error
        templates = {"fr": {"content_sid": template_sid, "variables": variables}}
    messages = {"fr": message, "en": message_en or "", "ar": message_ar or ""}
    settings = _settings()
    try:
        created, size = create_campaign(
            _database(settings),
            name=name,
            messages=messages,
            tz=settings.tz,
            audience=audience,
            schedule=schedule,
            templates=templates,
            draft=draft,
        )
    except (CampaignError, ScheduleError, AudienceError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(created.id)
    click.echo(f"audience: {size} contact(s)")
    if created.next_run_at is not None:
        click.echo(f"first run: {_local_time(created.next_run_at, settings)} ({settings.timezone})")


@campaign.command("list")
def campaign_list() -> None:
    """List the campaigns, newest first."""
    from bot.campaigns.service import list_campaigns

    settings = _settings()
    for item in list_campaigns(_database(settings)):
        when = (
            f"{item.next_run_at.astimezone(settings.tz):%Y-%m-%d %H:%M}"
            if item.next_run_at
            else "-"
        )
        click.echo(
            f"{item.id:>4}  {item.state.value:<9}  {when:<16}  {item.schedule:<28}  {item.name}"
        )


@campaign.command("show")
@click.argument("campaign_id", type=int)
def campaign_show(campaign_id: int) -> None:
    """Show a campaign, its audience size now and its figures."""
    from bot.campaigns.service import CampaignError, campaign_stats, get_campaign, size_of

    settings = _settings()
    database = _database(settings)
    try:
        item = get_campaign(database, campaign_id)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"campaign {item.id}: {item.name} ({item.state.value})")
    click.echo(f"schedule: {item.schedule}")
    if item.next_run_at:
        click.echo(f"next run: {_local_time(item.next_run_at, settings)} ({settings.timezone})")
    click.echo(f"audience: {item.audience} -> {size_of(database, item)} contact(s) now")
    for locale, text in item.messages.items():
        click.echo(f"message [{locale}]: {text}")
    for locale, template in item.templates.items():
        click.echo(
            f"whatsapp template [{locale}]: {template.get('content_sid')} "
            f"{template.get('variables')}"
        )
    click.echo(
        "figures: "
        + ", ".join(f"{k} {v}" for k, v in campaign_stats(database, campaign_id).as_dict().items())
    )


@campaign.command("stats")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def campaign_stats_command(campaign_id: int, as_json: bool) -> None:
    """Print targeted, sent, delivered, read, failed and skipped."""
    from bot.campaigns.service import CampaignError, campaign_stats, get_campaign

    database = _database(_settings())
    try:
        get_campaign(database, campaign_id)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    figures = campaign_stats(database, campaign_id).as_dict()
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for key, value in figures.items():
            click.echo(f"{key:>9}: {value}")


@campaign.command("enable")
@click.argument("campaign_id", type=int)
def campaign_enable(campaign_id: int) -> None:
    """Schedule a draft campaign."""
    from bot.campaigns.service import CampaignError, enable_campaign

    try:
        enable_campaign(_database(_settings()), campaign_id)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"campaign {campaign_id} scheduled", err=True)


@campaign.command("cancel")
@click.argument("campaign_id", type=int)
def campaign_cancel(campaign_id: int) -> None:
    """Cancel a campaign: nothing more of it is sent."""
    from bot.campaigns.service import CampaignError, cancel_campaign

    try:
        stopped = cancel_campaign(_database(_settings()), campaign_id)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"campaign {campaign_id} cancelled ({stopped} message(s) not sent)", err=True)


def _send_test(
    database: "DatabaseEngine", campaign_id: int, senders: "dict[Channel, BulkSender]", to: str
) -> None:
    import asyncio

    from bot.campaigns.runner import send_test
    from bot.campaigns.service import CampaignError
    from bot.domain import Channel

    name, _, address = to.partition(":")
    try:
        channel = Channel(name)
    except ValueError:
        msg = f"--test {to!r}: use telegram:CHAT_ID or whatsapp:+241..."
        raise click.UsageError(msg) from None

    async def send() -> "Delivery":
        try:
            return await send_test(database, campaign_id, senders, channel=channel, address=address)
        finally:
            for sender in senders.values():
                await sender.aclose()

    try:
        result = asyncio.run(send())
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"test to {to}: {result.outcome.value}" + (f" ({result.reason})" if result.reason else "")
    )


@campaign.command("send")
@click.argument("campaign_id", type=int)
@click.option(
    "--test",
    "test_to",
    default=None,
    metavar="CHANNEL:ADDRESS",
    help="Send only to this contact (telegram:CHAT_ID or whatsapp:+241...), to check it first.",
)
def campaign_send(campaign_id: int, test_to: str | None) -> None:
    """Send a campaign now, in the foreground; run it again to resume after an interruption."""
    import asyncio
    from collections import Counter
    from datetime import timedelta

    from bot.app import build_bulk_senders
    from bot.campaigns.runner import send_campaign
    from bot.campaigns.service import CampaignError
    from bot.core.i18n import Catalogues
    from bot.domain import OutboxStatus

    settings = _settings()
    database = _database(settings)
    senders = build_bulk_senders(settings, database, Catalogues(settings.locales_dir, settings.tz))
    if test_to is not None:
        _send_test(database, campaign_id, senders, test_to)
        return
    with click.progressbar(length=1, label="sending", file=sys.stderr) as bar:

        def progress(counts: Counter[OutboxStatus], total: int) -> None:
            bar.length = max(total, 1)
            unfinished = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
            done = total - sum(counts[status] for status in unfinished)
            bar.update(done - bar.pos)

        async def send() -> "Counter[OutboxStatus]":
            try:
                return await send_campaign(
                    database,
                    campaign_id,
                    senders,
                    settings.tz,
                    progress=progress,
                    lease=timedelta(seconds=settings.campaign_lease_seconds),
                )
            finally:
                for sender in senders.values():
                    await sender.aclose()

        try:
            counts = asyncio.run(send())
        except CampaignError as error:
            raise click.ClickException(str(error)) from error
    click.echo(", ".join(f"{status.value} {count}" for status, count in sorted(counts.items())))


@main.group()
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
@click.option("--at", "at", required=True, help="Local start, ISO (2027-03-03T09:00).")
@click.option("--place", required=True)
@click.option("--province", default=None)
@click.option("--capacity", type=int, default=None, help="Places; then a waiting list.")
@click.option("--audience", default="all topic=events groups", show_default=True)
@click.option(
    "--reminders", default="7d,1d,2h", show_default=True, help="Before the start: d, h, m."
)
def event_create(
    kind: str,
    title: str,
    title_en: str | None,
    title_ar: str | None,
    description: str | None,
    at: str,
    place: str,
    province: str | None,
    capacity: int | None,
    audience: str,
    reminders: str,
) -> None:
    """Create an event; prints its id alone on the first line."""
    from datetime import datetime

    from bot.campaigns.audience import AudienceError
    from bot.campaigns.events import create_event, parse_offsets
    from bot.campaigns.service import CampaignError
    from bot.domain import EventKind

    settings = _settings()
    try:
        start = datetime.fromisoformat(at)
    except ValueError as error:
        msg = f"--at {at!r} is not an ISO date-time (e.g. 2027-03-03T09:00)"
        raise click.UsageError(msg) from error
    if start.tzinfo is None:
        start = start.replace(tzinfo=settings.tz)
    try:
        created = create_event(
            _database(settings),
            kind=EventKind(kind),
            title={"fr": title, "en": title_en or "", "ar": title_ar or ""},
            description={"fr": description or ""},
            starts_at=start,
            place=place,
            province=province,
            capacity=capacity,
            audience=audience,
            offsets=parse_offsets(reminders),
        )
    except (CampaignError, AudienceError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(created.id)
    click.echo(f"starts: {_local_time(created.starts_at, settings)} ({settings.timezone})")


@event.command("list")
def event_list() -> None:
    """List the events with their registrations."""
    from bot.campaigns.events import list_events

    settings = _settings()
    for item, registered, waiting in list_events(_database(settings)):
        places = f"{registered}/{item.capacity}" if item.capacity else str(registered)
        click.echo(
            f"{item.id:>4}  {item.state.value:<9}  {_local_time(item.starts_at, settings)}  "
            f"{places:>7} registered, {waiting} waiting  {item.title['fr']} ({item.place})"
        )


@event.command("move")
@click.argument("event_id", type=int)
@click.option("--at", "at", required=True, help="New local start, ISO.")
def event_move(event_id: int, at: str) -> None:
    """Change the start of an event; its reminders move with it."""
    from datetime import datetime

    from bot.campaigns.events import move_event
    from bot.campaigns.service import CampaignError

    settings = _settings()
    start = datetime.fromisoformat(at)
    start = start if start.tzinfo else start.replace(tzinfo=settings.tz)
    try:
        move_event(_database(settings), event_id, start)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"event {event_id} now starts {_local_time(start, settings)}", err=True)


@event.command("cancel")
@click.argument("event_id", type=int)
def event_cancel(event_id: int) -> None:
    """Cancel an event; the people registered are told."""
    from bot.campaigns.events import cancel_event
    from bot.campaigns.service import CampaignError
    from bot.core.i18n import Catalogues

    settings = _settings()
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    try:
        notice = cancel_event(_database(settings), event_id, catalogues, settings.tz)
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"event {event_id} cancelled; attendees told by campaign {notice}", err=True)
