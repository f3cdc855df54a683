"""Channel adapters: each turns provider input into Incoming and sends Outgoing back."""

from bot.channels.base import ChannelAdapter, Runtime

__all__ = ["ChannelAdapter", "Runtime"]
