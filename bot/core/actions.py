"""Every button payload of the conversation, in one place so features can point at each other."""

from dataclasses import dataclass
from enum import StrEnum

from bot.core.payloads import Payload
from bot.domain import FaqTopic, Locale, OrgType, Topic


class GuideSection(StrEnum):
    """Parts of a creation guide a person can open."""

    OVERVIEW = "o"
    DOCUMENTS = "d"
    COSTS = "c"
    OFFICE = "w"


class Answer(StrEnum):
    """A yes/no answer."""

    YES = "y"
    NO = "n"


class ReviewAction(StrEnum):
    """What can be done with the pre-registration summary."""

    CONFIRM = "ok"
    EDIT = "edit"
    CANCEL = "cancel"


@dataclass(frozen=True)
class MainMenu(Payload, prefix="menu"):
    """Show the main menu."""


@dataclass(frozen=True)
class Help(Payload, prefix="help"):
    """Explain what can be typed anywhere, with the other topics."""


@dataclass(frozen=True)
class Cancel(Payload, prefix="cancel"):
    """Leave the current flow."""


@dataclass(frozen=True)
class GuideList(Payload, prefix="guides"):
    """List the five kinds of organisation."""


@dataclass(frozen=True)
class ShowGuide(Payload, prefix="guide"):
    """Open one part of the creation guide of an organisation type."""

    org_type: OrgType
    section: GuideSection = GuideSection.OVERVIEW


@dataclass(frozen=True)
class StartDecision(Payload, prefix="choose"):
    """Start the decision helper."""


@dataclass(frozen=True)
class DecisionReply(Payload, prefix="dec", offered_only=True):
    """Answer one question of the decision helper."""

    node: str
    answer: Answer


@dataclass(frozen=True)
class StartPreregistration(Payload, prefix="prereg"):
    """Start a pre-registration, optionally for a known organisation type."""

    org_type: OrgType | None = None


@dataclass(frozen=True)
class Consent(Payload, prefix="consent", offered_only=True):
    """Accept or refuse the data-protection notice."""

    answer: Answer


@dataclass(frozen=True)
class FieldValue(Payload, prefix="fv", offered_only=True):
    """Pick one of the choices offered for a form field."""

    field: str
    value: str


@dataclass(frozen=True)
class SkipField(Payload, prefix="skip", offered_only=True):
    """Leave an optional form field empty."""

    field: str


@dataclass(frozen=True)
class Review(Payload, prefix="review", offered_only=True):
    """Confirm, edit or cancel the pre-registration summary."""

    action: ReviewAction


@dataclass(frozen=True)
class EditField(Payload, prefix="edit", offered_only=True):
    """Change one answer of the pre-registration."""

    field: str


@dataclass(frozen=True)
class CheckStatus(Payload, prefix="status"):
    """Show the state of the contact's own registrations."""


@dataclass(frozen=True)
class Subscribe(Payload, prefix="sub"):
    """Opt in to one topic, or to all of them."""

    topic: Topic | None = None


@dataclass(frozen=True)
class Unsubscribe(Payload, prefix="unsub"):
    """Opt out of one topic, or of everything."""

    topic: Topic | None = None


@dataclass(frozen=True)
class MySubscriptions(Payload, prefix="subs"):
    """Show the topics and let the contact pick them one by one."""


@dataclass(frozen=True)
class Faq(Payload, prefix="faq"):
    """Answer a question of the FAQ."""

    topic: FaqTopic


@dataclass(frozen=True)
class MoreTopics(Payload, prefix="more"):
    """List the other questions the bot answers."""


@dataclass(frozen=True)
class UpcomingEvents(Payload, prefix="events"):
    """List the next events."""


@dataclass(frozen=True)
class JoinEvent(Payload, prefix="join"):
    """Register for an event."""

    event_id: int


@dataclass(frozen=True)
class LeaveEvent(Payload, prefix="leave"):
    """Give up a place (or a place on the waiting list) at an event."""

    event_id: int


@dataclass(frozen=True)
class Handoff(Payload, prefix="human"):
    """Ask for a member of staff."""


@dataclass(frozen=True)
class ChooseLanguage(Payload, prefix="lang"):
    """Offer the languages."""


@dataclass(frozen=True)
class SetLanguage(Payload, prefix="setlang"):
    """Switch to a language."""

    locale: Locale


@dataclass(frozen=True)
class ShowMyData(Payload, prefix="mydata"):
    """Show what is stored about the contact."""


@dataclass(frozen=True)
class DeleteMyData(Payload, prefix="delete"):
    """Ask to delete the contact's data (then confirm)."""


@dataclass(frozen=True)
class ConfirmDeletion(Payload, prefix="delok", offered_only=True):
    """Confirm or abandon the deletion of the contact's data."""

    answer: Answer


@dataclass(frozen=True)
class StartConsultation(Payload, prefix="cons"):
    """Begin (or take up again) a consultation."""

    consultation_id: int


@dataclass(frozen=True)
class ConsultationLater(Payload, prefix="clater", offered_only=True):
    """Put a consultation aside, to answer it later."""

    consultation_id: int


@dataclass(frozen=True)
class PickOption(Payload, prefix="cpick", offered_only=True):
    """Answer a single-choice question or a rating with one value."""

    question_id: int
    value: str


@dataclass(frozen=True)
class ToggleOption(Payload, prefix="ctog", offered_only=True):
    """Tick or untick one option of a multiple-choice question."""

    question_id: int
    value: str


@dataclass(frozen=True)
class ConfirmOptions(Payload, prefix="cok", offered_only=True):
    """Validate the options ticked for a multiple-choice question."""

    question_id: int


@dataclass(frozen=True)
class SkipQuestion(Payload, prefix="cskip", offered_only=True):
    """Leave a question (or one part of a text to comment) unanswered."""

    question_id: int
    part: int = 0


@dataclass(frozen=True)
class ReviewAnswers(Payload, prefix="crev", offered_only=True):
    """Send the answers of a consultation, or choose one to change."""

    action: ReviewAction


@dataclass(frozen=True)
class EditAnswer(Payload, prefix="cedit", offered_only=True):
    """Answer one question of the consultation again."""

    question_id: int


# What a person may always do, even while a member of staff answers them in the console:
# stop the messages, see their data, have it deleted (and answer that question).
RIGHTS: tuple[type[Payload], ...] = (Unsubscribe, ShowMyData, DeleteMyData, ConfirmDeletion)
