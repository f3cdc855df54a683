"""Read which forms a message names, and say what differs between them, aspect by aspect."""

from collections.abc import Sequence

from bot.content.facts import COMPARED_ASPECTS, Aspect, FactsBody, FormCode, form_of
from bot.core.i18n import _
from bot.core.turn import Turn
from bot.domain import CoopForm, OrgType
from bot.text import fold
from nlu import EntityType, ParseResult

# Words that may stand around a form's name in a one-word message ("une mutuelle ?").
_FILLERS = frozenset(
    fold(word)
    for word in ["un", "une", "la", "le", "l", "les", "des", "a", "an", "the", "ال", "stp",
                 "svp", "please", "ok", "et", "and"]
)  # fmt: skip


def named_forms(result: ParseResult) -> list[FormCode]:
    """Return the distinct forms a message names, in text order (SCOOPS, not "cooperative")."""
    forms: list[FormCode] = []
    coop_forms = result.entity_values(EntityType.COOP_FORM)
    for entity in sorted(result.entities, key=lambda item: item.start):
        if entity.entity == EntityType.COOP_FORM:
            code = form_of(OrgType.COOPERATIVE, CoopForm(entity.value))
        elif entity.entity == EntityType.ORG_TYPE and not (
            entity.value == OrgType.COOPERATIVE and coop_forms
        ):
            code = form_of(OrgType(entity.value))
        else:
            continue
        if code not in forms:
            forms.append(code)
    return forms


def only_names_a_form(result: ParseResult) -> tuple[OrgType, CoopForm | None] | None:
    """Return the form of a message that is nothing but its name ("mutuelle", "une scoops")."""
    forms = named_forms(result)
    if len(forms) != 1:
        return None
    text = result.text
    rest = list(text)
    for entity in result.entities:
        rest[entity.start : entity.end] = [" "] * (entity.end - entity.start)
    if any(word not in _FILLERS for word in fold("".join(rest)).split()):
        return None
    coop = result.entity(EntityType.COOP_FORM)
    return OrgType(result.entity(EntityType.ORG_TYPE) or OrgType.COOPERATIVE), (
        CoopForm(coop) if coop else None
    )


def compare_forms(
    turn: Turn,
    facts: FactsBody,
    forms: list[FormCode],
    aspects: Sequence[Aspect] = COMPARED_ASPECTS,
) -> str:
    """Write the differences between forms: founders, purpose, bodies, capital, law, filing
    (or only the aspects asked: "les frais d'une asso et d'une coop")."""
    profiles = [facts.forms[code] for code in forms]
    labels = [turn.value(profile.label) for profile in profiles]
    lines = [_("{forms} : ce qui change").format(forms=_(" ou ").join(labels))]
    for aspect in aspects:
        texts = [turn.value(profile.line(aspect)) for profile in profiles]
        lines.append("")
        lines.append(turn.value(facts.aspects[aspect].label))
        if len(set(texts)) == 1:
            lines.append(_("• Pareil : {text}").format(text=texts[0]))
            continue
        lines.extend(
            _("• {form} : {text}").format(form=label, text=text)
            for label, text in zip(labels, texts, strict=True)
        )
    titles: list[str] = []
    for profile in profiles:
        titles += [
            title
            for title in (turn.local(source.title) for source in profile.sources)
            if title not in titles
        ]
    reviewed = min(profile.reviewed for profile in profiles)
    lines.append("")
    lines.append(
        _("Sources : {sources}. Vérifié le {date}.").format(
            sources=_("; ").join(titles), date=turn.translator.format_date(reviewed)
        )
    )
    return "\n".join(lines)
