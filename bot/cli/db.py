"""`relais db`: the database schema."""

import click

from bot.cli.context import CliContext, database_errors, pass_cli


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_cli
def db_upgrade(cli: CliContext, revision: str) -> None:
    """Apply the migrations to RELAIS_DATABASE_URL."""
    from alembic.util import CommandError

    from bot.storage.database import upgrade

    url = cli.settings.database_url
    try:
        with database_errors(url):
            upgrade(url, revision)
    except CommandError as error:  # e.g. an unknown --revision
        raise click.ClickException(str(error)) from error
    click.echo("database is up to date", err=True)
