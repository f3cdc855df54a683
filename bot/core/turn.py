"""What a feature sees while it handles one incoming message."""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlmodel import Session

from bot.content import ContentPack, LocalizedText, replace_placeholders
from bot.core.i18n import REFERENCE_LOCALE, Catalogues, Translator, _
from bot.core.messages import Choice, Incoming, Outgoing
from bot.core.payloads import Payload
from bot.domain import Flow, OrgType
from bot.settings import Settings
from bot.storage.models import Contact, Conversation, Event
from bot.storage.types import utcnow
from nlu import NluParser, ParseResult

# The organisation being discussed survives flow changes so that "et les documents ?" still
# knows what it is about after a detour through the menu.
TOPIC_KEY = "topic"
OFFERED_KEY = "offered"
# A pre-registration left half-way is kept apart from the flow, to resume it later.
FORM_KEY = "form"
# The language of the person's last message that could be told, and the languages a switch
# was already offered to (bot.core.reply_language): both outlive any flow.
WRITTEN_KEY = "written_in"
SWITCH_OFFERED_KEY = "switch_offered"
# What the conversation is about, beyond the organisation type: the guide section shown last,
# the cooperative form, the last recommendation, the last question asked. Follow-ups such as
# "et pour une coop ?", "laquelle alors ?" or "on est 9" are read against it.
DIALOGUE_KEY = "dialogue"
KEPT_KEYS = (TOPIC_KEY, FORM_KEY, WRITTEN_KEY, SWITCH_OFFERED_KEY, DIALOGUE_KEY)
# The dialogue context's item for the last question the bot asked, said again on "pardon ?".
ASKED_KEY = "asked"


class Notices(Protocol):
    """Messages a turn queues for other contacts, in the turn's own transaction."""

    def place_freed(self, session: Session, event: Event, contact_id: int) -> None:
        """Tell a contact from an event's waiting list that a place is now theirs."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """What every turn may use, built once at start-up."""

    settings: Settings
    pack: ContentPack
    nlu: NluParser
    catalogues: Catalogues
    notices: Notices


@dataclass(slots=True)
class Turn:
    """One incoming message being handled: the contact, their state, and the replies so far."""

    incoming: Incoming
    contact: Contact
    conversation: Conversation
    session: Session
    services: Services
    translator: Translator
    replies: list[Outgoing] = field(default_factory=list)
    understood: bool = True
    contact_deleted: bool = False
    _parsed: ParseResult | None = None

    @property
    def text(self) -> str:
        """Return what the person typed, trimmed."""
        return self.incoming.text.strip()

    @property
    def pack(self) -> ContentPack:
        """Return the country's content pack."""
        return self.services.pack

    @property
    def directorate(self) -> str:
        """Return the short name of the administration the bot speaks for ("DGES")."""
        return self.services.pack.country.directorate.short(self.translator.locale.value)

    @property
    def contact_id(self) -> int:
        """Return the contact's database id."""
        assert self.contact.id is not None
        return self.contact.id

    def read_as(self, text: str) -> None:
        """Handle the rest of the message as if only `text` had been sent ("bonjour, ...")."""
        self.incoming = dataclasses.replace(self.incoming, text=text)
        self._parsed = None

    def parse(self) -> ParseResult:
        """Return the NLU reading of the text, computed once."""
        if self._parsed is None:
            self._parsed = self.services.nlu.parse(self.text)
        return self._parsed

    def amount(self, value: int, currency: str | None = None) -> str:
        """Format an amount in the country's currency (or another), the pack's way."""
        country = self.services.pack.country.currency
        if currency is not None and currency != country.code:
            return self.translator.format_amount(value, currency)
        return self.translator.format_amount(
            value,
            country.code,
            digits=country.digits,
            sign=country.sign(self.translator.locale.value),
        )

    def local(self, text: LocalizedText) -> str:
        """Return content text in the contact's language, placeholders said plainly."""
        return replace_placeholders(
            text.get(self.translator.locale.value),
            lambda what: _("{what} (à confirmer auprès de la {directorate})").format(
                what=what, directorate=self.directorate
            ),
            after_label=self._unknown(),
        )

    def value(self, text: LocalizedText) -> str:
        """Return content text in the contact's language, a placeholder said as not yet known.

        For text shown after a label ("Combien de temps : ...") and for facts, whose sentence
        around a placeholder already says what it stands for: only "to be confirmed" is shown,
        not the placeholder's description.
        """
        return replace_placeholders(text.get(self.translator.locale.value), self._unknown())

    def _unknown(self) -> str:
        return _("à confirmer auprès de la {directorate}").format(directorate=self.directorate)

    def plain(self, text: str) -> str:
        """Say "to be confirmed with the directorate" where an untranslated field is not known.

        Such a field (a phone number, an e-mail) is written once, its placeholder described in
        French: other languages get a sentence of their own instead of the French description.
        """
        if self.translator.locale is REFERENCE_LOCALE:
            return self.local(LocalizedText(fr=text))
        return replace_placeholders(
            text,
            lambda _what: _("pas encore connu (à confirmer auprès de la {directorate})").format(
                directorate=self.directorate
            ),
        )

    def say(self, text: str, choices: list[tuple[str, Payload]] | None = None) -> None:
        """Queue a reply, with buttons if given."""
        buttons = tuple(Choice(label, payload.pack()) for label, payload in choices or [])
        self.replies.append(Outgoing(text=text, choices=buttons))

    def go(self, flow: Flow, step: str | None = None, **data: Any) -> None:
        """Enter a flow at a step with fresh flow data (the topic is kept)."""
        kept = {
            key: self.conversation.data[key] for key in KEPT_KEYS if key in self.conversation.data
        }
        self.conversation.flow = flow
        self.conversation.step = step
        self.conversation.data = {**kept, **data}

    def go_idle(self) -> None:
        """Leave any flow."""
        self.go(Flow.IDLE)

    def update(self, **data: Any) -> None:
        """Change some of the flow's data (a new dict so the JSON column sees the change)."""
        self.conversation.data = {**self.conversation.data, **data}

    def data(self, key: str, default: Any = None) -> Any:
        """Read one item of the flow's data."""
        return self.conversation.data.get(key, default)

    @property
    def topic(self) -> OrgType | None:
        """Return the organisation type being discussed, if any."""
        value = self.conversation.data.get(TOPIC_KEY)
        return OrgType(value) if value else None

    @topic.setter
    def topic(self, org_type: OrgType | None) -> None:
        self.update(**{TOPIC_KEY: org_type.value if org_type else None})

    def recall(self, key: str, default: Any = None) -> Any:
        """Read one item of the dialogue context (it survives flow changes)."""
        context: dict[str, Any] = self.conversation.data.get(DIALOGUE_KEY) or {}
        return context.get(key, default)

    def remember(self, **items: Any) -> None:
        """Change items of the dialogue context."""
        context: dict[str, Any] = self.conversation.data.get(DIALOGUE_KEY) or {}
        self.update(**{DIALOGUE_KEY: {**context, **items}})

    def misunderstood(self) -> None:
        """Count this message as one the bot could not make sense of."""
        self.understood = False

    def touch(self) -> None:
        """Stamp the conversation as changed now."""
        self.conversation.updated_at = utcnow()
