"""A country's territorial units (Gabon's provinces, Algeria's wilayas) and the words for them.

The units change: Algeria went from 48 to 58 wilayas in 2019 and approved 11 more in November
2025, before the law that creates them. So the list is data, dated and sourced, each unit with
its status, its number where it has one, and the other names it is known by.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.content.model import LocalizedText, Source, Text, _Model
from bot.text import fold

Sources = Annotated[list[Source], Field(min_length=1)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")]


class RegionStatus(StrEnum):
    """Whether a unit exists in law, or is approved and waits for its legal steps."""

    IN_FORCE = "in_force"
    PENDING = "pending"


class Region(_Model):
    """One first-level unit: its name (the value stored), number, capital and other names."""

    name: Text
    #: the name in Arabic script, where the country writes it so (a wilaya's official name)
    name_ar: Text | None = None
    #: the official number (Algeria's wilayas are numbered: 16 is Algiers)
    code: RegionCode | None = None
    capital: Text | None = None
    #: other spellings and former names, accepted in answers
    aliases: list[Text] = Field(default_factory=list)
    #: other towns of the unit: a message or an answer naming one names the unit
    towns: list[Text] = Field(default_factory=list)
    status: RegionStatus = RegionStatus.IN_FORCE
    #: for a pending unit: when it was approved, and the unit it is carved from
    approved: date | None = None
    carved_from: Text | None = None

    @model_validator(mode="after")
    def _pending_dated(self) -> "Region":
        if self.status is RegionStatus.PENDING and self.approved is None:
            msg = f"{self.name}: a pending unit needs the date it was approved (approved:)"
            raise ValueError(msg)
        return self

    def names(self) -> list[str]:
        """Return every name the unit answers to: name, Arabic name, capital, aliases, towns."""
        written = [self.name, self.name_ar, self.capital, *self.aliases, *self.towns]
        return [name for name in written if name]

    def shown(self, locale: str) -> str:
        """Return the unit's name for a reader: Arabic script in Arabic when written."""
        if str(locale).startswith("ar") and self.name_ar:
            return self.name_ar
        return self.name


class UnitWords(_Model):
    """How the form and the console name a unit: its label, the question, its help."""

    #: the field's label, capitalised ("Wilaya", "Province")
    label: LocalizedText
    #: the word inside a sentence, lower case in French and English ("wilaya", "province")
    word: LocalizedText
    question: LocalizedText
    help: LocalizedText
    #: the answer to a name the list does not have (first-level unit only)
    unknown: LocalizedText | None = None
    #: folded words by which a question in the form is about this field
    about: list[Text] = Field(default_factory=list)


class TerritoryBody(_Model):
    """The territory file: the unit's words, the town's words and the list of units."""

    region: UnitWords
    town: UnitWords
    regions: Annotated[list[Region], Field(min_length=1)]
    #: the date the list is known to be true at
    as_of: date
    note: Text | None = None
    sources: Sources

    @field_validator("regions")
    @classmethod
    def _unique(cls, regions: list[Region]) -> list[Region]:
        seen: dict[str, str] = {}
        for region in regions:
            for name in {fold(name) for name in region.names()}:
                if name in seen and seen[name] != region.name:
                    msg = f"{name!r} names both {seen[name]} and {region.name}"
                    raise ValueError(msg)
                seen[name] = region.name
        codes = [region.code for region in regions if region.code is not None]
        if len(codes) != len(set(codes)):
            msg = "unit numbers (code:) must be unique"
            raise ValueError(msg)
        return regions

    @model_validator(mode="after")
    def _unknown_worded(self) -> "TerritoryBody":
        if self.region.unknown is None:
            msg = "region.unknown: say what to answer to a name the list does not have"
            raise ValueError(msg)
        return self

    def find(self, text: str) -> Region | None:
        """Find a unit by its number, name, Arabic name, capital or former name."""
        wanted = fold(text).removeprefix("wilaya ").removeprefix("ولاية ").strip()
        if not wanted:
            return None
        digits = wanted.lstrip("0")
        for region in self.regions:
            if region.code is not None and digits and digits == region.code.lstrip("0"):
                return region
            if wanted in {fold(name) for name in region.names()}:
                return region
        return None

    def by_name(self, name: str) -> Region | None:
        """Return the unit stored under a name."""
        return next((region for region in self.regions if region.name == name), None)

    def places(self) -> list[tuple[str, str]]:
        """Return (a name people write, the unit it is) pairs, for the NLU's place entity."""
        return [(name, region.name) for region in self.regions for name in region.names()]

    def pending(self) -> list[Region]:
        """Return the units approved but not yet created in law."""
        return [region for region in self.regions if region.status is RegionStatus.PENDING]
