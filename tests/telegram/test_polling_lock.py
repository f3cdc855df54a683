"""Polling mode is one process per token: a second `relais serve` refuses to start, and says why."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from bench.common import free_port
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.adapter import POLLING_TAKEN
from bot.core.engine import Engine
from bot.settings import Settings, SettingsError
from bot.storage.database import create_db_engine
from tests.telegram.conftest import relais_for, telegram_settings
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.harness import serve


def test_a_second_poller_on_the_same_database_is_refused(
    database_url: str, services: object, settings: Settings, api: FakeBotApi
) -> None:
    database = create_db_engine(database_url)
    engine = Engine(database=database, services=services, router=_router())  # type: ignore[arg-type]
    polling = telegram_settings(settings, api, webhook=False)
    relais = relais_for(engine, polling)
    with serve(relais, api):
        with pytest.raises(SettingsError, match="already polls Telegram"):
            TelegramChannel(relais)
        # Another bot's token is another lock.
        other = relais_for(
            engine, polling.model_copy(update={"telegram_token": SecretStr("42:other-bot")})
        )
        TelegramChannel(other)._poller.release()  # type: ignore[union-attr]
    # Once the first has stopped, polling may start again.
    with serve(relais, api) as harness:
        assert "Bonjour" in harness.user().send("bonjour")
    database.dispose()


def test_webhook_mode_runs_any_number_of_processes(
    database_url: str, services: object, settings: Settings, api: FakeBotApi
) -> None:
    database = create_db_engine(database_url)
    engine = Engine(database=database, services=services, router=_router())  # type: ignore[arg-type]
    relais = relais_for(engine, telegram_settings(settings, api, webhook=True))
    first, second = TelegramChannel(relais), TelegramChannel(relais)
    assert first.webhook_mode and second.webhook_mode
    database.dispose()


def test_relais_serve_refuses_a_second_poller_with_a_clear_message(
    tmp_path: Path, api: FakeBotApi
) -> None:
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": url,
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
    }
    env.pop("RELAIS_TELEGRAM_WEBHOOK_SECRET", None)

    def command() -> list[str]:
        port = str(free_port())
        return [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", port]

    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen(command(), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not api.calls("getUpdates"):
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            assert time.monotonic() < deadline, "the first server never polled"
            time.sleep(0.05)
        second = subprocess.run(command(), env=env, capture_output=True, timeout=60, check=False)
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert second.returncode == 1
    error = second.stderr.decode()
    assert "already polls Telegram" in error and "RELAIS_TELEGRAM_WEBHOOK_SECRET" in error
    assert "Traceback" not in error
    assert TOKEN not in error
    assert POLLING_TAKEN.split(":")[0] in error


def _router() -> object:
    from bot.app import build_router

    return build_router()
