"""Facts a citizen asks about one at a time, and the profile of each legal form to compare them.

A fact is answered by itself ("c koi un récépissé", "faut combien de membres pour une scoops"):
a short answer in three languages, its sources, its example questions (the training data of
the NLU's `ask_fact` retrieval intent) and links to the full guides it belongs to. Facts about
one aspect of one form (founders of a SCOOPS) take their answer from that form's profile, the
same lines the comparisons ("asso ou ONG ?") are built from.
"""

import json
import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from bot.content.model import LocalizedText, Slug, Source, Text, _Model
from bot.content.placeholders import find_placeholders
from bot.domain import CoopForm, FaqTopic, Locale, OrgType

# The retrieval intent the facts train, as Rasa names the intent of a ResponseSelector.
FACT_INTENT = "ask_fact"
FORM_SLOT = "{form}"
# Stratified cross-validation holds out one fifth of each fact's questions.
MIN_EXAMPLES = 5


class Aspect(StrEnum):
    """What a comparison of two forms looks at, in the order it is shown."""

    FOUNDERS = "founders"
    PURPOSE = "purpose"
    BODIES = "bodies"
    CAPITAL = "capital"
    LAW = "law"
    DOCUMENTS = "documents"
    FEES = "fees"
    DELAYS = "delays"
    FILING = "filing"


# What a comparison ("asso ou ONG ?") sets side by side; the documents, fees and delays are
# asked one form at a time, or as one aspect of the forms named ("frais asso et coop").
COMPARED_ASPECTS = (
    Aspect.FOUNDERS,
    Aspect.PURPOSE,
    Aspect.BODIES,
    Aspect.CAPITAL,
    Aspect.LAW,
    Aspect.FILING,
)
# The guide section a fact's "more" button opens, by aspect (the overview for the others).
_SECTION_OF_ASPECT = {
    Aspect.DOCUMENTS: "documents",
    Aspect.FEES: "costs",
    Aspect.DELAYS: "costs",
    Aspect.FILING: "office",
}


class FormCode(StrEnum):
    """A legal form a person may name: the five kinds, and the two cooperative forms."""

    ASSOCIATION = "association"
    NGO = "ngo"
    COOPERATIVE = "cooperative"
    SCOOPS = "scoops"
    COOP_CA = "coop_ca"
    MUTUAL = "mutual"
    FOUNDATION = "foundation"


class GuideSectionName(StrEnum):
    """The parts of a creation guide a link can open."""

    OVERVIEW = "overview"
    DOCUMENTS = "documents"
    COSTS = "costs"
    OFFICE = "office"


class FullText(LocalizedText):
    """A text every citizen reads in their own language: French, English and Arabic."""

    en: Text
    ar: Text


class Questions(_Model):
    """Example questions in each language, as people type them.

    Algerian Darija is not a language of the replies, but people write in it, in Arabic
    script or in Latin letters ("chhal", "win"): its questions train the NLU only.
    """

    fr: Annotated[list[Text], Field(min_length=1)]
    en: Annotated[list[Text], Field(min_length=1)]
    ar: Annotated[list[Text], Field(min_length=1)]
    darija_arabic: list[Text] = Field(default_factory=list)
    darija_latin: list[Text] = Field(default_factory=list)

    def all(self) -> list[str]:
        """Return every question, French first."""
        return [*self.fr, *self.en, *self.ar, *self.darija_arabic, *self.darija_latin]

    def by_script(self) -> list[tuple[str, list[str]]]:
        """Return (language of the names to fill in, questions) pairs: Darija in Arabic script
        names forms as Arabic does, in Latin letters as French does."""
        return [
            (Locale.FR.value, [*self.fr, *self.darija_latin]),
            (Locale.EN.value, list(self.en)),
            (Locale.AR.value, [*self.ar, *self.darija_arabic]),
        ]


class Link(_Model):
    """A "more" button: a part of a creation guide, or an FAQ answer."""

    guide: Slug | None = None
    section: GuideSectionName = GuideSectionName.OVERVIEW
    faq: FaqTopic | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "Link":
        if (self.guide is None) == (self.faq is None):
            msg = "a link names either a guide or an faq entry"
            raise ValueError(msg)
        return self


class AspectTemplates(_Model):
    """How an aspect is named, and questions about it with {form} where the form is named.

    An aspect the NLU already knows as an intent of its own (`ask_documents`, `ask_cost`,
    `ask_duration`, `ask_office`, which also take questions naming no form: "c'est combien ?")
    names it in `intent`: its questions train that intent, and the form named, or the one
    being discussed, picks the fact. Two labels for one question would only confuse the
    classifier.
    """

    label: FullText
    intent: Annotated[str, Field(pattern=r"^[a-z_]+$")] | None = None
    examples: Questions | None = None

    @field_validator("examples")
    @classmethod
    def _one_slot(cls, examples: Questions | None) -> Questions | None:
        for question in examples.all() if examples is not None else []:
            if question.count(FORM_SLOT) != 1:
                msg = f"each question names the form once with {FORM_SLOT}: {question!r}"
                raise ValueError(msg)
        return examples


class FormProfile(_Model):
    """One legal form, aspect by aspect, with the guide that explains it in full."""

    guide: Slug
    coop_form: CoopForm | None = None
    label: FullText
    names: Questions
    founders: FullText
    purpose: FullText
    bodies: FullText
    capital: FullText
    law: FullText
    documents: FullText
    fees: FullText
    delays: FullText
    filing: FullText
    sources: Annotated[list[Source], Field(min_length=1)]
    reviewed: date

    def line(self, aspect: Aspect) -> FullText:
        """Return what the profile says of one aspect."""
        text: FullText = getattr(self, aspect.value)
        return text

    def entity(self) -> tuple[str, str]:
        """Return the NLU entity and value that name this form."""
        if self.coop_form is not None:
            return "coop_form", self.coop_form.value
        return "org_type", self.guide


class Fact(_Model):
    """One fact: its own answer, or one aspect of one form's profile."""

    form: FormCode | None = None
    aspect: Aspect | None = None
    answer: FullText | None = None
    sources: list[Source] | None = None
    reviewed: date | None = None
    examples: Questions | None = None
    more: list[Link] = Field(default_factory=list)

    @model_validator(mode="after")
    def _own_or_profile(self) -> "Fact":
        profiled = self.form is not None or self.aspect is not None
        if profiled and (self.form is None or self.aspect is None):
            msg = "a fact about a form gives both form and aspect"
            raise ValueError(msg)
        if profiled and self.answer is not None:
            msg = "a fact about a form takes its answer from the form's profile: no answer"
            raise ValueError(msg)
        if not profiled:
            missing = [
                name
                for name in ("answer", "sources", "reviewed", "examples")
                if getattr(self, name) is None
            ]
            if missing:
                msg = f"a fact of its own needs {', '.join(missing)}"
                raise ValueError(msg)
            if not self.more:
                msg = "a fact of its own needs at least one link in more"
                raise ValueError(msg)
        return self


class FactsBody(_Model):
    """The facts file: aspects, form profiles and facts."""

    aspects: dict[Aspect, AspectTemplates]
    forms: dict[FormCode, FormProfile]
    facts: Annotated[dict[Slug, Fact], Field(min_length=1)]

    @model_validator(mode="after")
    def _complete(self) -> "FactsBody":
        missing = [aspect.value for aspect in Aspect if aspect not in self.aspects]
        missing += [form.value for form in FormCode if form not in self.forms]
        if missing:
            msg = f"missing aspects or forms: {', '.join(missing)}"
            raise ValueError(msg)
        seen: dict[tuple[FormCode, Aspect], str] = {}
        for fact_id, fact in self.facts.items():
            if fact.form is None or fact.aspect is None:
                continue
            first = seen.setdefault((fact.form, fact.aspect), fact_id)
            if first != fact_id:
                msg = f"facts {first} and {fact_id} are both {fact.aspect.value} of {fact.form}"
                raise ValueError(msg)
        return self

    # -- reading ---------------------------------------------------------------------------

    def answer(self, fact_id: str) -> FullText:
        """Return a fact's short answer."""
        fact = self.facts[fact_id]
        if fact.answer is not None:
            return fact.answer
        assert fact.form is not None and fact.aspect is not None
        return self.forms[fact.form].line(fact.aspect)

    def sources(self, fact_id: str) -> list[Source]:
        """Return where a fact comes from."""
        fact = self.facts[fact_id]
        if fact.sources is not None:
            return fact.sources
        assert fact.form is not None
        return self.forms[fact.form].sources

    def reviewed(self, fact_id: str) -> date:
        """Return when a fact was last checked."""
        fact = self.facts[fact_id]
        if fact.reviewed is not None:
            return fact.reviewed
        assert fact.form is not None
        return self.forms[fact.form].reviewed

    def links(self, fact_id: str) -> list[Link]:
        """Return the "more" buttons of a fact: its own, else its form's guide."""
        fact = self.facts[fact_id]
        if fact.more or fact.form is None:
            return fact.more
        shown = _SECTION_OF_ASPECT.get(fact.aspect) if fact.aspect is not None else None
        section = GuideSectionName(shown or "overview")
        return [Link(guide=self.forms[fact.form].guide, section=section)]

    def aspect_of_intent(self, intent: str) -> Aspect | None:
        """Return the aspect an NLU intent of its own asks ("ask_cost": the fees)."""
        return next(
            (aspect for aspect, item in self.aspects.items() if item.intent == intent), None
        )

    def fact_of(self, form: FormCode, aspect: Aspect) -> str | None:
        """Return the id of the fact about one aspect of one form."""
        return next(
            (
                fact_id
                for fact_id, fact in self.facts.items()
                if fact.form is form and fact.aspect is aspect
            ),
            None,
        )

    def surfaces(self) -> list[tuple[str, str, str]]:
        """Return every name of a form as (name, entity, value), longest first."""
        found = {
            name: profile.entity()
            for profile in self.forms.values()
            for name in profile.names.all()
        }
        return sorted(
            ((name, entity, value) for name, (entity, value) in found.items()),
            key=lambda item: -len(item[0]),
        )

    def questions(self, fact_id: str, places: Sequence[tuple[str, str]] = ()) -> list[str]:
        """Return a fact's example questions, Rasa-annotated where they name a form or place."""
        fact = self.facts[fact_id]
        marks = [*self.surfaces(), *((place, "province", value) for place, value in places)]
        own = [annotate(text, marks) for text in fact.examples.all()] if fact.examples else []
        if fact.form is None or fact.aspect is None:
            return own
        profile = self.forms[fact.form]
        entity, value = profile.entity()
        templates = self.aspects[fact.aspect].examples
        if templates is None:
            return own
        generated: list[str] = []
        for locale, questions in templates.by_script():
            names: list[str] = getattr(profile.names, locale)
            for index, template in enumerate(questions):
                generated.append(_fill(template, names[index % len(names)], entity, value))
        return [*generated, *own]

    def training_examples(self, places: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """Return (annotated question, intent) pairs for the NLU: "ask_fact/<fact id>", or the
        intent of its own of an aspect such as the fees, whose questions are asked once each
        about one of the forms in turn (seven copies of each would outweigh every other intent).

        places are (name, province) pairs: "Oyem" in a question is the Woleu-Ntem province.
        """
        pairs = [
            (question, f"{FACT_INTENT}/{fact_id}")
            for fact_id, fact in self.facts.items()
            if fact.aspect is None or self.aspects[fact.aspect].intent is None
            for question in dict.fromkeys(self.questions(fact_id, places))
        ]
        for aspect, templates in self.aspects.items():
            if templates.intent is None or templates.examples is None:
                continue
            forms = [
                self.forms[fact.form]
                for fact in self.facts.values()
                if fact.aspect is aspect and fact.form is not None
            ]
            count = 0
            for locale, questions in templates.examples.by_script():
                for template in questions:
                    profile = forms[count % len(forms)]
                    names: list[str] = getattr(profile.names, locale)
                    entity, value = profile.entity()
                    filled = _fill(template, names[count % len(names)], entity, value)
                    pairs.append((filled, templates.intent))
                    count += 1
        return pairs

    def texts(self) -> list[tuple[str, FullText]]:
        """Return every text a citizen reads, with its entry path, for the checks."""
        found: list[tuple[str, FullText]] = []
        for aspect, templates in self.aspects.items():
            found.append((f"aspects.{aspect.value}.label", templates.label))
        for code, profile in self.forms.items():
            found.append((f"forms.{code.value}.label", profile.label))
            found.extend((f"forms.{code.value}.{a.value}", profile.line(a)) for a in Aspect)
        for fact_id, fact in self.facts.items():
            if fact.answer is not None:
                found.append((f"facts.{fact_id}.answer", fact.answer))
        return found


@cache
def _whole_word(surface: str) -> re.Pattern[str]:
    """Return the pattern of surface as a whole word, any case."""
    # Compiled once: the pack's hundreds of names outnumber the re module's own cache.
    return re.compile(rf"(?<!\w){re.escape(surface)}(?!\w)", re.IGNORECASE)


def _fill(template: str, name: str, entity: str, value: str) -> str:
    """Put a form's name, annotated as its entity, in the {form} slot of a question."""
    marked = f"[{name}]{json.dumps({'entity': entity, 'value': value}, ensure_ascii=False)}"
    return template.replace(FORM_SLOT, marked)


def annotate(text: str, marks: Sequence[tuple[str, str, str]]) -> str:
    """Mark, the way Rasa's training data does, each whole-word name of a form or a place."""
    taken: list[tuple[int, int, str, str]] = []
    for surface, entity, value in marks:
        for match in _whole_word(surface).finditer(text):
            start, end = match.span()
            if all(end <= first or start >= last for first, last, _e, _v in taken):
                taken.append((start, end, entity, value))
    result, position = [], 0
    for start, end, entity, value in sorted(taken):
        marked = json.dumps({"entity": entity, "value": value}, ensure_ascii=False)
        result += [text[position:start], f"[{text[start:end]}]{marked}"]
        position = end
    result.append(text[position:])
    return "".join(result)


def placeholder_mismatches(text: FullText) -> list[str]:
    """Say where a translation holds more or fewer placeholders than the French."""
    expected = len(find_placeholders(text.fr))
    problems = []
    for locale in (Locale.EN, Locale.AR):
        found = len(find_placeholders(text.get(locale.value)))
        if found != expected:
            problems.append(
                f"{locale.value} has {found} placeholder(s) where fr has {expected}: "
                "a translation keeps the same [À COMPLÉTER : ...] markers"
            )
    return problems


def form_of(org_type: OrgType, coop_form: CoopForm | None = None) -> FormCode:
    """Return the form a named organisation type (and cooperative form) stands for."""
    if coop_form is not None:
        return FormCode(coop_form.value)
    return FormCode(org_type.value)


def facts_problems(body: FactsBody) -> list[tuple[str, str]]:
    """Return (entry, message) for every unknown guide, misplaced form, placeholder mismatch
    and fact with too few questions."""
    # Every organisation type has a guide (a missing procedure is reported on its own).
    guides = {org_type.value for org_type in OrgType}
    found: list[tuple[str, str]] = []
    for code, profile in body.forms.items():
        entry = f"forms.{code.value}"
        if profile.guide not in guides:
            found.append((f"{entry}.guide", f"unknown guide {profile.guide!r}"))
        if profile.coop_form is not None and profile.guide != OrgType.COOPERATIVE.value:
            found.append((f"{entry}.coop_form", "coop_form is only for guide: cooperative"))
    for fact_id, fact in body.facts.items():
        for index, link in enumerate(fact.more):
            if link.guide is not None and link.guide not in guides:
                found.append(
                    (
                        f"facts.{fact_id}.more[{index}].guide",
                        f"unknown guide {link.guide!r}: guides are {', '.join(sorted(guides))}",
                    )
                )
        count = len(set(body.questions(fact_id)))
        if count < MIN_EXAMPLES:
            found.append(
                (
                    f"facts.{fact_id}.examples",
                    f"{count} example questions; a fact needs at least {MIN_EXAMPLES}",
                )
            )
    for entry, text in body.texts():
        found.extend((entry, problem) for problem in placeholder_mismatches(text))
    return found
