"""What the dispatcher hands a channel, and what the channel answers."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.domain import Channel, ContactKind

# Bulk sends keep a fifth of the channel's rate free, so that replies to people chatting
# (sent by the channel itself, with its own limiter) never wait behind a campaign.
BULK_SHARE = 0.8


class Outcome(StrEnum):
    """How one delivery attempt ended."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Recipient:
    """One contact of a run, as the channel needs it."""

    contact_id: int
    channel: Channel
    address: str
    kind: ContactKind
    locale: str | None
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class CampaignMessage:
    """The text for the recipient's language, and the template for outside WhatsApp's window."""

    text: str
    template_id: str | None = None
    template_variables: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A channel's answer: sent, to retry (after `retry_after` seconds), failed or skipped."""

    outcome: Outcome
    reason: str | None = None
    retry_after: float | None = None
    outbound_id: int | None = None


class BulkSender(Protocol):
    """A channel able to deliver campaign messages at its own pace."""

    channel: Channel
    rate: float

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        """Send one campaign message; never raise for provider errors, answer a Delivery."""
        ...

    async def aclose(self) -> None:
        """Release connections once the campaign work is over."""
        ...
