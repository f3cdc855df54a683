"""Vocabulary shared by the content pack, the NLU and the conversation engine."""

from enum import StrEnum


class OrgType(StrEnum):
    """The five kinds of social-economy organisation the bot explains."""

    ASSOCIATION = "association"
    NGO = "ngo"
    COOPERATIVE = "cooperative"
    MUTUAL = "mutual"
    FOUNDATION = "foundation"


class CoopForm(StrEnum):
    """The two OHADA cooperative forms."""

    SCOOPS = "scoops"
    COOP_CA = "coop_ca"


class Locale(StrEnum):
    """Languages a contact can choose."""

    FR = "fr"
    EN = "en"
    AR = "ar"


class FaqTopic(StrEnum):
    """Questions answered from the content pack's FAQ."""

    ABOUT_ESS = "about_ess"
    ABOUT_DGES = "about_dges"
    FUNDING = "funding"
    EVENTS = "events"
    FAIR_TRADE = "fair_trade"
    WHERE_TO_FILE = "where_to_file"
    DATA_PROTECTION = "data_protection"
    HANDOFF = "handoff"
