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


@content.command("stamp")
@click.option(
    "--refresh",
    is_flag=True,
    help="Also re-stamp translations called stale, once they have been brought up to date.",
)
@pass_cli
def content_stamp(cli: CliContext, refresh: bool) -> None:
    """Record which French each translation was written from."""
    from bot.content.translations import stamp_file

    country_dir = cli.settings.content_dir / cli.settings.country
    total = 0
    for path in sorted(country_dir.rglob("*.yml")):
        stamped = stamp_file(path, refresh=refresh)
        if stamped:
            click.echo(f"{path.relative_to(cli.settings.content_dir)}: {stamped} stamped")
        total += stamped
    click.echo(f"{total} texts stamped.")
