"""`relais staff add/list/disable`, through the same service as the console."""

from tests.cli.conftest import Relais


def test_add_list_and_disable_an_account(relais: Relais) -> None:
    added = relais(
        "staff",
        "add",
        "Awa@DGES.example",
        "--role",
        "agent",
        "--password-stdin",
        stdin="un mot de passe long\n",
    )
    assert added.exit_code == 0, added.output
    listed = relais("staff", "list")
    assert "awa@dges.example  agent  active  last sign-in: never" in listed.stdout
    again = relais(
        "staff", "add", "awa@dges.example", "--role", "admin", "--password-stdin", stdin="x" * 12
    )
    assert again.exit_code == 1 and "already exists" in again.output
    assert relais("staff", "disable", "awa@dges.example").exit_code == 0
    assert "agent  disabled" in relais("staff", "list").stdout
    missing = relais("staff", "disable", "nobody@dges.example")
    assert missing.exit_code == 1 and "no account" in missing.output


def test_the_password_is_asked_twice_and_must_be_long(relais: Relais) -> None:
    mismatch = relais(
        "staff",
        "add",
        "a@dges.example",
        "--role",
        "admin",
        stdin="premier mot de passe\nsecond mot de passe\n" + "premier mot de passe\n" * 2,
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output
    short = relais(
        "staff", "add", "b@dges.example", "--role", "agent", "--password-stdin", stdin="court\n"
    )
    assert short.exit_code == 1 and "10 to 1024 characters" in short.output
    bad = relais(
        "staff", "add", "not-an-address", "--role", "agent", "--password-stdin", stdin="x" * 12
    )
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output
    role = relais(
        "staff", "add", "c@dges.example", "--role", "boss", "--password-stdin", stdin="x" * 12
    )
    assert role.exit_code == 2
