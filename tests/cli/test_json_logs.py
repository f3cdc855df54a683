"""RELAIS_LOG_FORMAT=json: one JSON object a line, a traceback kept inside its line."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.logs import JsonLineFormatter, log_format


def record_with_exception() -> logging.LogRecord:
    try:
        int("not a number")
    except ValueError:
        return logging.getLogger("bot.test").makeRecord(
            "bot.test", logging.ERROR, __file__, 1, "turn of %s failed", ("42",), sys.exc_info()
        )
    raise AssertionError


def test_a_record_with_a_traceback_is_one_json_line() -> None:
    line = JsonLineFormatter().format(record_with_exception())

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.test"
    assert entry["message"] == "turn of 42 failed"
    assert "Traceback" in entry["exception"] and "ValueError" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_non_ascii_messages_stay_readable() -> None:
    record = logging.makeLogRecord({"msg": "créé : جمعية", "levelname": "INFO", "name": "x"})

    assert json.loads(JsonLineFormatter().format(record))["message"] == "créé : جمعية"


def test_the_format_comes_from_the_environment_then_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert log_format({}, env_file) == "text"
    env_file.write_text("RELAIS_LOG_FORMAT=json\n", encoding="utf-8")
    assert log_format({}, env_file) == "json"
    assert log_format({"RELAIS_LOG_FORMAT": "text"}, env_file) == "text"
    assert log_format({"RELAIS_LOG_FORMAT": "JSON"}, env_file) == "json"
    assert log_format({"RELAIS_LOG_FORMAT": "yaml"}, env_file) == "text"


def test_a_command_logs_json_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "-v", "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")},
            "PYTHONPATH": str(Path.cwd()),
            "RELAIS_LOG_FORMAT": "json",
            "RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'relais.db'}",
        },
        check=False,
    )

    assert result.returncode == 0, result.stderr
    logged = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert logged, result.stderr
    entries = [json.loads(line) for line in logged]
    assert any(entry["logger"].startswith("alembic") for entry in entries)
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in entries)
