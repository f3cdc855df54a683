"""Answer one fact at a time, compare forms, and say plainly what the service covers.

The NLU's `ask_fact` retrieval intent names the fact ("ask_fact/founders_scoops"), the way
Rasa's ResponseSelector does; an organisation named in the message, or the one being
discussed, picks the right form's fact. Before any intent is routed, this feature also claims
three kinds of message: one about another country (the pack covers one country), one naming
two or more forms ("asso ou ONG ?": a comparison, not the decision helper), and a message that
is only the name of a form ("mutuelle": that form's guide).
"""

from datetime import date

from bot.content.facts import Aspect, FactsBody, FormCode, Link, form_of
from bot.content.model import Source
from bot.core.actions import (
    Faq,
    GuideList,
    GuideSection,
    Handoff,
    MainMenu,
    MoreTopics,
    ShowGuide,
    StartDecision,
)
from bot.core.feature import Feature
from bot.core.flows.compare import compare_forms, named_forms, only_names_a_form
from bot.core.flows.guidance import GuidanceFeature, office_lines, org_type_name
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.scope import country_name, foreign_city, foreign_country
from bot.core.turn import Turn
from bot.domain import Flow, OrgType
from bot.text import fold
from nlu import Intent, ParseResult

# A fact chosen with no form named is trusted above this selector confidence only when the
# question itself names what it is about ("le conseil d'administration", "comité de gestion").
SURE_WITHOUT_FORM = 0.5
# Below this the response selector is guessing ("c quoi un sigle" has no fact; its best guess
# was OHADA at 0.19): saying so beats answering another question.
MIN_SELECTION_CONFIDENCE = 0.25
SECTION_OF_LINK = {
    "overview": GuideSection.OVERVIEW,
    "documents": GuideSection.DOCUMENTS,
    "costs": GuideSection.COSTS,
    "office": GuideSection.OFFICE,
}
# Intents that ask about one part of a guide: with two forms named, the guide still answers.
_SECTION_INTENTS = frozenset(
    {
        Intent.ASK_DOCUMENTS,
        Intent.ASK_COST,
        Intent.ASK_DURATION,
        Intent.ASK_OFFICE,
        Intent.PREREGISTER,
        Intent.CHECK_STATUS,
    }
)
_COMPARISON_WORDS = frozenset(
    fold(word)
    for word in [
        "ou", "vs", "versus", "différence", "difference", "différences", "compare", "comparer",
        "comparaison", "mieux", "entre", "or", "between", "better", "أو", "ام", "أم", "فرق",
        "الفرق", "مقارنة", "أفضل",
    ]
)  # fmt: skip


class FactsFeature(Feature):
    """Short answers to fact questions, comparisons of forms, and the service's scope."""

    # The documents, fees, delays and where to file have intents of their own, which also
    # take questions naming no form ("c'est combien ?"): the form discussed picks the fact.
    intents = (
        Intent.ASK_FACT,
        Intent.ASK_DOCUMENTS,
        Intent.ASK_COST,
        Intent.ASK_DURATION,
        Intent.ASK_OFFICE,
    )

    def claims(self, turn: Turn) -> bool:
        """Take another country, a comparison or a form's bare name before intent routing."""
        result = turn.parse()
        return (
            self._foreign(turn) is not None
            or only_names_a_form(result) is not None
            or self._comparison(turn, result) is not None
        )

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer the fact asked, or what `claims` took."""
        foreign = self._foreign(turn)
        if foreign is not None:
            self._out_of_scope(turn, foreign)
            return
        single = only_names_a_form(result)
        facts = turn.pack.facts
        if single is not None:
            org_type, coop_form = single
            # "Pour quel type d'organisation ?" was asked for one part of the guides.
            pending = turn.conversation.flow is Flow.GUIDE
            asked = turn.data("section") if pending else None
            aspect = turn.data("aspect") if pending else None
            if aspect and answer_aspect(turn, form_of(org_type, coop_form), Aspect(aspect)):
                return
            section = GuideSection(asked) if asked else GuideSection.OVERVIEW
            GuidanceFeature().show(turn, org_type, section)
            return
        compared = self._comparison(turn, result)
        if compared is not None and facts is not None:
            self._compare(turn, facts, compared)
            return
        aspect_asked = facts.aspect_of_intent(result.intent) if facts is not None else None
        if result.intent != Intent.ASK_FACT.value:
            self._answer_aspect_intent(turn, result, aspect_asked)
            return
        fact_id = self._chosen_fact(turn, result)
        if facts is None or fact_id is None:
            turn.misunderstood()
            turn.say(
                _("Je n'ai pas compris votre message."),
                [(_("Autres questions"), MoreTopics()), (_("Menu"), MainMenu())],
            )
            return
        if isinstance(fact_id, Aspect):
            self._overview(turn, facts, fact_id)
        else:
            self.answer(turn, fact_id)

    # -- one fact --------------------------------------------------------------------------

    def answer(self, turn: Turn, fact_id: str) -> None:
        """Say a fact's short answer with its source, then the buttons to the full guides."""
        facts = turn.pack.facts
        assert facts is not None
        fact = facts.facts[fact_id]
        answer = turn.value(facts.answer(fact_id))
        if turn.conversation.flow is Flow.GUIDE:
            turn.go(Flow.GUIDE)  # "Pour quel type d'organisation ?" is answered
        turn.remember(aspect=None)
        if fact.form is not None and fact.aspect is not None:
            profile = facts.forms[fact.form]
            answer = _("{form}, {aspect} :\n{answer}").format(
                form=turn.value(profile.label),
                aspect=turn.value(facts.aspects[fact.aspect].label).lower(),
                answer=answer,
            )
            turn.topic = OrgType(profile.guide)
            if fact.aspect is Aspect.FILING:
                # Where to file is a place: its offices, their address and hours.
                answer = "\n".join([answer, *office_lines(turn, OrgType(profile.guide))])
            # "et pour une coop ?", "c'est combien ?" next are read against this fact.
            coop_form = profile.coop_form.value if profile.coop_form else None
            turn.remember(aspect=fact.aspect.value, coop_form=coop_form)
        else:
            guides = {link.guide for link in facts.links(fact_id) if link.guide is not None}
            if len(guides) == 1:
                # A fact about one form (an association's scope): "et les papiers ?" next
                # is about that form.
                turn.topic = OrgType(guides.pop())
        text = f"{answer}\n\n{sources_line(turn, facts.sources(fact_id), facts.reviewed(fact_id))}"
        turn.say(text, [*link_choices(facts.links(fact_id)), *_closing_choices()])

    def _answer_aspect_intent(self, turn: Turn, result: ParseResult, aspect: Aspect | None) -> None:
        """Answer "quels papiers ?", "c'est combien pour une coop ?", "je dépose où ?"."""
        facts = turn.pack.facts
        forms = named_forms(result)
        if facts is not None and aspect is not None and len(forms) >= 2:
            # "les frais d'une asso et d'une coop": that aspect, side by side.
            text = compare_forms(turn, facts, forms[:3], (aspect,))
            self._say_comparison(turn, facts, forms[:3], text)
            return
        form = forms[0] if forms else discussed_form(turn)
        if aspect is not None and form is not None and answer_aspect(turn, form, aspect):
            return
        GuidanceFeature().on_intent(turn, result)
        if aspect is not None and turn.conversation.flow is Flow.GUIDE and turn.data("section"):
            # "Pour quel type d'organisation ?": the answer gets this aspect's fact.
            turn.update(aspect=aspect.value)

    def _chosen_fact(self, turn: Turn, result: ParseResult) -> str | Aspect | None:
        """Return the fact to answer, an aspect to give for every form, or None."""
        facts = turn.pack.facts
        selection = result.selection(Intent.ASK_FACT.value)
        chosen = result.response_key(Intent.ASK_FACT.value)
        if facts is None or selection is None or chosen not in facts.facts:
            return None
        fact = facts.facts[chosen]
        if fact.aspect is None:
            # Per-form facts share their confidence among the forms; a fact of its own not.
            return chosen if selection.confidence >= MIN_SELECTION_CONFIDENCE else None
        forms = named_forms(result)
        if len(forms) == 1:
            return facts.fact_of(forms[0], fact.aspect) or chosen
        if fact.examples is not None and selection.confidence >= SURE_WITHOUT_FORM:
            return chosen
        if turn.topic is not None:
            return facts.fact_of(FormCode(turn.topic.value), fact.aspect) or chosen
        return fact.aspect

    def _overview(self, turn: Turn, facts: FactsBody, aspect: Aspect) -> None:
        """Answer an aspect for every form when the question names none."""
        # The cooperative's legal forms where the country has them (OHADA's, in Gabon).
        if turn.pack.procedures[OrgType.COOPERATIVE].variants:
            cooperatives = [FormCode.SCOOPS, FormCode.COOP_CA]
        else:
            cooperatives = [FormCode.COOPERATIVE]
        shown = [FormCode.ASSOCIATION, FormCode.NGO, *cooperatives]
        shown += [FormCode.MUTUAL, FormCode.FOUNDATION]
        lines = [
            _("{aspect}, selon la forme :").format(aspect=turn.value(facts.aspects[aspect].label))
        ]
        sources: list[Source] = []
        for code in shown:
            profile = facts.forms[code]
            lines.append(
                _("• {form} : {text}").format(
                    form=turn.value(profile.label), text=turn.value(profile.line(aspect))
                )
            )
            titles = {source.title for source in sources}
            sources += [source for source in profile.sources if source.title not in titles]
        reviewed = min(facts.forms[code].reviewed for code in shown)
        text = "\n".join(lines) + "\n\n" + sources_line(turn, sources, reviewed)
        turn.say(
            text,
            [
                (_("M'aider à choisir"), StartDecision()),
                (_("Créer une organisation"), GuideList()),
                *_closing_choices(),
            ],
        )

    # -- comparisons -----------------------------------------------------------------------

    def _comparison(self, turn: Turn, result: ParseResult) -> list[FormCode] | None:
        """Return the forms to compare when a message names several and asks about them."""
        if turn.pack.facts is None:
            return None
        forms = named_forms(result)
        if len(forms) < 2:
            return None
        words = set(fold(turn.text).split())
        if result.intent in _SECTION_INTENTS and not words & _COMPARISON_WORDS:
            return None
        return forms[:3]

    def _compare(self, turn: Turn, facts: FactsBody, forms: list[FormCode]) -> None:
        """Say what differs between forms, with a guide button for each."""
        self._say_comparison(turn, facts, forms, compare_forms(turn, facts, forms))

    def _say_comparison(
        self, turn: Turn, facts: FactsBody, forms: list[FormCode], text: str
    ) -> None:
        guides: list[tuple[str, Payload]] = []
        for code in forms:
            org_type = OrgType(facts.forms[code].guide)
            label = _("Guide : {name}").format(name=turn.value(facts.forms[code].label))
            if all(not isinstance(p, ShowGuide) or p.org_type is not org_type for _l, p in guides):
                guides.append((label, ShowGuide(org_type)))
        turn.say(
            text, [*guides, (_("M'aider à choisir"), StartDecision()), (_("Menu"), MainMenu())]
        )

    # -- scope -----------------------------------------------------------------------------

    def _foreign(self, turn: Turn) -> str | None:
        return foreign_country(turn.text, turn.pack.country.code, turn.pack.other_countries)

    def _out_of_scope(self, turn: Turn, code: str) -> None:
        """Say which country the service covers instead of giving its procedure for another."""
        locale = turn.translator.locale.value
        home = country_name(turn.pack.country.code, locale)
        other = country_name(code, locale)
        city = foreign_city(turn.text, turn.pack.country.code, turn.pack.other_countries)
        if city is None:
            text = _(
                "Ce service ne couvre qu'un pays : {home}.\n"
                "Votre question parle d'un autre pays ({other}). Ses lois, ses démarches et ses "
                "bureaux sont différents : je ne peux pas vous les donner. Renseignez-vous "
                "auprès de l'administration de ce pays.\n"
                "Pour un projet dans ce pays-ci ({home}), je peux vous aider."
            ).format(home=home, other=other)
        else:
            # "je suis à Paris": the person may live abroad with a project at home.
            text = _(
                "Ce service ne couvre qu'un pays : {home}. Il explique les démarches pour y "
                "fonder une association, une ONG, une coopérative, une mutuelle ou une "
                "fondation, et pour vous pré-inscrire auprès de la {directorate}.\n"
                "{city} est dans un autre pays ({other}) : ses lois, ses démarches et ses "
                "bureaux sont différents, je ne peux pas vous les donner. Renseignez-vous "
                "auprès de l'administration de ce pays.\n"
                "Si votre projet est dans ce pays-ci ({home}), même si vous vivez à {city}, "
                "je peux vous aider. Une personne de la {directorate} peut aussi vous "
                "répondre : choisissez « Parler à une personne »."
            ).format(home=home, other=other, city=city, directorate=turn.directorate)
        turn.say(
            text,
            [
                (_("Démarches : {country}").format(country=home), GuideList()),
                (_("Parler à une personne"), Handoff()),
                (_("Menu"), MainMenu()),
            ],
        )


def discussed_form(turn: Turn) -> FormCode | None:
    """Return the form being discussed: the organisation, and its cooperative form if said."""
    org_type = turn.topic
    if org_type is None:
        return None
    coop_form = turn.recall("coop_form")
    if org_type is OrgType.COOPERATIVE and coop_form:
        return FormCode(coop_form)
    return form_of(org_type)


def answer_aspect(turn: Turn, form: FormCode, aspect: Aspect) -> bool:
    """Answer one aspect of one form as its fact; False when the pack has no such fact."""
    facts = turn.pack.facts
    fact_id = facts.fact_of(form, aspect) if facts is not None else None
    if fact_id is None:
        return False
    FactsFeature().answer(turn, fact_id)
    return True


def sources_line(turn: Turn, sources: list[Source], reviewed: date) -> str:
    """Return the one short line that names the sources and the review date."""
    # Translators: separates the titles of the sources, which may hold commas.
    titles = _("; ").join(turn.local(source.title) for source in sources)
    return _("Sources : {sources}. Vérifié le {date}.").format(
        sources=titles, date=turn.translator.format_date(reviewed)
    )


def link_choices(links: list[Link]) -> list[tuple[str, Payload]]:
    """Turn a fact's links into "more" buttons."""
    choices: list[tuple[str, Payload]] = []
    for link in links:
        if link.faq is not None:
            choices.append((_("En savoir plus"), Faq(link.faq)))
            continue
        assert link.guide is not None
        org_type = OrgType(link.guide)
        section = SECTION_OF_LINK[link.section.value]
        name = org_type_name(org_type)
        label = {
            GuideSection.OVERVIEW: _("Guide : {name}"),
            GuideSection.DOCUMENTS: _("Documents : {name}"),
            GuideSection.COSTS: _("Coûts et délais : {name}"),
            GuideSection.OFFICE: _("Où déposer : {name}"),
        }[section].format(name=name)
        choices.append((label, ShowGuide(org_type, section)))
    return choices


def _closing_choices() -> list[tuple[str, Payload]]:
    return [(_("Parler à une personne"), Handoff()), (_("Menu"), MainMenu())]
