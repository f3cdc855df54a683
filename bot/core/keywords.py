"""Words that work at every step, whatever flow the person is in, in the three languages."""

import re

from bot.core.actions import Cancel, ChooseLanguage, Help, MainMenu, Subscribe, Unsubscribe
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.text import fold
from nlu import Intent

# Beyond this many words a yes or a no is not read from the NLU's affirm or deny alone.
YES_NO_WORDS = 6

_CANCEL_WORDS = [
    "annuler", "annule", "anuler", "cancel", "quitter", "annule tout", "annuler tout",
    "tout annuler", "laisse tomber", "laissez tomber", "cancel it", "cancel everything",
    "forget it", "الغاء", "إلغاء", "الغي", "ألغ",
]  # fmt: skip
# Folded forms (see text.fold): lower case, no accents, no punctuation.
_GLOBAL: dict[str, Payload] = {
    **dict.fromkeys(
        ["menu", "accueil", "menu principal", "main menu", "قائمة", "القائمة"], MainMenu()
    ),
    **dict.fromkeys(["aide", "help", "sos", "مساعدة"], Help()),
    **dict.fromkeys(_CANCEL_WORDS, Cancel()),
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
                 "daccord", "exact", "bien sur", "j'accepte", "jaccepte", "i agree", "agree",
                 "agreed", "i accept", "accept", "wakha", "wah", "iyeh", "نعم", "ايه", "واه",
                 "موافق", "أوافق", "اوافق"]
)  # fmt: skip
_NO = frozenset(
    fold(word)
    for word in ["non", "nn", "no", "nope", "pas du tout", "non merci", "je refuse", "i refuse",
                 "refuse", "i decline", "لا", "كلا", "أرفض", "ارفض"]
)  # fmt: skip


def global_action(text: str) -> Payload | None:
    """Return the action of a word that works everywhere ("menu", "aide", "stop"...)."""
    folded = fold(text)
    if folded in _OPT_IN:
        # Telegram sends "/start" when someone opens the bot: a greeting, not an opt-in.
        return None if text.lstrip().startswith("/") else Subscribe()
    return _GLOBAL.get(folded)


def waves(text: str) -> bool:
    """Tell whether the message is only a hand waving hello ("👋")."""
    return _only_emoji(text, _EMOJI_GREETINGS)


def is_greeting(text: str) -> bool:
    """Tell whether the whole message is a greeting ("bonjour", "👋")."""
    return fold(text) in _GREETINGS or waves(text)


def yes_or_no(text: str) -> bool | None:
    """Read a yes/no answer; None when the message is neither."""
    folded = fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


# -- acknowledgements, resuming, greetings in front of a question

_ACKNOWLEDGEMENTS = frozenset(
    fold(word)
    for word in [
        "ok", "okay", "oki", "okk", "okey", "oké", "d'accord", "dac", "daccord", "dacc", "d'acc",
        "ça marche", "ca marche", "c'est noté", "c noté", "noté", "compris", "entendu", "bien",
        "très bien", "tres bien", "bien reçu", "parfait", "super", "cool", "top", "ah ok",
        "ah d'accord", "ok merci", "ok mrc", "d'accord merci", "merci", "merci beaucoup", "mrc",
        "mci", "okay thanks", "ok thanks", "ok thank you", "thanks", "thank you", "thx", "got it",
        "alright", "all right", "fine", "great", "noted", "sure",
        "حسنا", "حسناً", "طيب", "تمام", "شكرا", "شكرا جزيلا", "مفهوم", "اوكي",
    ]
)  # fmt: skip
_EMOJI_ACKNOWLEDGEMENTS = frozenset("👍👌🙏✅✔👏💯❤💙💚🤝🆗")
_EMOJI_GREETINGS = frozenset("👋🖐✋🙋")
# Skin tones, variation selectors and joiners change how an emoji looks, not what it says.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d\u2640\u2642\\s]")


def _only_emoji(text: str, emoji: frozenset[str]) -> bool:
    bare = _EMOJI_MODIFIERS.sub("", text)
    return bool(bare) and all(character in emoji for character in bare)


_RESUME = frozenset(
    fold(word)
    for word in [
        "reprendre", "continuer", "on continue", "continuons", "reprenons", "je continue",
        "on reprend", "suite", "la suite", "continue", "resume", "go on", "carry on",
        "استمر", "متابعة", "واصل", "نكمل", "اكمل",
    ]
)  # fmt: skip
_GREETING_WORDS = (
    "bonjour", "bjr", "bnjr", "bonsoir", "bsr", "salut", "slt", "coucou", "cc", "hello", "hi",
    "hey", "salam", "mbolo", "مرحبا", "السلام عليكم", "سلام",
)  # fmt: skip
_GREETING_PREFIX = re.compile(
    rf"^\s*(?:{'|'.join(re.escape(word) for word in _GREETING_WORDS)})"
    r"(?:\s+(?:a\s+tous|à\s+tous|monsieur|madame|mr|mme|alikoum|alaykoum|aleikoum|wa))?"
    r"[\s,.!;:،؛-]+",
    re.IGNORECASE,
)


# "ok merci, et pour une coop ?": an acknowledgement in front of the next question.
_ACKNOWLEDGEMENT_WORDS = (
    "ok merci", "ok", "okay", "d'accord", "d accord", "dac", "merci beaucoup", "merci", "mrc",
    "super", "parfait", "très bien", "tres bien", "thanks", "thank you", "great", "حسنا",
    "شكرا", "تمام",
)  # fmt: skip
_ACKNOWLEDGEMENT_PREFIX = re.compile(
    rf"^\s*(?:{'|'.join(re.escape(word) for word in _ACKNOWLEDGEMENT_WORDS)})[\s,.!;:،؛-]+",
    re.IGNORECASE,
)
_REPEAT = frozenset(
    fold(word)
    for word in [
        "pardon", "pardon ?", "hein", "hein ?", "quoi ?", "répète", "répétez", "repete",
        "repetez", "vous pouvez répéter", "tu peux répéter", "répétez svp", "repeat",
        "repeat please", "say again", "come again", "كرر", "أعد", "اعد من فضلك",
    ]
)  # fmt: skip


def asks_to_repeat(text: str) -> bool:
    """Tell whether the person asks to hear the last question again ("pardon ?", "repeat")."""
    return fold(text) in _REPEAT


def after_acknowledgement(text: str) -> str | None:
    """Return the question after an acknowledgement ("ok merci, et les frais ?")."""
    match = _ACKNOWLEDGEMENT_PREFIX.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip()
    return rest if len(fold(rest)) >= 3 and not is_acknowledgement(rest) else None


def is_acknowledgement(text: str) -> bool:
    """Tell whether the message only acknowledges ("ok", "d'accord", "merci", "حسنا")."""
    stripped = text.strip()
    folded = fold(stripped)
    return (bool(folded) and folded in _ACKNOWLEDGEMENTS) or _only_emoji(
        stripped, _EMOJI_ACKNOWLEDGEMENTS
    )


def is_resume_word(text: str) -> bool:
    """Tell whether the message asks to go on with what was left ("reprendre", "continuer")."""
    return fold(text) in _RESUME


def after_greeting(text: str) -> str | None:
    """Return the question after a greeting ("bjr cmt on fait 1 coop" -> "cmt on fait 1 coop")."""
    match = _GREETING_PREFIX.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip()
    return rest if len(fold(rest)) >= 3 and not is_greeting(rest) else None


def read_yes_or_no(turn: Turn) -> bool | None:
    """Read a yes or a no, in a word ("oui") or a short sentence ("oui je suis d'accord")."""
    answer = yes_or_no(turn.text)
    if answer is None and len(fold(turn.text).split()) <= YES_NO_WORDS:
        answer = {Intent.AFFIRM.value: True, Intent.DENY.value: False}.get(turn.parse().intent)
    return answer
