"""`relais registrations`: the pre-registrations the bot collected."""

import sys
from pathlib import Path

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def registrations() -> None:
    """Pre-registrations collected by the bot."""


@registrations.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write; a relative path is taken inside RELAIS_DATA_DIR.",
)
@pass_cli
def registrations_export(cli: CliContext, fmt: str, output: Path | None) -> None:
    """Export every registration (standard output by default)."""
    from bot.services.registrations import ExportFormat, export_registrations

    database = cli.database  # opened first: a database that fails leaves no empty file behind
    if output is None:
        count = export_registrations(database, sys.stdout, ExportFormat(fmt))
    else:
        output = cli.settings.in_data_dir(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as out:
            count = export_registrations(database, out, ExportFormat(fmt))
    click.echo(f"{count} registration(s) exported", err=True)
