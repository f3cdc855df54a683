"""`relais doctor`: one verdict line per part of the deployment, and an exit status."""

import sys

import click

from bot.cli.context import CliContext, pass_cli


@click.command()
@pass_cli
def doctor(cli: CliContext) -> None:
    """Check the settings, database, migrations, provider credentials and public URL.

    Exits with status 1 when a check fails (warnings do not fail).
    """
    from bot.services.doctor import Verdict, run_checks
    from bot.settings import SettingsError

    try:
        settings = cli.settings
    except SettingsError as error:
        click.echo(f"FAIL  settings: {error}")
        sys.exit(1)
    failed = False
    for check in run_checks(settings):
        click.echo(check.line())
        failed = failed or check.verdict is Verdict.FAIL
    click.echo("something needs fixing: see the FAIL lines" if failed else "ready")
    sys.exit(1 if failed else 0)
