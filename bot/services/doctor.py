"""`relais doctor`: is this deployment ready? One verdict per check, without changing anything.

The providers are asked with their own documented read-only calls, at the configured API
URLs: Telegram's `getMe`, Twilio's account fetch. No message is sent, no webhook is set.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Verdict(StrEnum):
    """How one check ended: fine, worth a look, or something that stops the deployment."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    """The result of one check, with what to do about it in `detail`."""

    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        """Return the check as one line: verdict, name, detail."""
        return f"{self.verdict.value.upper():4}  {self.name}: {self.detail}"


def run_checks(settings: "Settings", *, client: httpx.Client | None = None) -> Iterator[Check]:
    """Check the deployment's parts in order; each check runs even when another failed."""
    # httpx logs each request's URL at INFO level, and Telegram's holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    owned = client is None
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        yield _settings_summary(settings)
        checks: list[Callable[[], Check]] = [
            lambda: _content(settings),
            *_database(settings),
            lambda: _telegram(settings, http),
            lambda: _whatsapp(settings, http),
            lambda: _public_url(settings, http),
        ]
        for check in checks:
            yield check()
    finally:
        if owned:
            http.close()


def _settings_summary(settings: "Settings") -> Check:
    channels = [
        name
        for name, enabled in (
            ("telegram", settings.telegram_enabled),
            ("whatsapp", settings.whatsapp_enabled),
        )
        if enabled
    ]
    from sqlalchemy.engine import make_url

    backend = make_url(settings.database_url).get_backend_name()
    mode = ""
    if settings.telegram_enabled:
        webhook = settings.secret("telegram_webhook_secret") is not None
        mode = ", Telegram by webhook" if webhook else ", Telegram by long polling"
    return Check(
        "settings",
        Verdict.OK,
        f"country {settings.country}, database {backend}, data in {settings.data_dir.resolve()}, "
        f"channels: {', '.join(['web', *channels])}{mode}",
    )


def _content(settings: "Settings") -> Check:
    from bot.content import load_pack
    from bot.errors import RelaisError

    try:
        pack = load_pack(settings.content_dir, settings.country)
    except RelaisError as error:
        return Check("content", Verdict.FAIL, str(error).splitlines()[0])
    return Check(
        "content", Verdict.OK, f"pack {settings.country}: {len(pack.procedures)} procedures"
    )


def _database(settings: "Settings") -> list[Callable[[], Check]]:
    """Return the database and migration checks, which share one engine."""
    from sqlalchemy.engine import make_url

    from bot.storage.database import (
        check_connection,
        create_db_engine,
        current_revisions,
        migration_heads,
    )

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    state: dict[str, Any] = {}

    def reach() -> Check:
        try:
            engine = create_db_engine(settings.database_url)
            check_connection(engine)
        except Exception as error:  # the driver's own message says why
            return Check("database", Verdict.FAIL, f"{shown} does not answer: {_first_line(error)}")
        state["engine"] = engine
        return Check("database", Verdict.OK, f"{shown} answers")

    def migrations() -> Check:
        engine = state.get("engine")
        if engine is None:
            return Check("migrations", Verdict.SKIP, "the database does not answer")
        try:
            current, heads = current_revisions(engine), migration_heads()
        finally:
            engine.dispose()
        if current == heads:
            return Check("migrations", Verdict.OK, f"at the latest revision {_names(heads)}")
        at = _names(current) if current else "no migration applied"
        if engine.dialect.name == "sqlite":
            return Check(
                "migrations",
                Verdict.WARN,
                f"{at}, latest {_names(heads)}: SQLite is brought up to date at start-up",
            )
        return Check(
            "migrations",
            Verdict.FAIL,
            f"{at}, latest {_names(heads)}: run `relais db upgrade` before starting",
        )

    return [reach, migrations]


def _telegram(settings: "Settings", http: httpx.Client) -> Check:
    token = settings.secret("telegram_token")
    if token is None:
        return Check("telegram", Verdict.SKIP, "RELAIS_TELEGRAM_TOKEN is not set")
    try:
        response = http.get(f"{settings.telegram_api_url}{token}/getMe")
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        # Never the URL: it holds the token.
        return Check(
            "telegram",
            Verdict.FAIL,
            f"{settings.telegram_api_url} cannot be reached ({type(error).__name__})",
        )
    if response.status_code == 200 and isinstance(body, dict) and body.get("ok"):
        user = body.get("result") or {}
        return Check("telegram", Verdict.OK, f"the token is @{user.get('username')}'s")
    description = body.get("description") if isinstance(body, dict) else None
    return Check(
        "telegram",
        Verdict.FAIL,
        f"Telegram refused the token ({response.status_code} {description or ''}".rstrip()
        + "): check RELAIS_TELEGRAM_TOKEN with @BotFather",
    )


def _whatsapp(settings: "Settings", http: httpx.Client) -> Check:
    if not settings.whatsapp_enabled:
        return Check(
            "whatsapp",
            Verdict.SKIP,
            "RELAIS_TWILIO_ACCOUNT_SID and RELAIS_TWILIO_AUTH_TOKEN are not set",
        )
    sid = settings.twilio_account_sid or ""
    url = f"{settings.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/{sid}.json"
    try:
        response = http.get(url, auth=(sid, settings.secret("twilio_auth_token") or ""))
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return Check(
            "whatsapp",
            Verdict.FAIL,
            f"{settings.twilio_api_url} cannot be reached ({type(error).__name__})",
        )
    if response.status_code != 200 or not isinstance(body, dict):
        code = body.get("code") if isinstance(body, dict) else None
        return Check(
            "whatsapp",
            Verdict.FAIL,
            f"Twilio refused the credentials ({response.status_code}, error {code}): check "
            "RELAIS_TWILIO_ACCOUNT_SID and RELAIS_TWILIO_AUTH_TOKEN",
        )
    if body.get("status") != "active":
        return Check("whatsapp", Verdict.FAIL, f"the Twilio account is {body.get('status')}")
    return Check(
        "whatsapp",
        Verdict.OK,
        f"Twilio account {body.get('friendly_name')!r} is active, "
        f"sending from {settings.twilio_whatsapp_from}",
    )


def _public_url(settings: "Settings", http: httpx.Client) -> Check:
    webhook = settings.telegram_enabled and settings.secret("telegram_webhook_secret") is not None
    needed = webhook or settings.whatsapp_enabled
    if not settings.public_url:
        if webhook:
            return Check(
                "public url",
                Verdict.FAIL,
                "Telegram's webhook mode needs RELAIS_PUBLIC_URL, the HTTPS address Telegram calls",
            )
        return Check("public url", Verdict.SKIP, "not set (no webhook needs it)")
    parts = urlsplit(settings.public_url)
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        verdict = Verdict.FAIL if needed else Verdict.WARN
        return Check(
            "public url",
            verdict,
            f"{settings.public_url} is not HTTPS: Telegram and Twilio call HTTPS addresses only",
        )
    health = f"{settings.public_url.rstrip('/')}/healthz"
    try:
        response = http.get(health)
        status = response.json().get("status") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError) as error:
        return Check(
            "public url",
            Verdict.FAIL if needed else Verdict.WARN,
            f"{health} cannot be reached from here ({type(error).__name__}): check the DNS, "
            "the reverse proxy and its certificate",
        )
    if status != "ok":
        return Check(
            "public url",
            Verdict.FAIL if needed else Verdict.WARN,
            f"{health} answers {response.status_code}, not Relais's health check",
        )
    return Check("public url", Verdict.OK, f"{health} answers: this server is reachable")


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
