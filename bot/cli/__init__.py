"""The `relais` command: serve, chat, and the staff and maintenance commands.

Each group of commands lives in its own module; this one wires them under `main`, sets up
logging for the invocation and shows every RelaisError as `Error: <message>` (status 1).
"""

import logging
import sys
from typing import Any

import click

from bot.cli import (
    campaigns,
    consultations,
    contacts,
    content,
    db,
    doctor,
    events,
    handoffs,
    nlu,
    registrations,
    serve,
    staff,
)
from bot.cli.context import CliContext
from bot.errors import RelaisError
from bot.logs import JsonLineFormatter, log_format

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RelaisGroup(click.Group):
    """A command group that answers a RelaisError with its message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a RelaisError becomes click's `Error: ...` and status 1."""
        try:
            return super().invoke(ctx)
        except RelaisError as error:
            raise click.ClickException(_in_english(ctx, error)) from error


def _in_english(ctx: click.Context, error: RelaisError) -> str:
    """Return an error's message as the command line says it: in English."""
    if error.explanation is None:
        return str(error)
    try:
        from bot.domain import Locale

        catalogues = CliContext.of(ctx).catalogues
    except (RelaisError, RuntimeError):  # no settings or catalogues to read them with
        return str(error)
    return error.explanation.render(catalogues.translator(Locale.EN).gettext)


@click.group(cls=RelaisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (debug level).")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Relais: the social-economy assistant on WhatsApp, Telegram, the web and the terminal."""
    _log_to_stderr(ctx, verbose)
    ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


def _log_to_stderr(ctx: click.Context, verbose: bool) -> None:
    """Send log records to this invocation's stderr until it ends."""
    # Not `logging.basicConfig`: when `main` runs several times in one process (tests,
    # scripts), each run must log to its own stderr and leave no handler behind.
    root = logging.getLogger()
    alembic = logging.getLogger("alembic")
    levels = root.level, alembic.level
    handler = logging.StreamHandler(sys.stderr)
    json_lines = log_format() == "json"
    handler.setFormatter(JsonLineFormatter() if json_lines else logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not verbose:
        # Migrations explain each step at INFO level: useful when debugging, noise otherwise.
        alembic.setLevel(logging.WARNING)

    def restore() -> None:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        alembic.setLevel(levels[1])

    ctx.call_on_close(restore)


main.add_command(serve.serve)
main.add_command(serve.chat)
main.add_command(nlu.nlu)
main.add_command(db.db)
main.add_command(content.content)
main.add_command(registrations.registrations)
main.add_command(handoffs.handoffs)
main.add_command(contacts.contacts)
main.add_command(campaigns.campaign)
main.add_command(consultations.consultation)
main.add_command(events.event)
main.add_command(doctor.doctor)
main.add_command(staff.staff)

__all__ = ["main"]
