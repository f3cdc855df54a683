"""What the commands of one `relais` invocation share, each part built when first needed.

Nothing here is imported at start-up beyond click: settings, the database and the
catalogues bring in pydantic, SQLAlchemy and Babel, which `relais --help` does without.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import click

from bot.errors import RelaisError

if TYPE_CHECKING:
    from pydantic import ValidationError
    from sqlalchemy.engine import Engine as DatabaseEngine

    from bot.core.i18n import Catalogues
    from bot.settings import Settings


class DatabaseUnreachable(RelaisError):
    """The database URL cannot be used, or the database does not answer."""


class CliContext:
    """The settings, database and catalogues of one invocation, built at most once each."""

    def __init__(self) -> None:
        self._cleanup = ExitStack()

    @classmethod
    def of(cls, ctx: click.Context | None) -> "CliContext":
        """Return the invocation's context object (the root command creates it)."""
        found = ctx.find_object(cls) if ctx is not None else None
        if found is None:
            msg = "no CliContext: commands run under `bot.cli.main`"
            raise RuntimeError(msg)
        return found

    @cached_property
    def settings(self) -> "Settings":
        """Return the settings read from the environment and `.env`."""
        from pydantic import ValidationError

        from bot.settings import Settings, SettingsError

        try:
            return Settings()
        except ValidationError as error:
            raise SettingsError(settings_problems(error)) from error

    @cached_property
    def database(self) -> "DatabaseEngine":
        """Return the database engine, its schema checked first (SQLite is migrated)."""
        from bot.storage.database import create_db_engine, ensure_schema

        url = self.settings.database_url
        # A fresh data directory is created; SQLite creates the file, not the folder.
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with database_errors(url):
            engine = create_db_engine(url)
            self._cleanup.callback(engine.dispose)
            ensure_schema(engine, url)
        return engine

    @cached_property
    def catalogues(self) -> "Catalogues":
        """Return the translations, for the messages campaigns send."""
        from bot.core.i18n import Catalogues

        return Catalogues(
            self.settings.locales_dir, self.settings.tz, country=self.settings.country
        )

    def local_time(self, moment: datetime) -> str:
        """Format a moment in RELAIS_TIMEZONE, to the minute."""
        return f"{moment.astimezone(self.settings.tz):%Y-%m-%d %H:%M}"

    def close(self) -> None:
        """Release what the invocation opened (the database connections)."""
        self._cleanup.close()


pass_cli = click.make_pass_decorator(CliContext)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn a database that cannot be opened into a message naming it (password hidden)."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        yield
    except ArgumentError as error:
        msg = f"RELAIS_DATABASE_URL is not a database URL SQLAlchemy can use: {error}"
        raise DatabaseUnreachable(msg) from error
    except OperationalError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        msg = f"cannot open the database {shown}: {str(error.orig).strip()}"
        raise DatabaseUnreachable(msg) from error


def settings_problems(error: "ValidationError") -> str:
    """Describe invalid settings, one line per variable, without their (maybe secret) values."""
    lines = ["invalid settings"]
    for problem in error.errors(include_url=False, include_input=False):
        # A validator's own error (SettingsError, an unknown time zone) reads better than
        # pydantic's "Value error, ..." wrapping of it.
        cause = problem.get("ctx", {}).get("error")
        text = str(cause) if isinstance(cause, Exception) else problem["msg"]
        field, *inner = problem["loc"] or ("",)
        name = f"RELAIS_{str(field).upper()}" + "".join(f"[{part}]" for part in inner)
        lines.append(f"  {name}: {text}" if field else f"  {text}")
    return "\n".join(lines)
