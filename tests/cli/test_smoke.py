"""`relais` as a real process: the entry point, a fast --help and a scripted chat."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.domain import Channel, ReplyStatus
from bot.storage.database import create_db_engine, new_session, upgrade
from bot.storage.models import ReplyItem
from bot.storage.types import utcnow
from tests.cli.conftest import cli_env

# What `relais --help` must not pay for: only the commands that use them import them.
HEAVY = ("sqlalchemy", "sqlmodel", "sklearn", "telegram", "twilio", "uvicorn", "starlette")


def run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    result = run("-X", "importtime", "-m", "bot", "--help", env={})
    assert result.returncode == 0, result.stderr
    assert "campaign" in result.stdout and "registrations" in result.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    heavy = {name for name in imported if name.split(".")[0] in HEAVY or name == "bot.app"}
    assert not heavy, f"`relais --help` imports {sorted(heavy)}"


def test_scripted_chat_on_a_new_database(tmp_path: Path) -> None:
    env = cli_env(f"sqlite:///{tmp_path / 'relais.db'}")
    result = run("-m", "bot", "chat", env=env, stdin="bonjour\n")
    assert result.returncode == 0, result.stderr
    assert "  1. Créer une organisation" in result.stdout


# What a chat in the terminal does without: the NLU model comes from the cache as arrays, the
# schema's revision is read without Alembic, and no provider or web library is loaded.
CHAT_NEEDS_NONE_OF = (
    "aiohttp",
    "alembic",
    "httpx",
    "scipy",
    "sklearn",
    "telegram",
    "twilio",
    "uvicorn",
)


def test_chat_with_a_cached_model_imports_no_training_or_provider_library(tmp_path: Path) -> None:
    env = cli_env(f"sqlite:///{tmp_path / 'relais.db'}")
    first = run("-m", "bot", "chat", env=env, stdin="bonjour\n")  # trains or reuses the cache
    assert first.returncode == 0, first.stderr

    result = run("-X", "importtime", "-m", "bot", "chat", env=env, stdin="bonjour\n")

    assert result.returncode == 0, result.stderr
    assert "  1. Créer une organisation" in result.stdout
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "sqlalchemy" in imported  # the measurement saw the imports
    assert not imported & set(CHAT_NEEDS_NONE_OF), sorted(imported & set(CHAT_NEEDS_NONE_OF))


def test_a_chat_in_the_terminal_forgets_what_outlived_its_retention(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade(url)
    database = create_db_engine(url)
    long_ago = utcnow() - timedelta(days=400)
    with new_session(database) as session:
        session.add(
            ReplyItem(
                channel=Channel.TELEGRAM,
                address="42",
                text="an answer of long ago",
                status=ReplyStatus.SENT,
                created_at=long_ago,
                sent_at=long_ago,
            )
        )
        session.commit()
    result = run("-m", "bot", "chat", env=cli_env(url), stdin="bonjour\n")
    assert result.returncode == 0, result.stderr
    with new_session(database) as session:
        texts = [item.text for item in session.exec(select(ReplyItem)).all()]
    database.dispose()
    assert "an answer of long ago" not in texts
