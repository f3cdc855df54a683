"""Typed command-line values: a local date-time read in RELAIS_TIMEZONE."""

from datetime import datetime
from typing import TYPE_CHECKING

import click

from bot.cli.context import CliContext

EXAMPLE = "2027-03-03T09:00"

if TYPE_CHECKING:
    _DateTimeParam = click.ParamType[datetime]
else:
    # ParamType is generic for type checkers only in recent click releases.
    _DateTimeParam = click.ParamType


class RefusedValue(click.BadParameter):
    """A value staff typed that cannot be read; the message shows what is expected."""

    # A date typed wrong fails like every other refused request (status 1, as
    # `campaign create --at` always did), not with click's usage status 2.
    exit_code = 1


class LocalDateTime(_DateTimeParam):
    """An ISO date-time; without an offset it is local time in RELAIS_TIMEZONE."""

    name = "datetime"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Read the value, attaching RELAIS_TIMEZONE when it names no offset."""
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value).strip())
            except ValueError:
                msg = f"{value!r} is not a date-time: expected e.g. {EXAMPLE}"
                raise RefusedValue(msg, ctx=ctx, param=param) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CliContext.of(ctx).settings.tz)
        return moment


LOCAL_DATE_TIME = LocalDateTime()


def local_iso(moment: datetime, ctx: CliContext) -> str:
    """Write a moment as local ISO text, to the minute when it has no seconds."""
    local = moment.astimezone(ctx.settings.tz).replace(tzinfo=None)
    if local.second or local.microsecond:
        return local.isoformat()
    return local.isoformat(timespec="minutes")
