"""The building blocks of every content model: read-only models and texts in three languages."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
Count = Annotated[int, Field(strict=True, ge=0)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
# A short hash of a French text (see bot.content.translations.french_hash).
FrenchHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]


class _Model(BaseModel):
    """Base of every content model: unknown keys are errors and loaded content is read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Model):
    """A text in French and, where written, in English and Arabic.

    `from_fr` records which French the translations were written from: once the French
    changes, `relais content check` calls them stale until they are reviewed and stamped again.
    """

    fr: Text
    en: Text | None = None
    ar: Text | None = None
    from_fr: FrenchHash | None = None

    def get(self, locale: str) -> str:
        """Return the text in a locale ("en", "en_GB", Locale.EN), French when not written."""
        language = str(locale).replace("-", "_").split("_", 1)[0].lower()
        translated = {"en": self.en, "ar": self.ar}.get(language)
        return translated or self.fr

    def texts(self) -> dict[str, str]:
        """Return the written texts keyed by locale."""
        written = {"fr": self.fr, "en": self.en, "ar": self.ar}
        return {key: value for key, value in written.items() if value is not None}


class Source(_Model):
    """Where a statement comes from: the title is shown to citizens, the note is for staff."""

    title: LocalizedText
    url: Url | None = None
    note: Text | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _plain_title(cls, value: object) -> object:
        # A title written as a plain string is its French text (then reported untranslated).
        return {"fr": value} if isinstance(value, str) else value
