"""What every messaging channel plugged into the server provides."""

from typing import Protocol

from starlette.routing import BaseRoute


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
