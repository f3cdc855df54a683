"""`relais campaign`: broadcasts to subscribers and community groups, now or on a schedule."""

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from bot.cli.context import CliContext, pass_cli
from bot.cli.params import LOCAL_DATE_TIME, local_iso

if TYPE_CHECKING:
    from collections import Counter

    from bot.campaigns.delivery import BulkSender
    from bot.domain import Channel, OutboxStatus


@click.group()
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
@click.option(
    "--at",
    "at",
    type=LOCAL_DATE_TIME,
    default=None,
    help="Local date-time, ISO (2027-05-14T09:00).",
)
@click.option("--yearly", default=None, help="MM-DD, at 09:00 local time.")
@click.option("--rule", default=None, help='e.g. "second saturday of may", "every monday at 9h".')
@click.option("--cron", default=None, help='e.g. "0 9 * * 1" (local time).')
@click.option("--draft", is_flag=True, help="Keep it as a draft until `relais campaign enable`.")
@pass_cli
def campaign_create(
    cli: CliContext,
    name: str,
    message: str,
    message_en: str | None,
    message_ar: str | None,
    template_sid: str | None,
    template_vars: str | None,
    audience: str,
    at: datetime | None,
    yearly: str | None,
    rule: str | None,
    cron: str | None,
    draft: bool,
) -> None:
    """Create a campaign; prints its id alone on the first line, then the audience size."""
    from bot.campaigns.service import create_campaign

    at_text = local_iso(at, cli) if at else None
    given = [
        (kind, value)
        for kind, value in (("at", at_text), ("yearly", yearly), ("rule", rule), ("cron", cron))
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
    settings = cli.settings
    created, size = create_campaign(
        cli.database,
        name=name,
        messages=messages,
        tz=settings.tz,
        audience=audience,
        schedule=schedule,
        templates=templates,
        draft=draft,
    )
    click.echo(created.id)
    click.echo(f"audience: {size} contact(s)")
    if created.next_run_at is not None:
        click.echo(f"first run: {cli.local_time(created.next_run_at)} ({settings.timezone})")


@campaign.command("edit")
@click.argument("campaign_id", type=int)
@click.option("--name", default=None)
@click.option("--message", default=None, help="The French text.")
@click.option("--message-en", default=None, help='"" removes the English text.')
@click.option("--message-ar", default=None, help='"" removes the Arabic text.')
@click.option("--audience", default=None)
@click.option("--at", "at", type=LOCAL_DATE_TIME, default=None)
@click.option("--yearly", default=None, help="MM-DD, at 09:00 local time.")
@click.option("--rule", default=None, help='e.g. "second saturday of may".')
@click.option("--cron", default=None)
@click.option("--now", "now", is_flag=True, help="No schedule: send when sent or enabled.")
@pass_cli
def campaign_edit(
    cli: CliContext,
    campaign_id: int,
    name: str | None,
    message: str | None,
    message_en: str | None,
    message_ar: str | None,
    audience: str | None,
    at: datetime | None,
    yearly: str | None,
    rule: str | None,
    cron: str | None,
    now: bool,
) -> None:
    """Change a draft or scheduled campaign; what is not given stays as it is."""
    from bot.campaigns.service import get_campaign, update_campaign

    current = get_campaign(cli.database, campaign_id)
    at_text = local_iso(at, cli) if at else None
    given = [
        f"{kind}:{value}"
        for kind, value in (("at", at_text), ("yearly", yearly), ("rule", rule), ("cron", cron))
        if value
    ] + (["now"] if now else [])
    if len(given) > 1:
        msg = "give at most one of --at, --yearly, --rule, --cron, --now"
        raise click.UsageError(msg)
    messages = dict(current.messages)
    for locale, text in (("fr", message), ("en", message_en), ("ar", message_ar)):
        if text is not None:
            messages[locale] = text
    edited, size = update_campaign(
        cli.database,
        campaign_id,
        name=name if name is not None else current.name,
        messages=messages,
        tz=cli.settings.tz,
        audience=audience if audience is not None else current.audience,
        schedule=given[0] if given else current.schedule,
        templates=current.templates,
    )
    click.echo(f"campaign {campaign_id} changed; audience: {size} contact(s)", err=True)
    if edited.next_run_at is not None:
        click.echo(f"next run: {cli.local_time(edited.next_run_at)} ({cli.settings.timezone})")


@campaign.command("list")
@pass_cli
def campaign_list(cli: CliContext) -> None:
    """List the campaigns, newest first."""
    from bot.campaigns.service import list_campaigns

    for item in list_campaigns(cli.database):
        when = cli.local_time(item.next_run_at) if item.next_run_at else "-"
        click.echo(
            f"{item.id:>4}  {item.state.value:<9}  {when:<16}  {item.schedule:<28}  {item.name}"
        )


@campaign.command("show")
@click.argument("campaign_id", type=int)
@pass_cli
def campaign_show(cli: CliContext, campaign_id: int) -> None:
    """Show a campaign, its audience size now and its figures."""
    from bot.campaigns.service import campaign_stats, get_campaign, size_of

    database = cli.database
    item = get_campaign(database, campaign_id)
    click.echo(f"campaign {item.id}: {item.name} ({item.state.value})")
    click.echo(f"schedule: {item.schedule}")
    if item.next_run_at:
        click.echo(f"next run: {cli.local_time(item.next_run_at)} ({cli.settings.timezone})")
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
@pass_cli
def campaign_stats_command(cli: CliContext, campaign_id: int, as_json: bool) -> None:
    """Print targeted, sent, delivered, read, failed, skipped, pending and unsure."""
    from bot.campaigns.service import campaign_stats, get_campaign

    get_campaign(cli.database, campaign_id)  # refuses an unknown id
    figures = campaign_stats(cli.database, campaign_id).as_dict()
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for key, value in figures.items():
            click.echo(f"{key:>9}: {value}")
    if figures["unsure"]:
        click.echo(_unsure_note(campaign_id, figures["unsure"]), err=True)


def _unsure_note(campaign_id: int, unsure: int) -> str:
    return (
        f"{unsure} recipient(s) unsure: a send was cut off (crash or kill) on a channel that "
        "cannot be asked what arrived (Telegram); they may or may not have the message. "
        f"`relais campaign send {campaign_id} --resend-unsure` sends it to them again "
        "(a few may get it twice)."
    )


@campaign.command("enable")
@click.argument("campaign_id", type=int)
@pass_cli
def campaign_enable(cli: CliContext, campaign_id: int) -> None:
    """Schedule a draft campaign."""
    from bot.campaigns.service import enable_campaign

    enable_campaign(cli.database, campaign_id)
    click.echo(f"campaign {campaign_id} scheduled", err=True)


@campaign.command("cancel")
@click.argument("campaign_id", type=int)
@pass_cli
def campaign_cancel(cli: CliContext, campaign_id: int) -> None:
    """Cancel a campaign: nothing more of it is sent."""
    from bot.campaigns.service import cancel_campaign

    stopped = cancel_campaign(cli.database, campaign_id)
    click.echo(f"campaign {campaign_id} cancelled ({stopped} message(s) not sent)", err=True)


@campaign.command("send")
@click.argument("campaign_id", type=int)
@click.option(
    "--test",
    "test_to",
    default=None,
    metavar="CHANNEL:ADDRESS",
    help="Send only to this contact (telegram:CHAT_ID or whatsapp:+241...), to check it first: "
    "through the reply outbox, like the console's test, and delivered from here.",
)
@click.option(
    "--resend-unsure",
    is_flag=True,
    help="Also send again to the recipients left unsure by a cut-off send (see `stats`): "
    "none is missed, a few may get the message twice.",
)
@pass_cli
def campaign_send(
    cli: CliContext, campaign_id: int, test_to: str | None, resend_unsure: bool
) -> None:
    """Send a campaign now, in the foreground; run it again to resume after an interruption.

    A send cut off by a crash is settled first: looked up in Twilio's log on WhatsApp (then
    marked sent, or sent), counted as unsure on Telegram.
    """
    from bot.app import build_bulk_senders
    from bot.campaigns import service

    if resend_unsure and test_to is not None:
        msg = "--resend-unsure and --test do not go together"
        raise click.UsageError(msg)
    target = _test_target(cli, test_to) if test_to is not None else None
    if resend_unsure:
        reopened = service.resend_unsure(cli.database, campaign_id)
        click.echo(f"{reopened} unsure recipient(s) to send again", err=True)
    if target is not None:
        _send_test(cli, campaign_id, target)
        return
    _send_all(cli, campaign_id, build_bulk_senders(cli.settings, cli.database, cli.catalogues))


def _test_target(cli: CliContext, to: str) -> "tuple[Channel, str]":
    """Read CHANNEL:ADDRESS the way the console reads its test's address."""
    from bot.content import load_pack
    from bot.domain import Locale
    from bot.services.contacts_import import RowRefused, parse_address

    settings = cli.settings
    region = load_pack(settings.content_dir, settings.country).country.phone_region
    name, _, address = to.partition(":")
    try:
        return parse_address({"channel": name, "address": address}, region)
    except RowRefused as error:
        reason = error.reason.explanation.render(cli.catalogues.translator(Locale.EN).gettext)
        msg = f"--test {to!r}: {reason}; use telegram:CHAT_ID or whatsapp:+241..."
        raise click.UsageError(msg) from None


def _send_test(cli: CliContext, campaign_id: int, target: "tuple[Channel, str]") -> None:
    """Queue the test in the reply outbox like the console's, then deliver it from here."""
    import asyncio

    from bot.campaigns.runner import queue_test
    from bot.channels import direct

    channel, address = target
    shown = f"test to {channel.value}:{address}"
    settings = cli.settings
    if not direct.configured(settings, channel):
        click.echo(f"{shown}: skipped (no {channel.value} channel configured)")
        return
    item_id = queue_test(cli.database, campaign_id, channel=channel, address=address)

    async def deliver() -> "direct.Outcome":
        async with direct.reply_sender(settings, cli.database, cli.catalogues, channel) as sender:
            return await direct.deliver(cli.database, sender, item_id)

    outcome = asyncio.run(deliver())
    if outcome.fate is direct.Fate.QUEUED:
        click.echo(
            f"{shown}: not sent yet"
            + (f" ({outcome.reason})" if outcome.reason else "")
            + f": reply {item_id} stays in the outbox, a running `relais serve` sends it",
        )
        raise SystemExit(1)
    click.echo(
        f"{shown}: {outcome.fate.value}" + (f" ({outcome.reason})" if outcome.reason else "")
    )
    if outcome.fate is direct.Fate.FAILED:
        raise SystemExit(1)


def _send_all(cli: CliContext, campaign_id: int, senders: "dict[Channel, BulkSender]") -> None:
    import asyncio
    from datetime import timedelta

    from bot.campaigns.runner import send_campaign
    from bot.domain import OutboxStatus

    settings = cli.settings
    with click.progressbar(length=1, label="sending", file=sys.stderr) as bar:

        def progress(counts: "Counter[OutboxStatus]", total: int) -> None:
            bar.length = max(total, 1)
            unfinished = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
            done = total - sum(counts[status] for status in unfinished)
            bar.update(done - bar.pos)

        async def send() -> "Counter[OutboxStatus]":
            try:
                return await send_campaign(
                    cli.database,
                    campaign_id,
                    senders,
                    settings.tz,
                    progress=progress,
                    lease=timedelta(seconds=settings.campaign_lease_seconds),
                    in_flight=settings.campaign_in_flight,
                )
            finally:
                await _close(senders)

        counts = asyncio.run(send())
    click.echo(", ".join(f"{status.value} {count}" for status, count in sorted(counts.items())))
    if counts[OutboxStatus.UNSURE]:
        click.echo(_unsure_note(campaign_id, counts[OutboxStatus.UNSURE]), err=True)


async def _close(senders: "dict[Channel, BulkSender]") -> None:
    for sender in senders.values():
        await sender.aclose()
