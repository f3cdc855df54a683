"""Follow-ups read against the conversation so far: "et pour une coop ?", "laquelle alors ?",
"et les frais ?", "on est 9", a file reference, "vous répondez quand ?".

The dialogue context (`Turn.recall`) holds the guide section shown last, the cooperative form
and the last recommendation; the organisation discussed is `Turn.topic`.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.content.facts import Aspect, form_of
from bot.core.actions import (
    GuideSection,
    MainMenu,
    ShowGuide,
    StartDecision,
    StartPreregistration,
)
from bot.core.feature import Feature
from bot.core.flows.decision import DecisionFeature
from bot.core.flows.facts import answer_aspect, discussed_form
from bot.core.flows.founders import check_founders
from bot.core.flows.guidance import SECTION_OF_INTENT, GuidanceFeature, recommendation
from bot.core.flows.handoff import HandoffFeature
from bot.core.flows.names import COOP_FORM_NAMES, org_type_name
from bot.core.flows.status import StatusFeature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import CoopForm, Flow, OrgType
from bot.storage.registrations import normalise_reference
from bot.text import fold, stated_group_size
from nlu import EntityType, Intent, ParseResult

# A follow-up is short: a longer message says what it is about by itself.
MAX_FOLLOW_UP_WORDS = 7
# Folded openings of an elliptic follow-up ("et pour une coop ?", "and for a cooperative?").
_ELLIPSIS = re.compile(
    r"^(?:et|and|what about|how about|what if|sinon|et si|et avec|and with|pour|for|"
    r"و|وماذا عن|ماذا عن|بالنسبة|وبالنسبة|و بالنسبة)(?:\s|$)"
)
_WHICH_ONE = frozenset(
    fold(text)
    for text in [
        "laquelle", "lequel", "laquelle alors", "lequel alors", "alors laquelle", "alors lequel",
        "et alors laquelle", "laquelle choisir", "lequel choisir", "laquelle me convient",
        "laquelle est mieux", "laquelle est la mieux", "c'est laquelle", "c laquelle",
        "vous conseillez quoi", "tu conseilles quoi", "vous me conseillez quoi",
        "which one", "which one then", "so which one", "which", "which is best",
        "which one should i choose", "what do you recommend", "what do you suggest",
        "ايهما", "أيهما", "اي واحدة", "أي واحدة", "ماذا تنصح", "بماذا تنصحني",
    ]
)  # fmt: skip
_SECTION_WORDS = {
    GuideSection.COSTS: [
        "frais", "cout", "couts", "coute", "prix", "tarif", "tarifs", "payer", "montant",
        "combien", "delai", "delais", "duree", "temps", "cost", "costs", "fee", "fees", "price",
        "pay", "much", "long", "رسوم", "تكلفة", "التكلفة", "سعر", "المدة", "مدة",
    ],
    GuideSection.DOCUMENTS: [
        "document", "documents", "docs", "papiers", "papier", "pieces", "piece",
        "paperwork", "papers", "وثائق", "الوثائق", "مستندات", "المستندات",
    ],
    GuideSection.OFFICE: [
        "ou", "deposer", "depot", "adresse", "bureau", "bureaux", "where", "office", "address",
        "file", "اين", "أين", "عنوان", "مكتب",
    ],
    GuideSection.OVERVIEW: ["etapes", "etape", "steps", "procedure", "demarche", "خطوات"],
}  # fmt: skip
_SECTION_OF_WORD = {fold(w): s for s, words in _SECTION_WORDS.items() for w in words}
# Within the costs section, the words that ask how long rather than how much.
_DELAY_WORDS = frozenset(
    fold(word)
    for word in ["delai", "delais", "duree", "temps", "long", "quand", "when", "المدة", "مدة"]
)
_ASPECT_OF_SECTION = {
    GuideSection.DOCUMENTS: Aspect.DOCUMENTS,
    GuideSection.COSTS: Aspect.FEES,
    GuideSection.OFFICE: Aspect.FILING,
}
_ASPECT_OF_INTENT = {
    Intent.ASK_DOCUMENTS: Aspect.DOCUMENTS,
    Intent.ASK_COST: Aspect.FEES,
    Intent.ASK_DURATION: Aspect.DELAYS,
    Intent.ASK_OFFICE: Aspect.FILING,
}
# Intents a named organisation does not turn into a guide ("pré-inscrire ma coop").
_NOT_GUIDES = frozenset(
    [
        Intent.PREREGISTER,
        Intent.CHECK_STATUS,
        Intent.HUMAN_HANDOFF,
        Intent.SUBSCRIBE,
        Intent.UNSUBSCRIBE,
        Intent.DATA_RIGHTS,
        Intent.CHANGE_LANGUAGE,
        Intent.EVENTS,
        Intent.FUNDING,
        Intent.FAIR_TRADE,
    ]
)
_WHEN = r"\b(?:quand|when|combien de temps|how long|how soon|delai|متى|متي)\b"
_ANSWERED = (
    r"\b(?:repond\w*|reponse|rappel\w*|contact\w*|ecri\w*|answer\w*|repl\w*|respond\w*|"
    r"call\w*|get back|hear|agent|ترد\w*|الرد|رد|تتصل\w*|يتصل\w*)"
)
# "vous répondez quand ?", "quand est-ce qu'un agent me rappelle", "when will you answer".
_REPLY_TIME = re.compile(rf"{_WHEN}.*{_ANSWERED}|{_ANSWERED}.*{_WHEN}")


class Reading(StrEnum):
    """What a follow-up turns out to ask."""

    REPLY_TIME = "reply_time"
    REFERENCE = "reference"
    WHICH_ONE = "which_one"
    OTHER_FORM = "other_form"
    OTHER_SECTION = "other_section"
    GROUP_SIZE = "group_size"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One follow-up and what it refers to."""

    reading: Reading
    org_type: OrgType | None = None
    coop_form: CoopForm | None = None
    section: GuideSection = GuideSection.OVERVIEW
    #: the fact asked of the form, when it is one ("et pour une coop ?" after the fees)
    aspect: Aspect | None = None
    count: int = 0
    reference: str = ""


class FollowUpFeature(Feature):
    """Answer the follow-ups that only make sense against what was said before."""

    def __init__(
        self,
        *,
        guidance: GuidanceFeature,
        decision: DecisionFeature,
        status: StatusFeature,
        handoff: HandoffFeature,
    ) -> None:
        self._guidance = guidance
        self._decision = decision
        self._status = status
        self._handoff = handoff

    def claims(self, turn: Turn) -> bool:
        """Tell whether the message is a follow-up this feature answers."""
        return read_follow_up(turn) is not None

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer the follow-up."""
        follow_up = read_follow_up(turn)
        if follow_up is None:
            msg = "on_intent without a follow-up to answer"
            raise LookupError(msg)
        reading = follow_up.reading
        if reading is Reading.REPLY_TIME:
            self._handoff.reply_time(turn)
        elif reading is Reading.REFERENCE:
            self._status.show(turn, asked_reference=follow_up.reference)
        elif reading is Reading.WHICH_ONE:
            self._which_one(turn)
        elif reading is Reading.GROUP_SIZE:
            self._group_size(turn, follow_up.count)
        else:
            assert follow_up.org_type is not None
            if follow_up.coop_form is not None:
                turn.remember(coop_form=follow_up.coop_form.value)
            form = (
                form_of(follow_up.org_type, follow_up.coop_form)
                if reading is Reading.OTHER_FORM
                else discussed_form(turn)
            )
            aspect = follow_up.aspect
            if aspect is not None and form is not None and answer_aspect(turn, form, aspect):
                return
            self._guidance.show(turn, follow_up.org_type, follow_up.section)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer nothing: this feature has no buttons of its own."""
        raise NotImplementedError

    def _which_one(self, turn: Turn) -> None:
        recommended: list[dict[str, str | None]] = turn.recall("recommended") or []
        if not recommended:
            self._decision.start(turn)
            return
        forms = [
            (
                OrgType(str(item["org_type"])),
                CoopForm(item["coop_form"]) if item["coop_form"] else None,
            )
            for item in recommended
        ]
        names = [
            _(COOP_FORM_NAMES[coop_form]) if coop_form else org_type_name(org_type)
            for org_type, coop_form in forms
        ]
        org_type = forms[0][0]
        if len(forms) == 1:
            text = _("D'après ce que vous m'avez dit : {name}.").format(name=names[0])
        else:
            text = _(
                "D'après ce que vous m'avez dit, plusieurs formes sont possibles : {names}. "
                "Quelques questions peuvent vous aider à choisir."
            ).format(names=", ".join(names))
        choices: list[tuple[str, Payload]] = [(_("Voir le guide"), ShowGuide(org_type))]
        if len(forms) > 1:
            choices.append((_("M'aider à choisir"), StartDecision()))
        choices += [
            (_("Pré-inscrire mon organisation"), StartPreregistration(org_type)),
            (_("Menu"), MainMenu()),
        ]
        turn.say(text, choices)

    def _group_size(self, turn: Turn, count: int) -> None:
        coop_form = turn.recall("coop_form")
        org_type = turn.topic
        check = check_founders(
            turn,
            count,
            org_type,
            CoopForm(coop_form) if coop_form and org_type is OrgType.COOPERATIVE else None,
        )
        turn.remember(recommended=recommendation(check.fitting))
        choices: list[tuple[str, Payload]] = []
        if org_type is not None:
            choices.append((_("Voir le guide"), ShowGuide(org_type)))
            choices.append((_("Pré-inscrire mon organisation"), StartPreregistration(org_type)))
        choices.append((_("Menu"), MainMenu()))
        turn.say(check.text, choices)


def read_follow_up(turn: Turn) -> FollowUp | None:
    """Read the message as a follow-up of the conversation, if it is one."""
    text = turn.text
    folded = fold(text)
    if not folded:
        return None
    if _REPLY_TIME.search(folded):
        return FollowUp(Reading.REPLY_TIME)
    reference = normalise_reference(text)
    if reference is not None and reference.startswith(f"{turn.pack.country.reference_prefix}-"):
        return FollowUp(Reading.REFERENCE, reference=reference)
    if folded in _WHICH_ONE and (
        turn.recall("recommended") or turn.conversation.flow is not Flow.DECISION
    ):
        return FollowUp(Reading.WHICH_ONE)
    words = folded.split()
    if len(words) > MAX_FOLLOW_UP_WORDS:
        return None
    result = turn.parse()
    named = result.entity_values(EntityType.ORG_TYPE)
    coop_forms = result.entity_values(EntityType.COOP_FORM)
    if coop_forms and not named:
        named = [OrgType.COOPERATIVE.value]
    elliptic = bool(_ELLIPSIS.match(folded))
    pending = turn.data("section") if turn.conversation.flow is Flow.GUIDE else None
    if len(named) == 1 and _known(result.intent) not in _NOT_GUIDES:
        said_section = _section_in(words, result)
        # Only the form's name, or "et pour ..." after a guide, or an answer to "which type?".
        if elliptic or pending or (len(words) <= 3 and turn.topic is not None):
            section = said_section or _pending_section(pending) or _recalled_section(turn)
            if said_section is not None:
                aspect = _aspect_in(words, result)
            elif pending:
                aspect = _stored_aspect(turn.data("aspect"))
            else:
                aspect = _stored_aspect(turn.recall("aspect"))
            return FollowUp(
                Reading.OTHER_FORM,
                org_type=OrgType(named[0]),
                coop_form=CoopForm(coop_forms[0]) if len(coop_forms) == 1 else None,
                section=section,
                aspect=aspect,
            )
        return None
    if named:
        return None
    count = stated_group_size(text)
    if count is not None and count > 0:
        return FollowUp(Reading.GROUP_SIZE, count=count)
    if turn.topic is not None and (elliptic or len(words) <= 2):
        asked = _section_in(words, None)
        if asked is not None:
            return FollowUp(
                Reading.OTHER_SECTION,
                org_type=turn.topic,
                section=asked,
                aspect=_aspect_in(words, None),
            )
    return None


def _known(intent: str) -> Intent | None:
    try:
        return Intent(intent)
    except ValueError:
        return None


def _section_in(words: list[str], result: ParseResult | None) -> GuideSection | None:
    """Return the guide section the words name ("les frais", "the documents")."""
    for word in words:
        if word in _SECTION_OF_WORD:
            return _SECTION_OF_WORD[word]
    if result is not None:
        intent = _known(result.intent)
        if intent in SECTION_OF_INTENT and result.confidence >= 0.6:
            return SECTION_OF_INTENT[intent]
    return None


def _aspect_in(words: list[str], result: ParseResult | None) -> Aspect | None:
    """Return the fact a follow-up asks of a form: the fees, the delays, the documents..."""
    section = _section_in(words, None)
    if section is GuideSection.COSTS and any(word in _DELAY_WORDS for word in words):
        return Aspect.DELAYS
    if section is not None:
        return _ASPECT_OF_SECTION.get(section)
    if result is not None and result.confidence >= 0.6:
        intent = _known(result.intent)
        return _ASPECT_OF_INTENT.get(intent) if intent is not None else None
    return None


def _stored_aspect(value: str | None) -> Aspect | None:
    return Aspect(value) if value else None


def _pending_section(pending: str | None) -> GuideSection | None:
    return GuideSection(pending) if pending else None


def _recalled_section(turn: Turn) -> GuideSection:
    shown = turn.recall("section")
    return GuideSection(shown) if shown else GuideSection.OVERVIEW
