"""The one base of every error a person can fix: front doors print its message, no traceback."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why something was refused, for a front door to say in its reader's language.

    `message` is a French message id marked for extraction (`N_`), with `{name}` fields whose
    values are in `fields`; a front door translates the message, then fills it in.
    """

    message: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        """Return the explanation translated by `gettext` (French without one)."""
        translated = gettext(self.message) if gettext is not None else self.message
        try:
            return translated.format(**self.fields)
        except (KeyError, IndexError, ValueError):
            # A translation that names a field wrongly must not hide the reason.
            return self.message.format(**self.fields)

    def __str__(self) -> str:
        return self.render()


def explain(message: str, **fields: Any) -> Explanation:
    """Return an explanation whose fields are shown as text."""
    return Explanation(message, {name: str(value) for name, value in fields.items()})


class RelaisError(Exception):
    """A request that cannot be carried out as asked; the message says why and what to do."""

    # Set by the errors that front doors can translate (see ExplainedError).
    explanation: Explanation | None = None


class ExplainedError(RelaisError):
    """An error whose message is translatable: a French message id and its fields."""

    explanation: Explanation

    def __init__(self, message: str, **fields: Any) -> None:
        self.explanation = explain(message, **fields)
        super().__init__(str(self.explanation))

    @classmethod
    def saying(cls, explanation: Explanation) -> Self:
        """Return this kind of error with another error's explanation (said the same way)."""
        return cls(explanation.message, **explanation.fields)
