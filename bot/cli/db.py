"""`relais db`: the database schema."""

from pathlib import Path

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


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def db_backup(cli: CliContext, file: Path) -> None:
    """Copy the SQLite database to FILE while it runs (PostgreSQL: use pg_dump).

    A relative FILE is taken inside RELAIS_DATA_DIR.
    """
    from bot.storage.backup import backup_sqlite

    target = cli.settings.in_data_dir(file)
    pages = backup_sqlite(cli.settings.database_url, target)
    click.echo(f"database backed up to {target} ({pages} pages, integrity checked)", err=True)
