"""The pre-registration form as data: typed fields, their questions and their validators."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.content import ContentPack
from bot.content.territory import UnitWords
from bot.core.flows.country_fields import (
    has_scopes,
    parse_province,
    parse_scope,
    province_choices,
    scope_choices,
    scope_still_valid,
    show_province,
    show_scope,
)
from bot.core.flows.form_base import Answers, FieldName, FormContext, Invalid, Parser, pick
from bot.core.flows.lead_ins import Answering, says_there_is_none, without_lead_in
from bot.core.flows.names import COOP_FORM_NAMES, org_type_name
from bot.core.i18n import N_, _
from bot.domain import CoopForm, OrgType
from bot.text import fold, has_letters, read_count, squeeze
from nlu import EntityType

MAX_FOUNDERS = 100_000
SKIP_WORDS = frozenset(
    fold(word)
    for word in ["non", "aucun", "aucune", "rien", "pas", "passer", "-", "no", "none", "skip", "لا"]
)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


@dataclass(frozen=True, slots=True)
class FormField:
    """One question of the form."""

    name: FieldName
    label: str
    question: str
    parse: Parser
    choices: Callable[[FormContext], list[tuple[str, str]]] | None = None
    optional: bool = False
    applies: Callable[[Answers, ContentPack], bool] = field(default=lambda answers, pack: True)
    still_valid: Callable[[Any, FormContext], bool] = field(default=lambda value, ctx: True)
    display: Callable[[Any, FormContext], str] = field(default=lambda value, ctx: str(value))
    suggest: Callable[[FormContext], str | None] = field(default=lambda ctx: None)
    # What the field is and why it is asked ("c'est quoi un sigle ?", "pourquoi mon numéro ?").
    help: str = ""
    # Folded words by which a question is about this field.
    about: tuple[str, ...] = ()
    # The pack's words for a territorial field (wilaya or province, commune or town), which
    # replace the label, the question, the help and the words above.
    words: Callable[[ContentPack], UnitWords] | None = None

    def label_in(self, ctx: "FormContext") -> str:
        """Return the field's label in the reader's language."""
        if self.words is not None:
            return self.words(ctx.pack).label.get(ctx.translator.locale.value)
        return _(self.label)

    def question_in(self, ctx: "FormContext") -> str:
        """Return the field's question in the reader's language."""
        if self.words is not None:
            return self.words(ctx.pack).question.get(ctx.translator.locale.value)
        return _(self.question)

    def help_in(self, ctx: "FormContext") -> str:
        """Return what the field is and why it is asked, in the reader's language."""
        if self.words is not None:
            return self.words(ctx.pack).help.get(ctx.translator.locale.value)
        if self.name is FieldName.SCOPE:
            labels = [label for label, _value in scope_choices(ctx)]
            return _(self.help).replace("{scopes}", ctx.translator.format_list(labels))
        return _(self.help)

    def about_words(self, pack: ContentPack) -> tuple[str, ...]:
        """Return the folded words by which a question is about this field."""
        if self.words is not None:
            return tuple(fold(word) for word in self.words(pack).about)
        return self.about


def minimum_founders(ctx: FormContext) -> int:
    """Return the legal minimum of founders for the form chosen so far."""
    org_type = OrgType(ctx.answers[FieldName.ORG_TYPE])
    procedure = ctx.pack.procedures[org_type]
    coop_form = ctx.answers.get(FieldName.COOP_FORM)
    if coop_form:
        variant = procedure.variant(CoopForm(coop_form))
        if variant is not None:
            return variant.min_founders
    rule = procedure.scope_rule(ctx.answers.get(FieldName.SCOPE))
    if rule is not None:
        return rule.min_founders
    return procedure.min_founders or 1


def _text(minimum: int, maximum: int, what: str, answering: Answering | None = None) -> Parser:
    def parse(text: str, ctx: FormContext) -> str:
        value = squeeze(text) if answering is None else without_lead_in(text, answering)
        if not has_letters(value):
            raise Invalid(_("{what} doit contenir des lettres.").format(what=_(what)))
        if len(value) < minimum:
            raise Invalid(_("{what} est trop court.").format(what=_(what)))
        if len(value) > maximum:
            raise Invalid(
                _("{what} est trop long ({maximum} caractères au plus).").format(
                    what=_(what), maximum=maximum
                )
            )
        return value

    return parse


def _optional(parse: Parser) -> Parser:
    def parse_optional(text: str, ctx: FormContext) -> Any:
        return None if fold(text) in SKIP_WORDS or says_there_is_none(text) else parse(text, ctx)

    return parse_optional


def _org_type_choices(ctx: FormContext) -> list[tuple[str, str]]:
    return [(org_type_name(org_type), org_type.value) for org_type in OrgType]


def _parse_org_type(text: str, ctx: FormContext) -> str:
    named = ctx.nlu.parse(text).entity(EntityType.ORG_TYPE) or pick(text, _org_type_choices(ctx))
    if named is None:
        raise Invalid(_("Je n'ai pas reconnu le type d'organisation. Choisissez dans la liste."))
    return named


def _coop_form_choices(ctx: FormContext) -> list[tuple[str, str]]:
    return [(_(COOP_FORM_NAMES[form]), form.value) for form in CoopForm]


def _parse_coop_form(text: str, ctx: FormContext) -> str:
    named = ctx.nlu.parse(text).entity(EntityType.COOP_FORM) or pick(text, _coop_form_choices(ctx))
    if named is None:
        raise Invalid(
            _(
                "Répondez SCOOPS (coopérative simplifiée, 5 membres au moins) ou COOP-CA "
                "(avec conseil d'administration, 15 membres au moins)."
            )
        )
    return named


def _sector_choices(ctx: FormContext) -> list[tuple[str, str]]:
    locale = ctx.translator.locale.value
    return [(sector.label.get(locale), sector.code) for sector in ctx.pack.country.sectors]


def _parse_sector(text: str, ctx: FormContext) -> str:
    code = pick(text, _sector_choices(ctx))
    if code is None:
        raise Invalid(_("Choisissez un secteur dans la liste (répondez par son numéro)."))
    return code


def _parse_founders(text: str, ctx: FormContext) -> int:
    count = read_count(text)
    if count is None:
        raise Invalid(_("Écrivez le nombre de membres fondateurs en chiffres, par exemple 12."))
    if count > MAX_FOUNDERS:
        raise Invalid(_("Ce nombre semble trop grand. Écrivez le nombre de membres fondateurs."))
    minimum = minimum_founders(ctx)
    scope = ctx.answers.get(FieldName.SCOPE)
    if count < minimum and scope:
        raise Invalid(
            _(
                "Pour « {scope} », il faut au moins {minimum} membres fondateurs ; vous en "
                "indiquez {count}. Corrigez le nombre, ou écrivez « modifier » pour changer "
                "de portée."
            ).format(minimum=minimum, count=count, scope=show_scope(scope, ctx))
        )
    if count < minimum:
        raise Invalid(
            _(
                "Il faut au moins {minimum} membres fondateurs pour cette forme "
                "d'organisation, vous en indiquez {count}. Corrigez le nombre, ou écrivez "
                "« modifier » pour changer de forme."
            ).format(minimum=minimum, count=count)
        )
    return count


def _founders_still_valid(value: Any, ctx: FormContext) -> bool:
    return isinstance(value, int) and value >= minimum_founders(ctx)


def _role_choices(ctx: FormContext) -> list[tuple[str, str]]:
    roles = [
        N_("Président(e)"),
        N_("Secrétaire général(e)"),
        N_("Trésorier(e)"),
        N_("Membre fondateur"),
    ]
    return [(_(role), _(role)) for role in roles]


def _parse_phone(text: str, ctx: FormContext) -> str:
    # Imported when a number is read: its metadata makes start-up slower for every command.
    import phonenumbers

    region = ctx.pack.country.phone_region
    hint = _phone_example(region)
    if len(text) > 40:
        raise Invalid(_("Ce numéro de téléphone n'est pas valide.") + " " + hint)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise Invalid(_("Ce numéro de téléphone n'est pas valide.") + " " + hint) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid(_("Ce numéro de téléphone n'est pas valide.") + " " + hint)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _phone_example(region: str) -> str:
    """Show how a valid mobile number of the region is written, in both forms."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    return _("Exemple : {national} ou {international}.").format(
        national=phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(
            example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
    )


def _parse_email(text: str, ctx: FormContext) -> str:
    value = text.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise Invalid(
            _(
                "Cette adresse e-mail n'est pas valide, par exemple : nom@exemple.com. "
                "Ou écrivez « non »."
            )
        )
    return value.lower()


def _parse_acronym(text: str, ctx: FormContext) -> str:
    value = squeeze(text)
    if not has_letters(value) or len(value) > 20:
        raise Invalid(
            _("Un sigle a 20 caractères au plus, par exemple « AJF ». Ou écrivez « non ».")
        )
    return value


def _show_org_type(value: Any, ctx: FormContext) -> str:
    return org_type_name(OrgType(value))


def _show_coop_form(value: Any, ctx: FormContext) -> str:
    return _(COOP_FORM_NAMES[CoopForm(value)])


def _show_sector(value: Any, ctx: FormContext) -> str:
    labels = {code: label for label, code in _sector_choices(ctx)}
    return labels.get(value, str(value))


def _show_optional(value: Any, ctx: FormContext) -> str:
    return str(value) if value else "—"


def _has_coop_forms(answers: Answers, pack: ContentPack) -> bool:
    if answers.get(FieldName.ORG_TYPE) != OrgType.COOPERATIVE.value:
        return False
    return bool(pack.procedures[OrgType.COOPERATIVE].variants)


def _has_scopes(answers: Answers, pack: ContentPack) -> bool:
    return has_scopes(pack, answers.get(FieldName.ORG_TYPE))


FIELDS: tuple[FormField, ...] = (
    FormField(
        FieldName.ORG_TYPE,
        N_("Type"),
        N_("Quel type d'organisation voulez-vous pré-inscrire ?"),
        _parse_org_type,
        choices=_org_type_choices,
        display=_show_org_type,
        help=N_(
            "Le type, c'est la forme de votre organisation : association, ONG, coopérative, "
            "mutuelle ou fondation. Si vous hésitez, écrivez « aidez-moi à choisir »."
        ),
        about=("type", "forme juridique", "legal form", "kind", "نوع"),
    ),
    FormField(
        FieldName.COOP_FORM,
        N_("Forme de coopérative"),
        N_(
            "Quelle forme de coopérative ? La SCOOPS (simplifiée) demande 5 membres au moins, "
            "la COOP-CA (avec conseil d'administration) 15 au moins."
        ),
        _parse_coop_form,
        choices=_coop_form_choices,
        applies=_has_coop_forms,
        display=_show_coop_form,
        help=N_(
            "La SCOOPS est la forme simple : au moins 5 membres, dirigée par un comité de "
            "gestion. La COOP-CA a un conseil d'administration et demande au moins 15 membres."
        ),
        about=("scoops", "coop ca", "coopca", "forme", "form", "شكل"),
    ),
    FormField(
        FieldName.SCOPE,
        N_("Portée"),
        N_(
            "Quelle sera la portée de l'organisation ? Le nombre de membres fondateurs et le "
            "lieu de dépôt du dossier en dépendent."
        ),
        parse_scope,
        choices=scope_choices,
        applies=_has_scopes,
        still_valid=scope_still_valid,
        display=show_scope,
        help=N_(
            "La portée, c'est l'étendue des activités de l'organisation : {scopes}. La loi "
            "demande plus de membres fondateurs quand la portée est plus large."
        ),
        about=("portee", "scope", "reach", "niveau", "level", "نطاق", "مستوى"),
    ),
    FormField(
        FieldName.NAME,
        N_("Nom"),
        N_("Quel est le nom de l'organisation ?"),
        _text(2, 160, N_("Le nom"), Answering.ORGANISATION),
        help=N_(
            "Le nom complet de l'organisation, tel qu'il sera écrit dans ses statuts, par "
            "exemple « Association des Jeunes pour la Formation »."
        ),
        about=("nom", "name", "اسم"),
    ),
    FormField(
        FieldName.ACRONYM,
        N_("Sigle"),
        N_("A-t-elle un sigle (par exemple « AJF ») ? Sinon, répondez « non »."),
        _optional(_parse_acronym),
        optional=True,
        display=_show_optional,
        help=N_(
            "Un sigle est le nom court fait des premières lettres du nom, par exemple « AJF » "
            "pour Association des Jeunes pour la Formation. Il n'est pas obligatoire : répondez "
            "« non » si l'organisation n'en a pas."
        ),
        about=("sigle", "acronyme", "acronym", "abbreviation", "abreviation", "رمز", "اختصار"),
    ),
    FormField(
        FieldName.SECTOR,
        N_("Secteur d'activité"),
        N_("Dans quel secteur d'activité ?"),
        _parse_sector,
        choices=_sector_choices,
        display=_show_sector,
        help=N_(
            "Le secteur, c'est le domaine d'activité principal de l'organisation. Choisissez le "
            "plus proche dans la liste."
        ),
        about=("secteur", "sector", "activite", "activity", "قطاع", "نشاط"),
    ),
    FormField(
        FieldName.PROVINCE,
        "",
        "",
        parse_province,
        choices=province_choices,
        display=show_province,
        words=lambda pack: pack.territory.region,
    ),
    FormField(
        FieldName.TOWN,
        "",
        "",
        _text(2, 80, N_("Le nom de la ville")),
        words=lambda pack: pack.territory.town,
    ),
    FormField(
        FieldName.FOUNDERS,
        N_("Membres fondateurs"),
        N_("Combien de membres fondateurs êtes-vous ? Écrivez un nombre."),
        _parse_founders,
        still_valid=_founders_still_valid,
        display=lambda value, ctx: ctx.translator.format_number(value),
        help=N_(
            "Les membres fondateurs sont les personnes qui créent l'organisation ensemble et "
            "signent ses statuts. Écrivez leur nombre, en chiffres ou en lettres."
        ),
        about=(
            "fondateur",
            "fondateurs",
            "founder",
            "founders",
            "membres",
            "members",
            "مؤسس",
            "مؤسسين",
            "اعضاء",
        ),
    ),
    FormField(
        FieldName.CONTACT_NAME,
        N_("Personne à contacter"),
        N_("Quel est le nom de la personne à contacter ?"),
        _text(2, 120, N_("Le nom"), Answering.PERSON),
        suggest=lambda ctx: ctx.known_name,
        help=N_(
            "La personne que les agents de la {directorate} appelleront au sujet de ce "
            "dossier. Ce peut être vous."
        ),
        about=("personne a contacter", "contact", "contact person", "شخص"),
    ),
    FormField(
        FieldName.CONTACT_ROLE,
        N_("Fonction"),
        N_("Quelle est sa fonction dans l'organisation ?"),
        _text(2, 80, N_("La fonction"), Answering.ROLE),
        choices=_role_choices,
        help=N_(
            "Sa fonction dans l'organisation : président(e), secrétaire, trésorier(e) ou "
            "membre fondateur."
        ),
        about=("fonction", "role", "poste", "position", "منصب", "وظيفة"),
    ),
    FormField(
        FieldName.PHONE,
        N_("Téléphone"),
        N_("Quel est son numéro de téléphone ?"),
        _parse_phone,
        suggest=lambda ctx: ctx.known_phone,
        help=N_(
            "Le numéro sert aux agents de la {directorate} pour vous rappeler au sujet de ce "
            "dossier, et à rien d'autre. {recipients} Écrivez « mes données » à tout moment "
            "pour voir ou supprimer vos données."
        ),
        about=(
            "numero",
            "telephone",
            "tel",
            "phone",
            "number",
            "mobile",
            "هاتف",
            "رقم",
            "الهاتف",
            "رقمي",
        ),
    ),
    FormField(
        FieldName.EMAIL,
        N_("E-mail"),
        N_("Quelle est son adresse e-mail ? Si elle n'en a pas, répondez « non »."),
        _optional(_parse_email),
        optional=True,
        display=_show_optional,
        help=N_(
            "L'adresse e-mail permet aux agents de vous écrire au sujet du dossier. Elle n'est "
            "pas obligatoire : répondez « non »."
        ),
        about=("mail", "email", "e mail", "courriel", "بريد", "ايميل"),
    ),
)
FIELDS_BY_NAME = {form_field.name: form_field for form_field in FIELDS}


def applicable(answers: Answers, pack: ContentPack) -> list[FormField]:
    """Return the fields that apply given the answers so far."""
    return [form_field for form_field in FIELDS if form_field.applies(answers, pack)]


def next_missing(ctx: FormContext) -> FormField | None:
    """Return the first field still to answer (or to answer again after an edit)."""
    for form_field in applicable(ctx.answers, ctx.pack):
        if form_field.name not in ctx.answers:
            return form_field
        value = ctx.answers[form_field.name]
        if value is not None and not form_field.still_valid(value, ctx):
            return form_field
    return None


def drop_inapplicable(answers: Answers, pack: ContentPack) -> Answers:
    """Forget answers to fields that no longer apply (a coop form once it is an association)."""
    names = {form_field.name.value for form_field in applicable(answers, pack)}
    return {key: value for key, value in answers.items() if key in names}
