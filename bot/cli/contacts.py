"""`relais contacts`: contacts and the member lists staff already have."""

from pathlib import Path

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def contacts() -> None:
    """Contacts and member lists."""


@contacts.command("import")
@click.option(
    "--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_cli
def contacts_import(cli: CliContext, path: Path) -> None:
    """Import a CSV: channel,address,name,language,province,topics,consent_at."""
    from bot.content import load_pack
    from bot.domain import Locale
    from bot.services.contacts_import import ContactsFileError, import_contacts

    settings = cli.settings
    region = load_pack(settings.content_dir, settings.country).country.phone_region
    # The command line speaks English, like its other messages.
    gettext = cli.catalogues.translator(Locale.EN).gettext
    try:
        report = import_contacts(cli.database, path, phone_region=region)
    except ContactsFileError as error:
        raise click.ClickException(error.reason.explanation.render(gettext)) from None
    for row, reason in report.refused:
        click.echo(f"row {row} refused: {reason.explanation.render(gettext)}", err=True)
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.refused)} refused"
    )
