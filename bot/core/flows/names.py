"""The names of the organisation types and cooperative forms, as the bot says them."""

from bot.core.i18n import N_, _
from bot.domain import CoopForm, OrgType

ORG_TYPE_NAMES = {
    OrgType.ASSOCIATION: N_("Association"),
    OrgType.NGO: N_("ONG"),
    OrgType.COOPERATIVE: N_("Coopérative"),
    OrgType.MUTUAL: N_("Mutuelle"),
    OrgType.FOUNDATION: N_("Fondation"),
}
COOP_FORM_NAMES = {
    CoopForm.SCOOPS: N_("Coopérative simplifiée (SCOOPS)"),
    CoopForm.COOP_CA: N_("Coopérative avec conseil d'administration (COOP-CA)"),
}


def org_type_name(org_type: OrgType) -> str:
    """Return the translated name of an organisation type."""
    return _(ORG_TYPE_NAMES[org_type])
