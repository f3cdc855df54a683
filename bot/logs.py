"""Log records as one JSON object a line (`RELAIS_LOG_FORMAT=json`), for log collectors."""

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

FORMATS = ("text", "json")


class JsonLineFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, and any exception.

    A traceback stays inside its record's line (JSON escapes its newlines), so a collector
    reading one line at a time never splits an error from its cause.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(environ: dict[str, str] | None = None, env_file: Path = Path(".env")) -> str:
    """Return RELAIS_LOG_FORMAT from the environment or `.env`, `text` when unset or unknown.

    Read before the settings (and pydantic) are loaded: logging starts before any command.
    """
    environ = dict(os.environ) if environ is None else environ
    value = environ.get("RELAIS_LOG_FORMAT")
    if value is None and env_file.is_file():
        from dotenv import dotenv_values

        value = dotenv_values(env_file).get("RELAIS_LOG_FORMAT")
    value = (value or "text").strip().lower()
    return value if value in FORMATS else "text"
