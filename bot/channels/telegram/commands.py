"""Telegram commands: the menu shown per language, what each one says to the engine, deep links."""

import re
from dataclasses import dataclass
from enum import StrEnum

from telegram import BotCommand

from bot.core.actions import (
    CheckStatus,
    ChooseLanguage,
    GuideList,
    Help,
    MainMenu,
    ShowGuide,
    StartDecision,
    StartPreregistration,
    Subscribe,
)
from bot.core.i18n import N_, _
from bot.core.payloads import Payload
from bot.domain import Locale, OrgType

# What /start says to the engine when it carries no deep link: a greeting resumes a form
# left half-way, or shows the menu with a hello.
GREETING = "bonjour"

# Commands that stand for one of the core's words, which work at every step.
WORD_COMMANDS = {
    "menu": "menu",
    "aide": "aide",
    "help": "aide",
    "langue": "langue",
    "language": "langue",
    "annuler": "annuler",
    "cancel": "annuler",
    "stop": "stop",
}


class StaffCommand(StrEnum):
    """The commands of the staff (RELAIS_STAFF_TELEGRAM_IDS), the same in every language."""

    STATS = "stats"
    REGISTRATIONS = "inscriptions"
    EXPORT = "export"
    BROADCAST = "diffusion"
    CAMPAIGNS = "campagnes"
    EVENTS = "evenements"


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One line of the command list Telegram shows next to the text field."""

    name: str
    english_name: str
    description: str


PUBLIC_MENU = (
    MenuEntry("start", "start", N_("Commencer")),
    MenuEntry("menu", "menu", N_("Ce que je sais faire")),
    MenuEntry("aide", "help", N_("Aide et mots utiles")),
    MenuEntry("langue", "language", N_("Changer de langue")),
    MenuEntry("annuler", "cancel", N_("Arrêter ce qui est en cours")),
    MenuEntry("stop", "stop", N_("Ne plus recevoir d'actualités")),
)
_STAFF_DESCRIPTIONS = {
    StaffCommand.STATS: N_("Chiffres (agents)"),
    StaffCommand.REGISTRATIONS: N_("Dernières pré-inscriptions (agents)"),
    StaffCommand.EXPORT: N_("Fichier CSV des pré-inscriptions (agents)"),
    StaffCommand.BROADCAST: N_("Envoyer un message aux abonnés (agents)"),
    StaffCommand.CAMPAIGNS: N_("Suivre les campagnes (agents)"),
    StaffCommand.EVENTS: N_("Suivre les événements (agents)"),
}
STAFF_MENU = tuple(
    MenuEntry(command.value, command.value, description)
    for command, description in _STAFF_DESCRIPTIONS.items()
)


def command_list(locale: Locale, *, staff: bool = False) -> list[BotCommand]:
    """Return the commands to show, translated (call inside `i18n.using`)."""
    entries = PUBLIC_MENU + (STAFF_MENU if staff else ())
    return [
        BotCommand(entry.english_name if locale is Locale.EN else entry.name, _(entry.description))
        for entry in entries
    ]


_ORG_TYPES = {
    "association": OrgType.ASSOCIATION,
    "asso": OrgType.ASSOCIATION,
    "ong": OrgType.NGO,
    "ngo": OrgType.NGO,
    "cooperative": OrgType.COOPERATIVE,
    "coop": OrgType.COOPERATIVE,
    "mutuelle": OrgType.MUTUAL,
    "mutual": OrgType.MUTUAL,
    "fondation": OrgType.FOUNDATION,
    "foundation": OrgType.FOUNDATION,
}
_DEEP_LINKS: dict[str, Payload] = {
    **dict.fromkeys(["preinscription", "inscription", "prereg"], StartPreregistration()),
    **dict.fromkeys(["choisir", "choose"], StartDecision()),
    **dict.fromkeys(["actualites", "abonnement", "news"], Subscribe()),
    **dict.fromkeys(["dossier", "statut", "status"], CheckStatus()),
    **dict.fromkeys(["guides", "creer"], GuideList()),
    "menu": MainMenu(),
    "aide": Help(),
    "langue": ChooseLanguage(),
    **{name: ShowGuide(org_type) for name, org_type in _ORG_TYPES.items()},
    **{
        f"{start}_{name}": StartPreregistration(org_type)
        for start in ("preinscription", "inscription")
        for name, org_type in _ORG_TYPES.items()
    },
}
# Telegram allows these characters in a /start parameter (t.me/<bot>?start=...).
_DEEP_LINK_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def deep_link(argument: str) -> str | None:
    """Return the packed payload a t.me/<bot>?start=... link opens, or None if unknown."""
    if not _DEEP_LINK_PATTERN.fullmatch(argument):
        return None
    payload = _DEEP_LINKS.get(argument.lower().replace("-", "_"))
    return payload.pack() if payload is not None else None


def command_name(text: str) -> tuple[str, str | None, str]:
    """Split "/cmd@bot rest" into ("cmd", "bot", "rest"); the bot is None when not named."""
    head, _space, rest = text.strip().partition(" ")
    name, _at, bot = head.removeprefix("/").partition("@")
    return name.lower(), bot or None, rest.strip()
