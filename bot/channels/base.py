"""What every messaging channel plugged into the server provides, and what it is given."""

from typing import Protocol

from sqlalchemy.engine import Engine as DatabaseEngine
from starlette.routing import BaseRoute

from bot.campaigns.delivery import BulkSender
from bot.core.engine import Engine
from bot.domain import Channel
from bot.settings import Settings


class ChannelAdapter(Protocol):
    """A provider channel: its webhook routes, and what runs while the server is up."""

    def routes(self) -> list[BaseRoute]:
        """Return the HTTP routes the provider calls (webhooks, status callbacks)."""
        ...

    async def start(self) -> None:
        """Start background work (polling, webhook registration) once the server is up."""
        ...

    async def stop(self) -> None:
        """Stop background work and release connections."""
        ...


class Runtime(Protocol):
    """What the application builder hands a channel: settings, database, engine, senders."""

    @property
    def settings(self) -> Settings:
        """Return the deployment's settings."""
        ...

    @property
    def database(self) -> DatabaseEngine:
        """Return the database connections."""
        ...

    @property
    def engine(self) -> Engine:
        """Return the conversation engine."""
        ...

    def new_bulk_senders(self) -> dict[Channel, BulkSender]:
        """Return fresh campaign senders of every configured channel (the caller closes them)."""
        ...
