"""The form's fields whose words and rules the country's pack decides.

The territorial unit: Gabon's nine provinces are offered as choices, Algeria's wilayas are
typed by name or number. The reach of an organisation, where the law sets its founders by it:
Algeria's law 12-06 asks 10 founders of a communal association, 15 of a wilaya one, 21 of an
inter-wilaya one and 25 of a national one: the pack lists the scopes of a procedure
(`founders_by_scope`), and the form asks which one before counting the founders.
"""

from typing import Any

from bot.content import ContentPack
from bot.content.schema import Procedure, ScopeRule
from bot.core.flows.form_base import FieldName, FormContext, Invalid
from bot.core.i18n import _
from bot.domain import OrgType, Scope
from bot.text import fold
from nlu import EntityType

# Folded words by which a typed answer names a scope, in French, English, Arabic and Darija.
# Checked in this order: "inter-wilaya" also holds "wilaya".
SCOPE_WORDS: tuple[tuple[Scope, tuple[str, ...]], ...] = (
    (
        Scope.INTER_WILAYA,
        ("inter wilaya", "inter wilayas", "interwilaya", "inter wilayale", "inter wilayal",
         "plusieurs wilayas", "several wilayas", "regional", "regionale", "بين الولايات",
         "ما بين الولايات", "جهوية", "جهوي", "jihawiya", "jihawia", "bin lwilayat"),
    ),
    (
        Scope.NATIONAL,
        ("national", "nationale", "nationwide", "tout le pays", "whole country", "وطنية",
         "وطني", "wataniya", "watania", "wataniyya", "wtaniya", "الوطن"),
    ),
    (
        Scope.WILAYA,
        ("wilaya", "de wilaya", "wilayale", "wilayal", "wilaiya", "ولائية", "ولائي", "ولاية",
         "wila2iya", "wilaiyya"),
    ),
    (
        Scope.COMMUNAL,
        ("communal", "communale", "commune", "municipal", "municipality", "local", "locale",
         "apc", "بلدية", "بلدي", "baladiya", "baladia", "baladiyya"),
    ),
)  # fmt: skip


def procedure_of(pack: ContentPack, org_type: str | None) -> Procedure | None:
    """Return the procedure of a type answered in the form, if any."""
    if not org_type:
        return None
    return pack.procedures[OrgType(org_type)]


def has_scopes(pack: ContentPack, org_type: str | None) -> bool:
    """Tell whether the founders of this type depend on its scope in this country."""
    procedure = procedure_of(pack, org_type)
    return procedure is not None and bool(procedure.founders_by_scope)


def read_scope(text: str, rules: list[ScopeRule], locale: str) -> Scope | None:
    """Read a typed scope ("communale", "nationale", "وطنية", "wataniya") among the rules."""
    folded = fold(text)
    if not folded:
        return None
    offered = {rule.scope: rule for rule in rules}
    for rule in rules:
        label = fold(rule.label.get(locale))
        if folded == label or folded == fold(rule.scope.value):
            return rule.scope
    padded = f" {folded} "
    for rule in rules:
        for word in rule.words:
            if f" {fold(word)} " in padded:
                return rule.scope
    for scope, words in SCOPE_WORDS:
        if scope not in offered:
            continue
        for word in words:
            if (f" {fold(word)} " in padded) if word.isascii() else (fold(word) in folded):
                return scope
    return None


def scope_rules(ctx: FormContext) -> list[Any]:
    procedure = procedure_of(ctx.pack, ctx.answers.get(FieldName.ORG_TYPE))
    return list(procedure.founders_by_scope) if procedure is not None else []


def scope_choices(ctx: FormContext) -> list[tuple[str, str]]:
    locale = ctx.translator.locale.value
    return [(rule.label.get(locale), rule.scope.value) for rule in scope_rules(ctx)]


def parse_scope(text: str, ctx: FormContext) -> str:
    # No fuzzy matching here: every label starts with the same word ("Association ..."),
    # so "association" alone would look like the first scope.
    scope = read_scope(text, scope_rules(ctx), ctx.translator.locale.value)
    if scope is None:
        raise Invalid(_("Choisissez la portée de l'organisation dans la liste."))
    return scope.value


def show_scope(value: Any, ctx: FormContext) -> str:
    labels = {code: label for label, code in scope_choices(ctx)}
    return labels.get(value, str(value))


def scope_still_valid(value: Any, ctx: FormContext) -> bool:
    return value in {rule.scope.value for rule in scope_rules(ctx)}


# Up to this many units are offered as choices; more (Algeria's wilayas) are typed.
MAX_UNIT_CHOICES = 10


def province_choices(ctx: FormContext) -> list[tuple[str, str]]:
    regions = ctx.pack.territory.regions
    if len(regions) > MAX_UNIT_CHOICES:
        return []
    locale = ctx.translator.locale.value
    return [(region.shown(locale), region.name) for region in regions]


def parse_province(text: str, ctx: FormContext) -> str:
    province = ctx.pack.province(text)
    if province is not None:
        return province.name
    named = ctx.nlu.parse(text).entity(EntityType.PROVINCE)
    known = ctx.pack.province(named) if named else None
    if known is not None:
        return known.name
    unknown = ctx.pack.territory.region.unknown
    raise Invalid(unknown.get(ctx.translator.locale.value) if unknown else "")


def show_province(value: Any, ctx: FormContext) -> str:
    region = ctx.pack.territory.by_name(str(value))
    return region.shown(ctx.translator.locale.value) if region is not None else str(value)
