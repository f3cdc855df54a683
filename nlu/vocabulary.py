"""Names of the intents and entities the NLU returns (fixed by the interface contract)."""

from enum import StrEnum


class Intent(StrEnum):
    """What a user message asks for."""

    GREET = "greet"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    AFFIRM = "affirm"
    DENY = "deny"
    HELP = "help"
    HOW_TO_CREATE = "how_to_create"
    CHOOSE_STRUCTURE = "choose_structure"
    ASK_DOCUMENTS = "ask_documents"
    ASK_COST = "ask_cost"
    ASK_DURATION = "ask_duration"
    ASK_OFFICE = "ask_office"
    PREREGISTER = "preregister"
    CHECK_STATUS = "check_status"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    EVENTS = "events"
    FAIR_TRADE = "fair_trade"
    FUNDING = "funding"
    ABOUT_ESS = "about_ess"
    HUMAN_HANDOFF = "human_handoff"
    CHANGE_LANGUAGE = "change_language"
    DATA_RIGHTS = "data_rights"
    # A retrieval intent (Rasa's ResponseSelector shape): "ask_fact/ohada" names the fact.
    ASK_FACT = "ask_fact"
    OUT_OF_SCOPE = "out_of_scope"


class EntityType(StrEnum):
    """Kinds of entity extracted from a message."""

    ORG_TYPE = "org_type"
    COOP_FORM = "coop_form"
    PROVINCE = "province"
    LANGUAGE = "language"


class Province(StrEnum):
    """Gabon's nine provinces, as the province entity names them."""

    ESTUAIRE = "Estuaire"
    HAUT_OGOOUE = "Haut-Ogooué"
    MOYEN_OGOOUE = "Moyen-Ogooué"
    NGOUNIE = "Ngounié"
    NYANGA = "Nyanga"
    OGOOUE_IVINDO = "Ogooué-Ivindo"
    OGOOUE_LOLO = "Ogooué-Lolo"
    OGOOUE_MARITIME = "Ogooué-Maritime"
    WOLEU_NTEM = "Woleu-Ntem"
