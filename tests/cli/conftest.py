"""Run `relais` in-process with click's CliRunner, against a fresh SQLite file per test."""

from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result

from bot.cli import main


class Relais(Protocol):
    """Call `relais ARGS...` and return what it printed and its exit status."""

    def __call__(self, *args: str, stdin: str | None = None) -> Result: ...


def cli_env(database_url: str) -> dict[str, str]:
    """Return the environment of a `relais` run: a database, the shared NLU model cache."""
    return {
        "RELAIS_DATABASE_URL": database_url,
        # The model trained once for the whole test run, not retrained per test.
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
    }


def runner_for(env: dict[str, str]) -> Relais:
    """Return a `relais` caller with these environment variables set during each call."""
    runner = CliRunner(env=env)

    def invoke(*args: str, stdin: str | None = None) -> Result:
        # A traceback must fail the test loudly, not hide in result.exception.
        return runner.invoke(
            main, list(args), input=stdin, prog_name="relais", catch_exceptions=False
        )

    return invoke


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    """The environment of the test's `relais` runs, on a fresh migrated SQLite copy."""
    return cli_env(sqlite_url)


@pytest.fixture
def relais(env: dict[str, str]) -> Relais:
    """`relais` run in this process against the test's database."""
    return runner_for(env)
