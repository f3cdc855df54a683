"""The channel-neutral messages the engine receives and returns."""

from dataclasses import dataclass, field

from bot.domain import Channel
from bot.text import clean


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from a person, already parsed out of the provider's format.

    `payload` is set when the person pressed a button (or answered a numbered choice that the
    channel resolved); `text` is what they typed. `message_id` is the provider's id, used to
    process a provider's retries only once. `profile_name` and `phone` are what the provider
    knows of the sender (WhatsApp's profile name and number), offered as form answers.
    """

    channel: Channel
    sender: str
    text: str = ""
    payload: str | None = None
    locale_hint: str | None = None
    message_id: str | None = None
    profile_name: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        # Every channel's input is cleaned here, once: nothing unstorable reaches the engine.
        for name in ("sender", "text", "payload", "locale_hint", "message_id", "profile_name"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, clean(value))


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: what the person sees and the payload the engine gets back."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send; channels render `choices` as buttons or numbered lines."""

    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
