"""Pydantic models of a country's content pack: what every YAML file may hold."""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

import phonenumbers
from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.content.decision import DecisionTree
from bot.content.facts import FactsBody
from bot.content.model import Count, LocalizedText, Slug, Source, Text, _Model
from bot.content.placeholders import has_placeholder
from bot.domain import CoopForm, FaqTopic, OrgType
from bot.timezones import TimeZoneName

CONTENT_VERSION = 1


_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


Sources = Annotated[list[Source], Field(min_length=1)]


class Fee(_Model):
    """An amount to pay, kept as a number so the app formats it in the reader's locale."""

    label: LocalizedText
    amount: Count | None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "XAF"
    source_note: LocalizedText | None = None

    @model_validator(mode="after")
    def _sourced_or_marked(self) -> "Fee":
        if self.amount is None and not has_placeholder(self.label.fr):
            msg = "an unknown amount (amount: null) needs a [À COMPLÉTER : ...] label"
            raise ValueError(msg)
        if self.amount is not None and self.source_note is None:
            msg = "a known amount needs a source_note saying where it comes from"
            raise ValueError(msg)
        return self


class WhereToFile(_Model):
    """Where the file goes, in words and as office ids of offices.yml."""

    text: LocalizedText
    offices: Annotated[list[Slug], Field(min_length=1)]


class Variant(_Model):
    """One legal form of an organisation type (the OHADA cooperative forms)."""

    code: CoopForm
    title: LocalizedText
    min_founders: Annotated[int, Field(strict=True, ge=1)]
    summary: LocalizedText
    governance: LocalizedText
    capital: LocalizedText


class Procedure(_Model):
    """How to create one kind of organisation, step by step."""

    org_type: OrgType
    title: LocalizedText
    summary: LocalizedText
    suits: LocalizedText
    min_founders: Annotated[int, Field(strict=True, ge=1)] | None
    founders_note: LocalizedText | None = None
    steps: Annotated[list[LocalizedText], Field(min_length=1)]
    documents: Annotated[list[LocalizedText], Field(min_length=1)]
    fees: Annotated[list[Fee], Field(min_length=1)]
    delays: LocalizedText
    where_to_file: WhereToFile
    legal_basis: LocalizedText
    caveats: LocalizedText | None = None
    variants: list[Variant] = Field(default_factory=list)
    closing: LocalizedText
    sources: Sources
    reviewed: date

    @model_validator(mode="after")
    def _consistent(self) -> "Procedure":
        if self.min_founders is None and self.founders_note is None:
            msg = "min_founders: null needs a founders_note saying why the number is unknown"
            raise ValueError(msg)
        if self.variants and self.org_type is not OrgType.COOPERATIVE:
            msg = f"variants are only for cooperatives, not for {self.org_type.value}"
            raise ValueError(msg)
        if self.org_type is OrgType.COOPERATIVE:
            codes = [variant.code for variant in self.variants]
            missing = [form.value for form in CoopForm if form not in codes]
            if missing or len(codes) != len(set(codes)):
                msg = f"variants must list each cooperative form once; missing: {missing}"
                raise ValueError(msg)
            smallest = min(variant.min_founders for variant in self.variants)
            if self.min_founders != smallest:
                msg = f"min_founders must be {smallest}, the smallest of the variants"
                raise ValueError(msg)
        return self

    def variant(self, form: CoopForm) -> Variant | None:
        """Return the variant of a cooperative form, if this procedure has it."""
        return next((variant for variant in self.variants if variant.code is form), None)


class FaqEntry(_Model):
    """One answer of the FAQ."""

    question: LocalizedText
    answer: LocalizedText
    sources: Sources
    reviewed: date


class FaqBody(_Model):
    """The FAQ file: one entry per topic the bot answers."""

    entries: dict[FaqTopic, FaqEntry]

    @model_validator(mode="after")
    def _every_topic(self) -> "FaqBody":
        missing = [topic.value for topic in FaqTopic if topic not in self.entries]
        if missing:
            msg = f"entries: missing topics {', '.join(missing)}"
            raise ValueError(msg)
        return self


class Office(_Model):
    """A place a citizen goes to or contacts."""

    id: Slug
    name: LocalizedText
    role: LocalizedText
    address: LocalizedText
    phone: Text
    hours: LocalizedText
    email: Text
    applies_to: Annotated[list[OrgType], Field(min_length=1)]
    province: Text | None = None
    sources: Sources
    reviewed: date

    @field_validator("email")
    @classmethod
    def _email_or_placeholder(cls, value: str) -> str:
        if not has_placeholder(value) and re.fullmatch(_EMAIL_RE, value) is None:
            msg = "not an e-mail address nor a [À COMPLÉTER : ...] placeholder"
            raise ValueError(msg)
        return value


class OfficesBody(_Model):
    """The offices file."""

    offices: Annotated[list[Office], Field(min_length=1)]

    @field_validator("offices")
    @classmethod
    def _unique_ids(cls, offices: list[Office]) -> list[Office]:
        ids = [office.id for office in offices]
        duplicates = sorted({office_id for office_id in ids if ids.count(office_id) > 1})
        if duplicates:
            msg = f"duplicate office ids: {', '.join(duplicates)}"
            raise ValueError(msg)
        return offices


class Ministry(_Model):
    """The directorate's parent ministry, named in one place because its name keeps changing."""

    name: LocalizedText
    note: Text | None = None
    sources: Sources


class Directorate(_Model):
    """The administration the bot speaks for."""

    acronym: Text
    name: LocalizedText
    decree: LocalizedText
    missions: Annotated[list[LocalizedText], Field(min_length=1)]
    presence: LocalizedText
    office: Slug
    sources: Sources


class DataRightCode(StrEnum):
    """Rights a person has over their data."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    DELETION = "deletion"
    OBJECTION = "objection"


class DataRight(_Model):
    """One right over personal data, with the words to name it."""

    code: DataRightCode
    label: LocalizedText


class DataProtection(_Model):
    """What the bot tells before collecting personal data."""

    law: LocalizedText
    authority: LocalizedText
    purpose: LocalizedText
    recipients: LocalizedText
    retention: LocalizedText
    rights: Annotated[list[DataRight], Field(min_length=1)]
    exercise: LocalizedText
    sources: Sources

    @field_validator("rights")
    @classmethod
    def _every_right(cls, rights: list[DataRight]) -> list[DataRight]:
        codes = [right.code for right in rights]
        missing = [code.value for code in DataRightCode if code not in codes]
        if missing or len(codes) != len(set(codes)):
            msg = f"rights must list each right once; missing: {missing}"
            raise ValueError(msg)
        return rights


class Province(_Model):
    """A province and its capital."""

    name: Text
    capital: Text


class Sector(_Model):
    """An activity sector offered in the pre-registration form."""

    code: Slug
    label: LocalizedText

    @field_validator("label")
    @classmethod
    def _short(cls, label: LocalizedText) -> LocalizedText:
        # Sector labels become buttons and numbered choices on small screens.
        for locale, text in label.texts().items():
            if len(text) > 40:
                msg = f"{locale}: a sector label has at most 40 characters"
                raise ValueError(msg)
        return label


class CountryInfo(_Model):
    """Facts about the country and its administration that the whole app uses."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    name: LocalizedText
    phone_region: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    reference_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,6}$")]
    timezone: TimeZoneName
    ministry: Ministry
    directorate: Directorate
    data_protection: DataProtection
    provinces: Annotated[list[Province], Field(min_length=1)]
    sectors: Annotated[list[Sector], Field(min_length=1)]
    sources: Sources
    content_reviewed: date

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in phonenumbers.SUPPORTED_REGIONS:
            msg = f"{value} is not a region phonenumbers knows"
            raise ValueError(msg)
        return value

    @field_validator("provinces")
    @classmethod
    def _unique_provinces(cls, provinces: list[Province]) -> list[Province]:
        names = [p.name.casefold() for p in provinces] + [p.capital.casefold() for p in provinces]
        if len(names) != len(set(names)):
            msg = "province names and capitals must be unique"
            raise ValueError(msg)
        return provinces

    @field_validator("sectors")
    @classmethod
    def _unique_sectors(cls, sectors: list[Sector]) -> list[Sector]:
        codes = [sector.code for sector in sectors]
        if len(codes) != len(set(codes)):
            msg = "sector codes must be unique"
            raise ValueError(msg)
        return sectors


class FileKind(StrEnum):
    """What a content file holds, named by its `kind:` key."""

    COUNTRY = "country"
    PROCEDURE = "procedure"
    FAQ = "faq"
    OFFICES = "offices"
    DECISION = "decision"
    FACTS = "facts"


BODY_MODELS: dict[FileKind, type[_Model]] = {
    FileKind.COUNTRY: CountryInfo,
    FileKind.PROCEDURE: Procedure,
    FileKind.FAQ: FaqBody,
    FileKind.OFFICES: OfficesBody,
    FileKind.DECISION: DecisionTree,
    FileKind.FACTS: FactsBody,
}


def valid_phone(number: str, region: str) -> bool:
    """Tell whether a phone number, written as the pack writes it, is a valid one of region."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))
