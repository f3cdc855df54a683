"""`relais staff`: the accounts that sign in to the console at /admin."""

import sys

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def staff() -> None:
    """Console accounts."""


@staff.command("add")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["admin", "agent"]), required=True, help="What the account may do."
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@pass_cli
def staff_add(cli: CliContext, email: str, role: str, password_stdin: bool) -> None:
    """Create an account (the password is asked twice unless given on stdin)."""
    from bot.domain import StaffRole
    from bot.services.staff import StaffService

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = StaffService(cli.database).add_account(email, StaffRole(role), password)
    click.echo(f"account {account.email} ({account.role.value}) created", err=True)


@staff.command("list")
@pass_cli
def staff_list(cli: CliContext) -> None:
    """List the accounts."""
    from bot.services.staff import StaffService

    accounts = StaffService(cli.database).list_accounts()
    for account in accounts:
        state = "disabled" if account.disabled else "active"
        last = cli.local_time(account.last_login_at) if account.last_login_at else "never"
        click.echo(f"{account.email}  {account.role.value}  {state}  last sign-in: {last}")
    click.echo(f"{len(accounts)} account(s)", err=True)


@staff.command("disable")
@click.argument("email")
@pass_cli
def staff_disable(cli: CliContext, email: str) -> None:
    """Disable an account; its open sessions end at once."""
    from bot.services.staff import StaffService

    account = StaffService(cli.database).disable_account(email)
    click.echo(f"account {account.email} disabled", err=True)
