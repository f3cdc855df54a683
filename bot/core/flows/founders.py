"""A group size checked against each form's legal minimum of founders (from the content pack)."""

from dataclasses import dataclass

from bot.core.flows.names import COOP_FORM_NAMES, org_type_name
from bot.core.i18n import _, ngettext
from bot.core.turn import Turn
from bot.domain import CoopForm, OrgType


@dataclass(frozen=True, slots=True)
class LegalForm:
    """One form a group can take, with the smallest number of founders the law allows."""

    org_type: OrgType
    coop_form: CoopForm | None
    minimum: int | None
    # Where the minimum depends on the organisation's reach: that reach, in the reader's words.
    scope_label: str | None = None

    def name(self) -> str:
        """Return the translated name of the form."""
        if self.scope_label is not None:
            return self.scope_label
        if self.coop_form is not None:
            return _(COOP_FORM_NAMES[self.coop_form])
        return org_type_name(self.org_type)


@dataclass(frozen=True, slots=True)
class FoundersCheck:
    """What a group of that size can create, said in one reply."""

    text: str
    # The forms among those discussed the group can take, for "laquelle alors ?".
    fitting: tuple[LegalForm, ...]


def legal_forms(turn: Turn, org_type: OrgType | None = None) -> list[LegalForm]:
    """Return the forms of one organisation type (both cooperative forms), or of all."""
    forms = []
    for kind in [org_type] if org_type else list(OrgType):
        procedure = turn.pack.procedures[kind]
        if procedure.variants:
            forms += [LegalForm(kind, v.code, v.min_founders) for v in procedure.variants]
        elif procedure.founders_by_scope and org_type is not None:
            forms += [
                LegalForm(kind, None, rule.min_founders, turn.local(rule.label))
                for rule in procedure.founders_by_scope
            ]
        else:
            forms.append(LegalForm(kind, None, procedure.min_founders))
    return forms


def check_founders(
    turn: Turn, count: int, org_type: OrgType | None, coop_form: CoopForm | None = None
) -> FoundersCheck:
    """Say which of the forms discussed a group of `count` founders can take."""
    discussed = legal_forms(turn, org_type)
    if coop_form is not None:
        discussed = [form for form in discussed if form.coop_form in (coop_form, None)]
    number = turn.translator.format_number(count)
    lines = [
        ngettext(
            "Avec {count} membre fondateur :", "Avec {count} membres fondateurs :", count
        ).format(count=number)
    ]
    for form in discussed:
        lines.append(_line(turn, form, count))
    fitting = [form for form in discussed if form.minimum is not None and count >= form.minimum]
    if org_type is not None and not fitting:
        others = [
            form
            for form in legal_forms(turn)
            if form.minimum is not None and count >= form.minimum and form not in discussed
        ]
        if others:
            lines.append(
                _("Possible avec {count} membres : {forms}.").format(
                    count=number, forms=", ".join(form.name() for form in others)
                )
            )
    if all(form.minimum is not None and count < form.minimum for form in discussed) and (
        org_type is None or count < 2
    ):
        lines.append(_("Il faut au moins 2 personnes pour créer une organisation."))
    if fitting:
        lines.append(
            _("Ce sont des minimums : un groupe plus nombreux peut aussi prendre ces formes.")
        )
    return FoundersCheck("\n".join(lines), tuple(fitting))


def _line(turn: Turn, form: LegalForm, count: int) -> str:
    if form.minimum is None:
        procedure = turn.pack.procedures[form.org_type]
        note = turn.local(procedure.founders_note) if procedure.founders_note else ""
        return _("• {form} : {note}").format(form=form.name(), note=" ".join(note.split()))
    minimum = turn.translator.format_number(form.minimum)
    if count >= form.minimum:
        return _("• {form} : possible (au moins {minimum}).").format(
            form=form.name(), minimum=minimum
        )
    return _("• {form} : pas assez, il en faut au moins {minimum}.").format(
        form=form.name(), minimum=minimum
    )
