"""The channels able to deliver campaigns, from the settings."""

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns.delivery import BulkSender
from bot.core.messages import Channel
from bot.settings import Settings


def build_senders(settings: Settings, database: DatabaseEngine) -> dict[Channel, BulkSender]:
    """Return a bulk sender for each channel whose credentials are configured."""
    senders: dict[Channel, BulkSender] = {}
    return senders
