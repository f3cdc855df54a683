"""What Twilio's error codes and message statuses mean for the sender, and the words recorded."""

from enum import IntEnum, StrEnum

from bot.domain import DeliveryStatus

WHATSAPP_PREFIX = "whatsapp:"


class TwilioError(IntEnum):
    """The Twilio error codes the sender acts on."""

    OPTED_OUT = 21610
    OUTSIDE_WINDOW = 63016
    CHANNEL_RATE_LIMIT = 63018
    TOO_MANY_REQUESTS = 20429
    CONTENT_SID_INVALID = 21655
    CONTENT_VARIABLES_INVALID = 21656


RATE_LIMITS = frozenset({TwilioError.CHANNEL_RATE_LIMIT, TwilioError.TOO_MANY_REQUESTS})


class Reason(StrEnum):
    """Why a message was not sent or failed, as recorded for staff."""

    OPTED_OUT = "opted out: nothing is sent until the contact subscribes again"
    OUTSIDE_WINDOW = "outside the 24-hour window: template needed"
    RATE_LIMITED = "rate limited: sent again later"
    GAVE_UP = "rate limited: gave up after several attempts"
    UNREACHABLE = "Twilio could not be reached"
    NOT_WHATSAPP = "not a WhatsApp contact"


REASON_OF_CODE: dict[int, Reason] = {
    TwilioError.OPTED_OUT: Reason.OPTED_OUT,
    TwilioError.OUTSIDE_WINDOW: Reason.OUTSIDE_WINDOW,
    TwilioError.CHANNEL_RATE_LIMIT: Reason.RATE_LIMITED,
    TwilioError.TOO_MANY_REQUESTS: Reason.RATE_LIMITED,
}

# Twilio's message statuses; the ones before "queued" in our scale count as queued.
STATUSES = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
GONE = frozenset({DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED})


def parse_code(code: object) -> int | None:
    """Return a Twilio error code as a number; None when absent or not a number."""
    text = str(code) if code is not None else ""
    return int(text) if text.isdecimal() else None
