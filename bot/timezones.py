"""Time zone names, checked against the IANA database wherever they are configured."""

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def check_timezone(value: str) -> str:
    """Refuse a name the IANA database does not know ("Africa/Libreville" is fine)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        msg = f"unknown time zone {value!r} (use an IANA name such as Africa/Libreville)"
        raise ValueError(msg) from error
    return value


TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
