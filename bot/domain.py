"""The vocabulary every layer shares: channels, flows, topics, kinds and states, by value."""

from enum import StrEnum


class OrgType(StrEnum):
    """The five kinds of social-economy organisation the bot explains."""

    ASSOCIATION = "association"
    NGO = "ngo"
    COOPERATIVE = "cooperative"
    MUTUAL = "mutual"
    FOUNDATION = "foundation"


class CoopForm(StrEnum):
    """The two OHADA cooperative forms."""

    SCOOPS = "scoops"
    COOP_CA = "coop_ca"


class Scope(StrEnum):
    """How far an organisation reaches, where a country's law sets founders by it (Algeria)."""

    COMMUNAL = "communal"
    WILAYA = "wilaya"
    INTER_WILAYA = "inter_wilaya"
    NATIONAL = "national"


class Locale(StrEnum):
    """Languages a contact can choose."""

    FR = "fr"
    EN = "en"
    AR = "ar"


class FaqTopic(StrEnum):
    """Questions answered from the content pack's FAQ."""

    ABOUT_ESS = "about_ess"
    ABOUT_DGES = "about_dges"
    FUNDING = "funding"
    EVENTS = "events"
    FAIR_TRADE = "fair_trade"
    WHERE_TO_FILE = "where_to_file"
    DATA_PROTECTION = "data_protection"
    HANDOFF = "handoff"


class Channel(StrEnum):
    """Where a conversation takes place."""

    CONSOLE = "console"
    WEB = "web"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"


class Flow(StrEnum):
    """Which conversation a contact is in."""

    IDLE = "idle"
    GUIDE = "guide"
    DECISION = "decision"
    PREREGISTRATION = "preregistration"
    LANGUAGE = "language"
    DATA_DELETION = "data_deletion"
    HANDOFF = "handoff"
    CONSULTATION = "consultation"


class Topic(StrEnum):
    """What a subscriber wants to hear about."""

    NEWS = "news"
    EVENTS = "events"
    FAIR_TRADE = "fair_trade"


class RegistrationStatus(StrEnum):
    """Where a pre-registration stands in the directorate's review."""

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    NEEDS_INFORMATION = "needs_information"
    APPROVED = "approved"
    REJECTED = "rejected"


class ContactKind(StrEnum):
    """A person, or a community group that receives reminders."""

    PERSON = "person"
    GROUP = "group"


class DeliveryStatus(StrEnum):
    """Where an outgoing message stands, as the provider last reported it."""

    PENDING = "pending"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    SKIPPED = "skipped"


class HandoffStatus(StrEnum):
    """Whether staff have taken up a request for a person."""

    OPEN = "open"
    # A member of staff answers the contact from the console; the bot stays silent.
    TAKEN = "taken"
    CLOSED = "closed"


class CampaignState(StrEnum):
    """The life of a campaign."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    """Where one recipient of a campaign run stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    # Cut off while sending on a channel with no log to ask: it may or may not have arrived.
    UNSURE = "unsure"


# A campaign message not done with yet: waiting, taken by a dispatcher, or on its way.
OUTBOX_UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)


class EventKind(StrEnum):
    """What kind of gathering an event is."""

    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TRAINING = "training"
    QUARTERLY_MEETING = "quarterly_meeting"


class EventState(StrEnum):
    """Whether an event still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AttendanceStatus(StrEnum):
    """A contact's place at an event."""

    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    """Where a received provider update stands: written down, being handled, or handled."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


class ReplyStatus(StrEnum):
    """Where a reply committed with its turn stands on its way to the person."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class WhatsAppContentKind(StrEnum):
    """The Twilio Content API types Relais creates for choices a person taps."""

    QUICK_REPLY = "twilio/quick-reply"
    LIST_PICKER = "twilio/list-picker"


class StaffRole(StrEnum):
    """What a member of staff may do in the console."""

    # Registrations and conversations.
    AGENT = "agent"
    # Also campaigns, events, contacts import and accounts.
    ADMIN = "admin"


class MessageDirection(StrEnum):
    """Whether a stored conversation message came from the contact or went to them."""

    IN = "in"
    OUT = "out"


class ConsultationState(StrEnum):
    """Where a consultation stands: prepared, open to answers, or closed."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    """The kinds of question a consultation asks."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"
    RATING = "rating"
    FREE_TEXT = "free_text"
    # A document (or its summary) sent in parts, each open to a comment.
    COMMENT = "comment"
