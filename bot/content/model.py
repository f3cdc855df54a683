"""The building blocks of every content model: read-only models and texts in three languages."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
Count = Annotated[int, Field(strict=True, ge=0)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class _Model(BaseModel):
    """Base of every content model: unknown keys are errors and loaded content is read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Model):
    """A text in French and, where written, in English and Arabic."""

    fr: Text
    en: Text | None = None
    ar: Text | None = None

    def get(self, locale: str) -> str:
        """Return the text in a locale ("en", "en_GB", Locale.EN), French when not written."""
        language = str(locale).replace("-", "_").split("_", 1)[0].lower()
        translated = {"en": self.en, "ar": self.ar}.get(language)
        return translated or self.fr

    def texts(self) -> dict[str, str]:
        """Return the written texts keyed by locale."""
        return {key: value for key, value in self.model_dump().items() if value is not None}


class Source(_Model):
    """Where a statement comes from."""

    title: Text
    url: Url | None = None
    note: Text | None = None
