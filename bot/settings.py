"""Typed settings read from the environment (prefix RELAIS_) and a `.env` file."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain import Locale
from bot.errors import RelaisError
from bot.timezones import TimeZoneName, check_timezone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A checkout keeps content/ and locales/ beside the code; an installed wheel inside bot/data.
DATA_ROOT = PROJECT_ROOT if (PROJECT_ROOT / "content").is_dir() else Path(__file__).parent / "data"
# Telegram refuses any other secret token.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _sqlite_in(data_dir: Path, url: str) -> str:
    """Put a relative SQLite file inside data_dir; any other URL is returned as given."""
    if data_dir == Path() or not url.startswith("sqlite"):
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(data_dir / database)).render_as_string(hide_password=False)


def _pack_timezone(content_dir: Path, country: str) -> str | None:
    """Read the time zone a country's pack.yml names, if it can be read (else the default).

    Only this key is read here: the whole pack is validated by the app factory, which says what
    is wrong with it.
    """
    import yaml

    try:
        text = (content_dir / country / "pack.yml").read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml.CSafeLoader)  # the C parser: read on every start
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    zone = data.get("timezone") if isinstance(data, dict) else None
    if not isinstance(zone, str):
        return None
    try:
        return check_timezone(zone)
    except ValueError:
        return None


class SettingsError(RelaisError, ValueError):
    """Settings that cannot run together; the message names the variable to change."""


class Settings(BaseSettings):
    """Everything that can change between deployments; built by the app factory, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="RELAIS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///relais.db"
    country: str = "ga"
    default_locale: Locale = Locale.FR
    timezone: TimeZoneName = "Africa/Libreville"

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: SecretStr | None = None
    public_url: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    twilio_content_api_url: str = "https://content.twilio.com"
    # Choices sent as WhatsApp buttons and lists (Content API); off: numbered text only.
    whatsapp_interactive: bool = True

    # Read by the command line before the settings (bot.logs); here so that it is checked.
    log_format: Literal["text", "json"] = "text"
    # Signs the web chat's session cookies; unset, a key is kept in the cache directory.
    secret_key: SecretStr | None = None
    rasa_url: str | None = None
    staff_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # A Telegram chat (a staff group, or one person's chat with the bot) told of every new
    # request to talk to a person, in RELAIS_DEFAULT_LOCALE.
    staff_telegram_chat_id: int | None = None
    # Approved WhatsApp templates (Content SIDs) per language, "fr=HX...,en=HX...", whose one
    # variable {{1}} carries a staff notice to a person whose 24-hour window has closed.
    whatsapp_notice_templates: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    telegram_rate: float = 30.0
    whatsapp_rate: float = 80.0
    # How long a campaign dispatcher holds rows before another may take them over (it died).
    campaign_lease_seconds: float = 120.0
    # How long the messages of a conversation are kept for staff to read in the console.
    message_retention_days: int = Field(default=90, ge=1)
    # Campaign sends of one channel between their "sending" mark and their written result:
    # what a crash can leave unsure at most on a channel without a log to ask (Telegram).
    campaign_in_flight: int = Field(default=8, ge=1, le=256)

    # Where the SQLite file, the caches and the exports go; relative paths in the settings
    # below (and a relative SQLite file) are taken inside it.
    data_dir: Path = Path()
    content_dir: Path = DATA_ROOT / "content"
    locales_dir: Path = DATA_ROOT / "locales"
    nlu_data_dir: Path = PROJECT_ROOT / "nlu" / "data"
    cache_dir: Path = Path(".cache")

    @field_validator("staff_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @field_validator("staff_telegram_chat_id", mode="before")
    @classmethod
    def _no_chat_when_empty(cls, value: object) -> object:
        # Compose passes an unset variable as an empty string.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("whatsapp_notice_templates", mode="before")
    @classmethod
    def _split_templates(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [part.split("=", 1) for part in value.replace(" ", "").split(",") if part]
            if any(len(pair) != 2 or not all(pair) for pair in pairs):
                msg = "RELAIS_WHATSAPP_NOTICE_TEMPLATES is written fr=HX...,en=HX..."
                raise SettingsError(msg)
            return {language: sid for language, sid in pairs}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if "timezone" not in self.model_fields_set:
            # Unset, the time zone is the country's: Algiers for Algeria, Libreville for Gabon.
            self.timezone = _pack_timezone(self.content_dir, self.country) or self.timezone
        self.cache_dir = self.in_data_dir(self.cache_dir)
        self.database_url = _sqlite_in(self.data_dir, self.database_url)
        self.check()
        return self

    def in_data_dir(self, path: Path) -> Path:
        """Return a path as given when absolute, else inside RELAIS_DATA_DIR."""
        return path if path.is_absolute() else self.data_dir / path

    def check(self) -> None:
        """Refuse settings that cannot work together (also after `model_copy`, which skips it)."""
        secret = self.secret("telegram_webhook_secret")
        if secret is not None and not WEBHOOK_SECRET_PATTERN.fullmatch(secret):
            msg = (
                "RELAIS_TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters among A-Z, a-z, "
                "0-9, _ and - (Telegram refuses any other)"
            )
            raise SettingsError(msg)
        if self.whatsapp_enabled and not self.public_url:
            msg = (
                "WhatsApp needs RELAIS_PUBLIC_URL, the public HTTPS address Twilio calls: "
                "Twilio's signatures are computed on it, so without it every webhook would be "
                "refused. Set it, e.g. RELAIS_PUBLIC_URL=https://relais.example.org"
            )
            raise SettingsError(msg)
        if self.whatsapp_enabled and not self.twilio_whatsapp_from:
            msg = (
                "WhatsApp needs RELAIS_TWILIO_WHATSAPP_FROM, the sender "
                "(e.g. whatsapp:+14155238886)"
            )
            raise SettingsError(msg)

    def secret(self, name: str) -> str | None:
        """Return a secret setting's value, or None when it is not set (or empty)."""
        value = getattr(self, name)
        if value is None:
            return None
        plain = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        return plain or None

    @property
    def telegram_enabled(self) -> bool:
        """Tell whether a Telegram token is set."""
        return self.secret("telegram_token") is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """Tell whether the Twilio credentials are set."""
        return bool(self.twilio_account_sid) and self.secret("twilio_auth_token") is not None

    @property
    def message_retention(self) -> timedelta:
        """Return how long the messages of a conversation are kept."""
        return timedelta(days=self.message_retention_days)

    @property
    def nlu_cache_dir(self) -> Path:
        """Return where the trained NLU model is kept: one folder per country's pack.

        The model is trained with the pack's facts, and a new model replaces the older ones
        of its folder: two countries in one cache would each throw the other's away.
        """
        return self.cache_dir / "nlu" / self.country

    @property
    def tz(self) -> ZoneInfo:
        """Return the time zone used for schedules and the dates shown."""
        return ZoneInfo(self.timezone)
