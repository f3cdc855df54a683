"""Pydantic models of a country's content pack: what every YAML file may hold."""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

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
from bot.content.territory import TerritoryBody
from bot.domain import CoopForm, FaqTopic, OrgType, Scope
from bot.timezones import TimeZoneName

CONTENT_VERSION = 1


_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


Sources = Annotated[list[Source], Field(min_length=1)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Founders = Annotated[int, Field(strict=True, ge=1)]


class Fee(_Model):
    """An amount to pay, kept as a number so the app formats it in the reader's locale."""

    label: LocalizedText
    amount: Count | None
    #: an ISO 4217 code; unset, the country's currency (pack.yml, currency.code)
    currency: CurrencyCode | None = None
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


class SpreadUnit(StrEnum):
    """The unit founders must come from several of (communes of a wilaya, wilayas)."""

    COMMUNE = "commune"
    WILAYA = "wilaya"


class Spread(_Model):
    """Founders must come from at least `count` different units."""

    count: Founders
    unit: SpreadUnit


class ScopeRule(_Model):
    """The founders an organisation of one scope needs, and where it files."""

    scope: Scope
    label: LocalizedText
    min_founders: Founders
    spread: Spread | None = None
    filed_with: LocalizedText
    #: more folded words a typed answer may use for this scope ("wataniya")
    words: list[Text] = Field(default_factory=list)


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
    #: where the law sets the founders by the organisation's reach (Algeria's associations)
    founders_by_scope: list[ScopeRule] = Field(default_factory=list)
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
        # OHADA's two cooperative forms (Gabon); a country without them lists no variant.
        if self.org_type is OrgType.COOPERATIVE and self.variants:
            codes = [variant.code for variant in self.variants]
            missing = [form.value for form in CoopForm if form not in codes]
            if missing or len(codes) != len(set(codes)):
                msg = f"variants must list each cooperative form once; missing: {missing}"
                raise ValueError(msg)
            smallest = min(variant.min_founders for variant in self.variants)
            if self.min_founders != smallest:
                msg = f"min_founders must be {smallest}, the smallest of the variants"
                raise ValueError(msg)
        if self.founders_by_scope:
            scopes = [rule.scope for rule in self.founders_by_scope]
            if len(scopes) != len(set(scopes)):
                msg = "founders_by_scope must list each scope once"
                raise ValueError(msg)
            smallest = min(rule.min_founders for rule in self.founders_by_scope)
            if self.min_founders != smallest:
                msg = f"min_founders must be {smallest}, the smallest of founders_by_scope"
                raise ValueError(msg)
        return self

    def scope_rule(self, scope: Scope | str | None) -> ScopeRule | None:
        """Return the founders rule of a scope, if this procedure sets founders by scope."""
        return next((rule for rule in self.founders_by_scope if rule.scope == scope), None)

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
    #: how a sentence names it where it has no known acronym ("la structure chargée de
    #: l'ESS"): written without placeholder, since every message may carry it
    called: LocalizedText | None = None
    #: the word every guide's French closing names to say "check with it"; the acronym unset
    closing_mention: Text | None = None
    name: LocalizedText
    decree: LocalizedText
    missions: Annotated[list[LocalizedText], Field(min_length=1)]
    presence: LocalizedText
    office: Slug
    sources: Sources

    @field_validator("called")
    @classmethod
    def _no_placeholder(cls, called: LocalizedText | None) -> LocalizedText | None:
        if called is not None and any(has_placeholder(text) for text in called.texts().values()):
            msg = "called: every message may name the administration so: no placeholder here"
            raise ValueError(msg)
        return called

    def short(self, locale: str) -> str:
        """Return the name a sentence uses: the acronym ("DGES"), else the pack's words."""
        return self.called.get(locale) if self.called is not None else self.acronym

    @property
    def closing_word(self) -> str:
        """Return the word the French closing of every guide must name (check with it)."""
        return self.closing_mention or self.acronym


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


class CurrencySign(_Model):
    """The sign one language writes after an amount ("DA" in French, "دج" in Arabic)."""

    locale: Annotated[str, StringConstraints(pattern=r"^(fr|en|ar)$")]
    sign: Text


class Currency(_Model):
    """The country's currency and how amounts are written.

    Babel writes an amount the locale's way; `digits` overrides the ISO decimals (Algeria
    writes dinars without centimes) and `signs` the sign a language uses ("DA", "دج").
    Without a symbol for a language, the currency is named in full ("Algerian dinars").
    """

    code: CurrencyCode
    digits: Annotated[int, Field(strict=True, ge=0, le=3)] | None = None
    signs: list[CurrencySign] = Field(default_factory=list)

    def sign(self, locale: str) -> str | None:
        """Return the sign a language writes after the amount, if the pack sets one."""
        language = str(locale).split("_", 1)[0]
        return next((item.sign for item in self.signs if item.locale == language), None)


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
    #: words that name the country as surely as its name (its people, its capital): a
    #: deployment for another country tells a question using them what it covers
    also_named: list[Text] = Field(default_factory=list)
    phone_region: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    reference_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,6}$")]
    timezone: TimeZoneName
    ministry: Ministry
    directorate: Directorate
    currency: Currency
    data_protection: DataProtection
    sectors: Annotated[list[Sector], Field(min_length=1)]
    sources: Sources
    content_reviewed: date

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        # Imported when a pack is validated: a start whose pack comes from the cache does not.
        import phonenumbers

        if value not in phonenumbers.SUPPORTED_REGIONS:
            msg = f"{value} is not a region phonenumbers knows"
            raise ValueError(msg)
        return value

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
    TERRITORY = "territory"


BODY_MODELS: dict[FileKind, type[_Model]] = {
    FileKind.COUNTRY: CountryInfo,
    FileKind.PROCEDURE: Procedure,
    FileKind.FAQ: FaqBody,
    FileKind.OFFICES: OfficesBody,
    FileKind.DECISION: DecisionTree,
    FileKind.FACTS: FactsBody,
    FileKind.TERRITORY: TerritoryBody,
}


def valid_phone(number: str, region: str) -> bool:
    """Tell whether a phone number, written as the pack writes it, is a valid one of region."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))
