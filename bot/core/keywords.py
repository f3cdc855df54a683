"""Words that work at every step, whatever flow the person is in, in the three languages."""

from bot.core.actions import Cancel, ChooseLanguage, Help, MainMenu, Subscribe, Unsubscribe
from bot.core.payloads import Payload
from bot.text import fold

# Folded forms (see text.fold): lower case, no accents, no punctuation.
_GLOBAL: dict[str, Payload] = {
    **dict.fromkeys(
        ["menu", "accueil", "menu principal", "main menu", "قائمة", "القائمة"], MainMenu()
    ),
    **dict.fromkeys(["aide", "help", "sos", "مساعدة"], Help()),
    **dict.fromkeys(
        ["annuler", "annule", "anuler", "cancel", "quitter", "الغاء", "إلغاء"], Cancel()
    ),
    **dict.fromkeys(["langue", "language", "lang", "لغة", "اللغة"], ChooseLanguage()),
    **dict.fromkeys(
        ["stop", "arret", "desabonner", "desinscrire", "unsubscribe", "ايقاف"], Unsubscribe()
    ),
}
_GLOBAL = {fold(word): payload for word, payload in _GLOBAL.items()}
# WhatsApp's opt-in words, the counterpart of STOP.
_OPT_IN = frozenset(fold(word) for word in ["start", "reprendre", "subscribe"])

_GREETINGS = frozenset(
    fold(word)
    for word in [
        "bonjour", "bjr", "bonsoir", "salut", "slt", "coucou", "hello", "hi", "allo", "allô",
        "re", "rebonjour", "salam", "السلام عليكم", "مرحبا",
    ]
)  # fmt: skip

_YES = frozenset(
    fold(word)
    for word in ["oui", "ouais", "ouai", "wi", "oui oui", "yes", "yep", "ok", "d accord", "dac",
                 "daccord", "exact", "bien sur", "نعم", "ايه", "واه"]
)  # fmt: skip
_NO = frozenset(
    fold(word)
    for word in ["non", "nn", "no", "nope", "pas du tout", "non merci", "لا", "كلا"]
)  # fmt: skip


def global_action(text: str) -> Payload | None:
    """Return the action of a word that works everywhere ("menu", "aide", "stop"...)."""
    folded = fold(text)
    if folded in _OPT_IN:
        # Telegram sends "/start" when someone opens the bot: a greeting, not an opt-in.
        return None if text.lstrip().startswith("/") else Subscribe()
    return _GLOBAL.get(folded)


def is_greeting(text: str) -> bool:
    """Tell whether the whole message is a greeting."""
    return fold(text) in _GREETINGS


def yes_or_no(text: str) -> bool | None:
    """Read a yes/no answer; None when the message is neither."""
    folded = fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None
