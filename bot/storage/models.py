"""Database tables. Every datetime is aware UTC; every state is an enum stored by value."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from bot.domain import (
    AttendanceStatus,
    CampaignState,
    Channel,
    ConsultationState,
    ContactKind,
    CoopForm,
    DeliveryStatus,
    EventKind,
    EventState,
    Flow,
    HandoffStatus,
    InboxStatus,
    MessageDirection,
    OrgType,
    OutboxStatus,
    QuestionKind,
    RegistrationStatus,
    ReplyStatus,
    Scope,
    StaffRole,
    Topic,
    WhatsAppContentKind,
)
from bot.storage.types import UTCDateTime, enum_column, utcnow


class Table(SQLModel):
    """The base of every table: its validation schema is built on first use, not at import.

    Rows are built from the database or by the code, never validated at start; building 28
    schemas up front cost every command's start about 30 ms.
    """

    # SQLModel types its config with a class of a private module; the keys are pydantic's.
    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


class Contact(Table, table=True):
    """A person (or a group) reachable on one channel."""

    __table_args__ = (sa.UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_column(Channel))
    address: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=120)
    locale: str | None = Field(default=None, max_length=8)
    locale_hint: str | None = Field(default=None, max_length=16)
    kind: ContactKind = Field(
        default=ContactKind.PERSON,
        sa_type=enum_column(ContactKind),
        sa_column_kwargs={"server_default": ContactKind.PERSON.value},
    )
    created_at: datetime = _created()
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    province: str | None = Field(default=None, max_length=40)
    # Set when the provider says the contact is gone (blocked the bot, opted out, left
    # the group): nothing is sent to it until it writes again.
    opted_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(Table, table=True):
    """Where a contact is in a conversation: the flow, its step and the answers so far."""

    contact_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    flow: Flow = Field(default=Flow.IDLE, sa_type=enum_column(Flow))
    step: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    misunderstandings: int = 0
    updated_at: datetime = _created()


class ProcessedMessage(Table, table=True):
    """A provider message id already handled, so provider retries are answered once."""

    channel: Channel = Field(sa_type=enum_column(Channel), primary_key=True)
    message_id: str = Field(primary_key=True, max_length=128)
    # Whose message it was, so that "delete my data" can take its ids away too.
    address: str | None = Field(default=None, max_length=64, index=True)
    processed_at: datetime = _created()


class Subscription(Table, table=True):
    """A contact's opt-in to one topic."""

    contact_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    topic: Topic = Field(sa_type=enum_column(Topic), primary_key=True)
    created_at: datetime = _created()


class ReferenceCounter(Table, table=True):
    """The last registration number handed out, per prefix and year."""

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last: int = 0


class Registration(Table, table=True):
    """A pre-registration of a new organisation, as the citizen confirmed it."""

    __table_args__ = (sa.Index("ix_registration_duplicate", "name_key", "province"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=24, unique=True)
    contact_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True),
    )
    status: RegistrationStatus = Field(
        default=RegistrationStatus.RECEIVED, sa_type=enum_column(RegistrationStatus)
    )
    org_type: OrgType = Field(sa_type=enum_column(OrgType))
    coop_form: CoopForm | None = Field(default=None, sa_type=enum_column(CoopForm))
    # The reach the founders were counted for, where the country's law sets them by it.
    scope: Scope | None = Field(default=None, sa_type=enum_column(Scope))
    name: str | None = Field(default=None, max_length=160)
    name_key: str | None = Field(default=None, max_length=160)
    acronym: str | None = Field(default=None, max_length=32)
    sector: str = Field(max_length=32)
    province: str = Field(max_length=40)
    town: str | None = Field(default=None, max_length=80)
    founders: int
    contact_name: str | None = Field(default=None, max_length=120)
    contact_role: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    channel: Channel = Field(sa_type=enum_column(Channel))
    possible_duplicate_of: str | None = Field(default=None, max_length=24)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What staff told the citizen with the last status change ("où en est mon dossier ?").
    status_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class HandoffRequest(Table, table=True):
    """A person asked to talk to a member of staff."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    status: HandoffStatus = Field(default=HandoffStatus.OPEN, sa_type=enum_column(HandoffStatus))
    reason: str = Field(max_length=40)
    last_message: str | None = Field(default=None, max_length=500)
    # The member of staff answering the contact from the console while the request is taken.
    taken_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("staffaccount.id", ondelete="SET NULL")),
    )
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()


class OutboundMessage(Table, table=True):
    """One message sent (or refused) to a contact, with what the provider said of it."""

    __table_args__ = (sa.Index("ix_outboundmessage_provider", "channel", "provider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="SET NULL"), index=True),
    )
    channel: Channel = Field(sa_type=enum_column(Channel))
    provider_id: str | None = Field(default=None, max_length=64)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_column(DeliveryStatus)
    )
    error_code: str | None = Field(default=None, max_length=16)
    error_reason: str | None = Field(default=None, max_length=200)
    template_id: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, max_length=4096)
    # How many times this text was already sent again after a refusal for the sender's rate
    # (0 for a first send): bounds the resends across restarts.
    resends: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Campaign(Table, table=True):
    """A message staff send to an audience, now, once later, or on a recurring schedule."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    messages: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    # Per language: {"content_sid": "HX...", "variables": {...}} for WhatsApp outside 24 h.
    templates: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    audience: str = Field(default="all", max_length=500)
    schedule: str = Field(default="now", max_length=120)
    state: CampaignState = Field(default=CampaignState.DRAFT, sa_type=enum_column(CampaignState))
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class CampaignRun(Table, table=True):
    """One sending of a campaign (a recurring campaign has one per occurrence)."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    test_address: str | None = Field(default=None, max_length=64)
    materialised: bool = False
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()


class OutboxItem(Table, table=True):
    """One recipient of one run: the unique key is what makes every send happen once."""

    __table_args__ = (
        sa.UniqueConstraint("run_id", "contact_id"),
        sa.Index("ix_outboxitem_claim", "run_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("campaignrun.id", ondelete="CASCADE"), nullable=False)
    )
    contact_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="SET NULL"))
    )
    channel: Channel = Field(sa_type=enum_column(Channel))
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=enum_column(OutboxStatus))
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the last send left, kept until its result is written: a row still carrying it
    # was cut off mid-send, and the provider's log is searched from this moment.
    sending_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outbound_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("outboundmessage.id", ondelete="SET NULL")),
    )
    error: str | None = Field(default=None, max_length=200)
    updated_at: datetime = _created()


class Event(Table, table=True):
    """A seminar, workshop, training or meeting people can register for."""

    id: int | None = Field(default=None, primary_key=True)
    kind: EventKind = Field(sa_type=enum_column(EventKind))
    title: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    description: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    place: str = Field(max_length=200)
    province: str | None = Field(default=None, max_length=40)
    capacity: int | None = None
    audience: str = Field(default="all topic=events groups", max_length=500)
    # Minutes before the start at which reminders go out.
    reminder_offsets: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    state: EventState = Field(default=EventState.SCHEDULED, sa_type=enum_column(EventState))
    # The series a recurring event belongs to (a quarterly meeting in a rotating place).
    series: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class EventAttendance(Table, table=True):
    """A contact registered for an event, or waiting for a place."""

    __table_args__ = (sa.UniqueConstraint("event_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    )
    contact_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    status: AttendanceStatus = Field(sa_type=enum_column(AttendanceStatus))
    created_at: datetime = _created()


class EventReminder(Table, table=True):
    """One reminder of an event; `done_at` is set once sent (as a campaign) or dropped."""

    __table_args__ = (sa.UniqueConstraint("event_id", "offset_minutes"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    )
    offset_minutes: int
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    campaign_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("campaign.id", ondelete="SET NULL"))
    )
    dropped: bool = False
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Tally(Table, table=True):
    """An anonymous running count kept after personal data is deleted."""

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class InboxItem(Table, table=True):
    """A provider update written down before it is acknowledged, handled once, in order.

    `body` is what the provider sent (a Telegram update, Twilio's form fields); `conversation`
    is the chat or number it belongs to, so that one person's messages are handled in order.
    """

    __table_args__ = (
        sa.UniqueConstraint("channel", "message_id"),
        sa.Index("ix_inboxitem_claim", "channel", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_column(Channel))
    message_id: str = Field(max_length=128)
    conversation: str = Field(max_length=64)
    body: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: InboxStatus = Field(default=InboxStatus.PENDING, sa_type=enum_column(InboxStatus))
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)
    received_at: datetime = _created()
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReplyItem(Table, table=True):
    """A reply committed in the same transaction as the turn that wrote it, sent afterwards.

    A crash between the commit and the send delays the reply and never drops it; `message_id`
    ties it to the incoming message, so that a provider's retry re-sends only what is unsent.
    """

    __table_args__ = (
        sa.Index("ix_replyitem_claim", "channel", "status", "id"),
        sa.Index("ix_replyitem_message", "channel", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_column(Channel))
    address: str = Field(max_length=64)
    contact_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="CASCADE"))
    )
    message_id: str | None = Field(default=None, max_length=128)
    position: int = 0
    # A whole reply: the channel splits it to its provider's size when it sends it.
    text: str = Field(sa_type=sa.Text)
    choices: list[list[str]] = Field(default_factory=list, sa_type=sa.JSON)
    # What the channel needs to send it as a reply (a group message to answer, a thread).
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: ReplyStatus = Field(default=ReplyStatus.PENDING, sa_type=enum_column(ReplyStatus))
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WhatsAppContent(Table, table=True):
    """Choices to tap on WhatsApp, created once through Twilio's Content API, reused by SID.

    Keyed by a hash of what was created (type, language, buttons; the text is a variable), so
    the same buttons are never created twice, even across restarts. A content the API refused
    for good keeps its refusal: those choices go out as numbered text without asking again.
    """

    __table_args__ = (sa.UniqueConstraint("content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64)
    kind: WhatsAppContentKind = Field(sa_type=enum_column(WhatsAppContentKind))
    language: str = Field(max_length=8)
    content_sid: str | None = Field(default=None, max_length=34)
    refused: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()


class ConversationMessage(Table, table=True):
    """One message of a conversation, in or out, kept for staff for a limited time."""

    __table_args__ = (sa.Index("ix_conversationmessage_contact", "contact_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False)
    )
    direction: MessageDirection = Field(sa_type=enum_column(MessageDirection))
    text: str = Field(sa_type=sa.Text)
    # The member of staff who wrote an outgoing message; None for the bot's own replies.
    staff_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("staffaccount.id", ondelete="SET NULL")),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class StaffAccount(Table, table=True):
    """A member of the directorate's staff who signs in to the console."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    role: StaffRole = Field(sa_type=enum_column(StaffRole))
    # An argon2id hash in PHC string format; the password itself is never stored.
    password_hash: str = Field(max_length=200)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()


class StaffSession(Table, table=True):
    """A signed-in console session; the cookie carries the id, the table only its hash."""

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("staffaccount.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class AuditEntry(Table, table=True):
    """One staff action: who did what to which record, and when."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("staffaccount.id", ondelete="SET NULL"), index=True),
    )
    # Kept as written so the entry still names the person after the account is gone.
    actor: str = Field(max_length=254)
    action: str = Field(max_length=40)
    record_type: str | None = Field(default=None, max_length=40)
    record_id: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Consultation(Table, table=True):
    """Questions staff put to an audience between an opening and a closing date.

    Texts are per language ({"fr": ..., "en": ..., "ar": ...}, French required). An anonymous
    consultation stores its answers without the contact (see ConsultationResponse).
    """

    id: int | None = Field(default=None, primary_key=True)
    title: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    # Why staff ask: the heart of the introduction, framed by a translated template.
    intro: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    # Who asks (a directorate, a service); the introduction names it.
    asked_by: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    # What happens with the answers.
    use_of_answers: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    audience: str = Field(default="all", max_length=500)
    # Per language: {"content_sid": "HX...", "variables": {...}} for WhatsApp outside 24 h.
    templates: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    anonymous: bool = False
    state: ConsultationState = Field(
        default=ConsultationState.DRAFT, sa_type=enum_column(ConsultationState)
    )
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The campaign that carried the invitation, once sent.
    campaign_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("campaign.id", ondelete="SET NULL"))
    )
    # The last invitation sent to one staff contact to try the consultation before it opens.
    test_campaign_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("campaign.id", ondelete="SET NULL"))
    )
    # The one reminder to those who have not answered: due, then done (sent or dropped).
    reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reminder_done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_campaign_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.ForeignKey("campaign.id", ondelete="SET NULL"))
    )
    # Results staff publish to the respondents, per language; shown at the end once set.
    results: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    results_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ConsultationQuestion(Table, table=True):
    """One question of a consultation, asked in `position` order.

    `options` is a list of {"key": ..., "label": {"fr": ..., ...}} for the choice kinds;
    `parts` a list of {"fr": ..., ...} texts for a comment question, each commented on apart.
    """

    __table_args__ = (sa.UniqueConstraint("consultation_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int
    kind: QuestionKind = Field(sa_type=enum_column(QuestionKind))
    text: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    options: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    min_value: int | None = None
    max_value: int | None = None
    parts: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    # Also fit to ask a community group (a vote in a group chat).
    for_groups: bool = False


class ConsultationParticipant(Table, table=True):
    """That a contact started, finished or stopped a consultation; never what they answered.

    Reminders go to those without a row that is finished or stopped; the row goes with the
    contact's data.
    """

    __table_args__ = (sa.UniqueConstraint("consultation_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    contact_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    started_at: datetime = _created()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsultationResponse(Table, table=True):
    """One person's set of answers to a consultation.

    `respondent_key` is a keyed hash of the consultation and the contact: unique, it keeps one
    answer set per person even when the consultation is anonymous and `contact_id` is empty.
    Channel and province are kept for the response rates.
    """

    __table_args__ = (sa.UniqueConstraint("consultation_id", "respondent_key"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    respondent_key: str = Field(max_length=64)
    contact_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True),
    )
    channel: Channel = Field(sa_type=enum_column(Channel))
    province: str | None = Field(default=None, max_length=40)
    locale: str = Field(default="fr", max_length=8)
    started_at: datetime = _created()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = _created()


class ConsultationAnswer(Table, table=True):
    """The answer to one question (one part of a comment question); the latest one counts."""

    __table_args__ = (sa.UniqueConstraint("response_id", "question_id", "part"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("consultationresponse.id", ondelete="CASCADE"), nullable=False
        )
    )
    question_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("consultationquestion.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    part: int = 0
    choices: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    number: int | None = None
    text: str | None = Field(default=None, sa_type=sa.Text)
    skipped: bool = False
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ContactImport(Table, table=True):
    """A member list imported in the background: how far it got, then what it did.

    Any server process answers its progress: the one running it writes here as it goes
    (`heartbeat_at` too), and one whose heartbeat stopped was cut off by its process' end.
    `summary` ({"created", "updated", "unchanged"}) and `refused` ([[row, {"code",
    "fields"}], ...], the first ones only, `refused_more` the rest) once imported; `error`
    ({"code", "fields"}) if the file was refused or the import failed.
    """

    id: str = Field(primary_key=True, max_length=32)
    owner_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("staffaccount.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    filename: str = Field(max_length=120)
    done: int = 0
    total: int = 0
    summary: dict[str, int] | None = Field(default=None, sa_type=sa.JSON)
    refused: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    refused_more: int = 0
    error: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
