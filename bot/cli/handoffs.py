"""`relais handoffs`: the people who asked to talk to a person."""

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def handoffs() -> None:
    """Requests to talk to a person."""


@handoffs.command("list")
@pass_cli
def handoffs_list(cli: CliContext) -> None:
    """List the open requests, oldest first."""
    from bot.services.handoffs import open_handoffs

    requests = open_handoffs(cli.database)
    for request in requests:
        click.echo(
            f"#{request.id}  {request.created_at:%Y-%m-%d %H:%M}Z  {request.channel.value}:"
            f"{request.address}  {request.name or '-'}  ({request.reason})  "
            f"{request.last_message or ''}"
        )
    click.echo(f"{len(requests)} open request(s)", err=True)


@handoffs.command("close")
@click.argument("request_id", type=int)
@pass_cli
def handoffs_close(cli: CliContext, request_id: int) -> None:
    """Mark a request as taken care of."""
    from bot.services.handoffs import close_handoff

    if not close_handoff(cli.database, request_id):
        msg = f"no open request #{request_id}"
        raise click.ClickException(msg)
    click.echo(f"request #{request_id} closed", err=True)
