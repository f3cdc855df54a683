"""`relais content`: the country content pack."""

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def content() -> None:
    """The country content pack."""


@content.command("check")
@pass_cli
def content_check(cli: CliContext) -> None:
    """Validate every content file and list the placeholders still to fill."""
    from bot.content import check_pack
    from bot.content.check import format_report

    report = check_pack(cli.settings.content_dir, cli.settings.country)
    click.echo(format_report(report))
    if not report.ok:
        raise SystemExit(1)
