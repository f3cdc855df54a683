"""Typed settings read from the environment (prefix RELAIS_) and a `.env` file."""

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain import Locale
from bot.timezones import TimeZoneName

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything that can change between deployments; built by the app factory, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="RELAIS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///relais.db"
    country: str = "ga"
    default_locale: Locale = Locale.FR
    timezone: TimeZoneName = "Africa/Libreville"

    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: str | None = None
    public_url: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"

    rasa_url: str | None = None
    staff_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_rate: float = 30.0
    whatsapp_rate: float = 80.0
    # How long a campaign dispatcher holds rows before another may take them over (it died).
    campaign_lease_seconds: float = 120.0

    content_dir: Path = PROJECT_ROOT / "content"
    locales_dir: Path = PROJECT_ROOT / "locales"
    nlu_data_dir: Path = PROJECT_ROOT / "nlu" / "data"
    cache_dir: Path = Path(".cache")

    @field_validator("staff_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @property
    def tz(self) -> ZoneInfo:
        """Return the time zone used for schedules and the dates shown."""
        return ZoneInfo(self.timezone)
