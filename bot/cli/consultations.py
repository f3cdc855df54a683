"""`relais consultation`: questions put to subscribers, their answers followed and exported."""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.campaigns import _send_all, _test_target
from bot.cli.context import CliContext, pass_cli
from bot.cli.params import LOCAL_DATE_TIME

if TYPE_CHECKING:
    from bot.services.consultation_results import ConsultationResults

EXAMPLE_FILE = """\
title: {fr: "Le nouveau guichet", en: "The new desk"}
intro: "Nous voulons améliorer l'accueil."
asked_by: "La Direction générale de l'économie sociale"
closes: 2027-01-31T18:00
anonymous: false
questions:
  - kind: single_choice
    text: "Quel canal préférez-vous ?"
    options: ["Au bureau", "Par téléphone", "En ligne"]
  - kind: rating
    text: "Notez l'accueil de 1 à 5."
"""


@click.group()
def consultation() -> None:
    """Consultations: questions to subscribers, answered in the chat."""


@consultation.command("create")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="A YAML file: title, intro, asked_by, closes, questions (per language or French).",
)
@click.option("--audience", default=None, help="As for campaigns: all, groups, province=...")
@click.option("--opens", type=LOCAL_DATE_TIME, default=None, help="Local date-time; now if unset.")
@click.option("--closes", type=LOCAL_DATE_TIME, default=None, help="Local date-time.")
@click.option("--reminder", type=LOCAL_DATE_TIME, default=None, help="When to remind, once.")
@click.option("--anonymous/--named", default=None, help="Store the answers without the contact.")
@click.option(
    "--whatsapp-template",
    "template_sid",
    default=None,
    help="Content SID (HX...) for contacts outside WhatsApp's 24-hour window.",
)
@pass_cli
def consultation_create(
    cli: CliContext,
    path: Path,
    audience: str | None,
    opens: datetime | None,
    closes: datetime | None,
    reminder: datetime | None,
    anonymous: bool | None,
    template_sid: str | None,
) -> None:
    """Create a draft consultation; prints its id alone on the first line."""
    import yaml

    from bot.campaigns.audience import parse_audience
    from bot.services.consultations import create_consultation, parse_spec

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        msg = f"{path}: not a YAML file ({error})"
        raise click.ClickException(msg) from error
    if not isinstance(data, dict):
        msg = f"{path}: expected a mapping such as:\n{EXAMPLE_FILE}"
        raise click.ClickException(msg)
    overrides = {
        "audience": audience,
        "opens": opens,
        "closes": closes,
        "reminder": reminder,
        "anonymous": anonymous,
    }
    data.update({key: value for key, value in overrides.items() if value is not None})
    if template_sid:
        data["templates"] = {"fr": {"content_sid": template_sid, "variables": {}}}
    spec = parse_spec(data, cli.settings.tz)
    parse_audience(spec.audience)
    created = create_consultation(cli.database, spec)
    click.echo(created.id)
    click.echo(f"{len(spec.questions)} question(s), closes {cli.local_time(created.closes_at)}")


@consultation.command("list")
@pass_cli
def consultation_list(cli: CliContext) -> None:
    """List the consultations, newest first, with how many answered."""
    from bot.services.consultations import list_consultations

    for item in list_consultations(cli.database):
        found = item.consultation
        click.echo(
            f"{found.id:>4}  {found.state.value:<6}  {cli.local_time(found.closes_at)}  "
            f"{item.finished:>5} finished / {item.started:<5} started  {found.title['fr']}"
        )


@consultation.command("show")
@click.argument("consultation_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@pass_cli
def consultation_show(cli: CliContext, consultation_id: int, as_json: bool) -> None:
    """Show a consultation, its questions and what the answers add up to."""
    from bot.services.consultation_results import consultation_results

    results = consultation_results(cli.database, consultation_id)
    if as_json:
        click.echo(json.dumps(_as_dict(results), ensure_ascii=False))
        return
    found = results.detail.consultation
    click.echo(f"consultation {found.id}: {found.title['fr']} ({found.state.value})")
    click.echo(
        f"open {cli.local_time(found.opens_at)} to {cli.local_time(found.closes_at)} "
        f"({cli.settings.timezone}); audience: {found.audience}"
        + ("; anonymous" if found.anonymous else "")
    )
    click.echo(f"answers: {results.detail.finished} finished, {results.detail.started} started")
    for row in (*results.by_channel, *results.by_province):
        rate = f"{row.rate:.0%}" if row.rate is not None else "-"
        click.echo(f"  {row.group}: {row.finished}/{row.invited} invited ({rate})")
    for result in results.questions:
        question = result.question
        click.echo(
            f"{question.position}. [{question.kind.value}] {question.text['fr']} "
            f"({result.answered} answered, {result.skipped} skipped)"
        )
        for option in result.options:
            click.echo(f"    {option.count:>5}  {option.label}")
        for bin_ in result.histogram:
            label = str(bin_.low) if bin_.low == bin_.high else f"{bin_.low}-{bin_.high}"
            click.echo(f"    {label:>7}  {'#' * bin_.count} {bin_.count}")
        if result.mean is not None:
            click.echo(f"    mean {result.mean:.2f}")
        if result.texts:
            click.echo(f"    {result.texts} text(s): `relais consultation texts {found.id}`")


@consultation.command("texts")
@click.argument("consultation_id", type=int)
@click.option("--search", default=None, help="Only the texts containing these words.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@pass_cli
def consultation_texts(
    cli: CliContext, consultation_id: int, search: str | None, limit: int
) -> None:
    """List the free-text answers and comments, newest first."""
    from bot.services.consultation_results import text_answers

    for answer in text_answers(cli.database, consultation_id, search=search, limit=limit):
        part = f" part {answer.part + 1}" if answer.part else ""
        click.echo(f"{answer.position}{part} [{answer.channel}] {answer.text}")


@consultation.command("send")
@click.argument("consultation_id", type=int)
@click.option(
    "--test",
    "test_to",
    default=None,
    metavar="CHANNEL:ADDRESS",
    help="Send the draft only to this contact (telegram:CHAT_ID or whatsapp:+241...).",
)
@click.option("--queue", is_flag=True, help="Only queue it: the server's campaign loop sends it.")
@pass_cli
def consultation_send(
    cli: CliContext, consultation_id: int, test_to: str | None, queue: bool
) -> None:
    """Open a consultation and send its invitation (or try it on one contact first)."""
    from bot.app import build_bulk_senders
    from bot.campaigns.consultations import send_consultation, test_consultation
    from bot.storage import contacts
    from bot.storage.database import new_session

    if test_to is not None:
        channel, address = _test_target(cli, test_to)
        with new_session(cli.database) as session:
            contact = contacts.find_contact(session, channel=channel, address=address)
        if contact is None or contact.id is None:
            msg = f"no contact {test_to}: they must have written to the bot once"
            raise click.ClickException(msg)
        campaign = test_consultation(
            cli.database, consultation_id, contact.id, cli.catalogues, cli.settings.tz
        )
    else:
        campaign = send_consultation(cli.database, consultation_id, cli.catalogues, cli.settings.tz)
    click.echo(f"invitation: campaign {campaign.id}", err=True)
    if queue:
        return
    senders = build_bulk_senders(cli.settings, cli.database, cli.catalogues)
    _send_all(cli, campaign.id or 0, senders)


@consultation.command("close")
@click.argument("consultation_id", type=int)
@pass_cli
def consultation_close(cli: CliContext, consultation_id: int) -> None:
    """Stop taking answers."""
    from bot.services.consultations import close_consultation

    close_consultation(cli.database, consultation_id)
    click.echo(f"consultation {consultation_id} closed", err=True)


@consultation.command("publish")
@click.argument("consultation_id", type=int)
@click.option("--results", "results_fr", required=True, help="The results, in French.")
@click.option("--results-en", default=None)
@click.option("--results-ar", default=None)
@click.option("--queue", is_flag=True, help="Only queue it: the server's campaign loop sends it.")
@pass_cli
def consultation_publish(
    cli: CliContext,
    consultation_id: int,
    results_fr: str,
    results_en: str | None,
    results_ar: str | None,
    queue: bool,
) -> None:
    """Publish the results: sent to those who answered, shown to those who finish later."""
    from bot.app import build_bulk_senders
    from bot.campaigns.consultations import publish_results

    texts = {"fr": results_fr, "en": results_en or "", "ar": results_ar or ""}
    campaign = publish_results(
        cli.database, consultation_id, cli.catalogues, cli.settings.tz, texts
    )
    click.echo(f"results: campaign {campaign.id}", err=True)
    if not queue:
        senders = build_bulk_senders(cli.settings, cli.database, cli.catalogues)
        _send_all(cli, campaign.id or 0, senders)


@consultation.command("export")
@click.argument("consultation_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="File to write (standard output by default).",
)
@pass_cli
def consultation_export(
    cli: CliContext, consultation_id: int, fmt: str, output: Path | None
) -> None:
    """Export one row per answer, as CSV or as a spreadsheet file."""
    from bot.services.consultation_results import export_csv, export_xlsx

    if fmt == "csv":
        if output is None:
            written = export_csv(cli.database, consultation_id, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                written = export_csv(cli.database, consultation_id, out)
    elif output is None:
        written = export_xlsx(cli.database, consultation_id, sys.stdout.buffer)
    else:
        with output.open("wb") as binary:
            written = export_xlsx(cli.database, consultation_id, binary)
    click.echo(f"{written} answer(s) exported", err=True)


def _as_dict(results: "ConsultationResults") -> dict[str, Any]:
    found = results.detail.consultation
    return {
        "id": found.id,
        "state": found.state.value,
        "anonymous": found.anonymous,
        "started": results.detail.started,
        "finished": results.detail.finished,
        "by_channel": [_row(row) for row in results.by_channel],
        "by_province": [_row(row) for row in results.by_province],
        "questions": [
            {
                "position": result.question.position,
                "kind": result.question.kind.value,
                "answered": result.answered,
                "skipped": result.skipped,
                "options": {option.key: option.count for option in result.options},
                "histogram": [[b.low, b.high, b.count] for b in result.histogram],
                "mean": result.mean,
                "texts": result.texts,
            }
            for result in results.questions
        ],
    }


def _row(row: Any) -> dict[str, Any]:
    return {
        "group": row.group,
        "invited": row.invited,
        "started": row.started,
        "finished": row.finished,
    }
