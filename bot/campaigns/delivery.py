"""What the dispatcher hands a channel, and what the channel answers."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

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


@runtime_checkable
class Reconciling(Protocol):
    """A channel whose provider keeps a log of what it accepted, so a cut-off send can be checked.

    Without it (Telegram) a row found "sending" after a crash stays unsure; with it, the row
    is looked up in the provider's log and marked sent, or sent now.
    """

    async def reconcile(
        self, recipient: Recipient, message: CampaignMessage, since: datetime
    ) -> Delivery | None:
        """Say what became of a send cut off at `since`.

        A Delivery if the provider has it (sent, with the message recorded) or if what was
        missing of it was sent now; None if the provider never got it, for the caller to send
        it. Provider errors are not raised: they answer a Delivery to retry.
        """
        ...
