"""What became of one message a channel sent: the record every channel keeps."""

from dataclasses import dataclass

from bot.domain import DeliveryStatus


@dataclass(frozen=True, slots=True)
class SentMessage:
    """The provider's id and status of one message, or why it was not sent."""

    status: DeliveryStatus
    provider_id: str | None = None
    error_code: str | None = None
    error_reason: str | None = None
