"""`relais doctor` against the fake Telegram and Twilio servers and a local health check."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import runner_for
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


@pytest.fixture(scope="module")
def public() -> Iterator[str]:
    """A local stand-in for the public address: it answers /healthz like Relais."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/healthz"
            body = json.dumps({"status": "ok", "database": "ok"} if ok else {}).encode()
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def lines(output: str) -> dict[str, str]:
    """Map each check's name to its line."""
    found = {}
    for line in output.splitlines():
        if "  " in line and ":" in line:
            name = line.split("  ", 1)[1].split(":", 1)[0].strip()
            found[name] = line
    return found


def everything(sqlite_url: str, api: FakeBotApi, twilio: FakeTwilio, public: str) -> dict[str, str]:
    return {
        "RELAIS_DATABASE_URL": sqlite_url,
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": api.base_url,
        "RELAIS_TELEGRAM_WEBHOOK_SECRET": "s3cret-token",
        "RELAIS_PUBLIC_URL": public,
        "RELAIS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RELAIS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAIS_TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "RELAIS_TWILIO_API_URL": twilio.url,
    }


def test_a_ready_deployment_passes_every_check(
    sqlite_url: str, api: FakeBotApi, twilio: FakeTwilio, public: str
) -> None:
    result = runner_for(everything(sqlite_url, api, twilio, public))("doctor")

    assert result.exit_code == 0, result.output
    found = lines(result.output)
    for name in ("settings", "content", "database", "migrations", "telegram", "whatsapp"):
        assert found[name].startswith("OK"), result.output
    assert "@RelaisTestBot" in found["telegram"]
    assert "DGES Relais" in found["whatsapp"] and "active" in found["whatsapp"]
    assert found["public url"].startswith("OK")
    assert result.output.rstrip().endswith("ready")
    # The read-only calls only: nothing sent, no webhook set.
    assert [call.method for call in api.calls()] == ["getMe"]
    assert twilio.calls == []


def test_wrong_credentials_fail_with_what_to_check(
    sqlite_url: str,
    api: FakeBotApi,
    twilio: FakeTwilio,
    public: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = everything(sqlite_url, api, twilio, public)
    env["RELAIS_TELEGRAM_TOKEN"] = "987654321:AAnother-token"
    env["RELAIS_TWILIO_AUTH_TOKEN"] = "0" * 32

    result = runner_for(env)("doctor")

    assert result.exit_code == 1
    found = lines(result.output)
    assert found["telegram"].startswith("FAIL") and "RELAIS_TELEGRAM_TOKEN" in found["telegram"]
    # The token is never printed, nor logged (httpx logs each URL at INFO level).
    assert "987654321" not in result.output and "987654321" not in caplog.text
    assert found["whatsapp"].startswith("FAIL") and "20003" in found["whatsapp"]
    assert found["database"].startswith("OK")


def test_a_suspended_twilio_account_fails(
    sqlite_url: str, api: FakeBotApi, twilio: FakeTwilio, public: str
) -> None:
    twilio.account_status = "suspended"
    try:
        result = runner_for(everything(sqlite_url, api, twilio, public))("doctor")
    finally:
        twilio.reset()

    assert result.exit_code == 1
    assert "suspended" in lines(result.output)["whatsapp"]


def test_unreachable_servers_fail_without_a_traceback(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
    env = {
        "RELAIS_DATABASE_URL": "postgresql+psycopg://relais:secret@127.0.0.1:9/relais",
        "RELAIS_TELEGRAM_TOKEN": TOKEN,
        "RELAIS_TELEGRAM_API_URL": f"{closed}/bot",
        "RELAIS_TELEGRAM_WEBHOOK_SECRET": "s3cret-token",
        "RELAIS_PUBLIC_URL": closed,
    }

    result = runner_for(env)("doctor")

    assert result.exit_code == 1
    found = lines(result.output)
    assert found["database"].startswith("FAIL") and "secret" not in result.output
    assert found["migrations"].startswith("SKIP")
    assert found["telegram"].startswith("FAIL") and "cannot be reached" in found["telegram"]
    assert TOKEN not in result.output
    assert found["public url"].startswith("FAIL")
    assert "Traceback" not in result.output


def test_an_old_sqlite_file_is_a_warning_and_a_server_database_a_failure(
    tmp_path: Path,
) -> None:
    env = {"RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    (tmp_path / "empty.db").touch()

    result = runner_for(env)("doctor")

    assert result.exit_code == 0, result.output
    assert lines(result.output)["migrations"].startswith("WARN")
    assert lines(result.output)["telegram"].startswith("SKIP")


def test_http_public_url_with_webhooks_fails(
    sqlite_url: str, api: FakeBotApi, twilio: FakeTwilio
) -> None:
    env = everything(sqlite_url, api, twilio, "http://relais.example.org")

    result = runner_for(env)("doctor")

    assert result.exit_code == 1
    assert "not HTTPS" in lines(result.output)["public url"]


def test_invalid_settings_are_one_failure_line() -> None:
    result = runner_for({"RELAIS_TELEGRAM_WEBHOOK_SECRET": "has spaces!"})("doctor")

    assert result.exit_code == 1
    assert result.output.startswith("FAIL  settings:")
    assert "RELAIS_TELEGRAM_WEBHOOK_SECRET" in result.output
