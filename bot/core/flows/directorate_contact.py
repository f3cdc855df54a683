"""How to reach the directorate: "what's the phone number of the DGES", "horaires de la DGES".

Such a question names a way to reach someone (a phone, hours, an e-mail, an address) and
either names the directorate or asks how to reach it ("comment vous contacter", "un numéro
pour les appeler"). The answer is the directorate's own office, as the pack has it (a blank
said as not yet known), and the offer to write here to a person, which always works.
"""

from bot.core.actions import Handoff, MainMenu
from bot.core.feature import Feature
from bot.core.flows.guidance import office_block
from bot.core.i18n import _
from bot.core.turn import Turn
from bot.text import fold
from nlu import ParseResult

_WAYS = frozenset(
    fold(word)
    for word in [
        "telephone", "tel", "numero", "num", "phone", "number", "horaires", "horaire",
        "heures", "ouverture", "hours", "opening", "mail", "email", "e-mail", "courriel",
        "adresse", "address", "bureau", "bureaux", "office", "joindre", "contacter",
        "contact", "appeler", "call", "reach", "هاتف", "رقم", "الهاتف", "عنوان", "العنوان",
        "بريد", "ايميل", "مواعيد", "ساعات", "الاتصال", "نتصل",
    ]
)  # fmt: skip
# Asking how to reach them without naming them; "contacter" alone is also the form's
# "personne à contacter".
_REACHING = frozenset(
    fold(word) for word in ["joindre", "appeler", "call", "reach", "الاتصال", "نتصل"]
)
_ADMINISTRATION = frozenset(
    fold(word) for word in ["administration", "direction", "directorate", "الإدارة", "الادارة"]
)


def asks_how_to_reach_the_directorate(turn: Turn) -> bool:
    """Tell whether a message asks for the directorate's phone, hours, e-mail or address."""
    words = set(fold(turn.text).split())
    if not words & _WAYS:
        return False
    directorate = turn.pack.country.directorate
    names = {fold(directorate.acronym)} if directorate.acronym else set()
    named = bool(words & (names | _ADMINISTRATION))
    return named or bool(words & _REACHING)


class DirectorateContactFeature(Feature):
    """Say how to reach the directorate, and offer a person here."""

    def claims(self, turn: Turn) -> bool:
        """Take a question about reaching the directorate before intent routing."""
        return asks_how_to_reach_the_directorate(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Show the directorate's office, and that writing here reaches a person."""
        office = office_block(turn, turn.pack.directorate_office)
        turn.say(
            _(
                "Pour joindre la {directorate} :\n{office}\n"
                "Vous pouvez aussi écrire votre question ici : un agent de la {directorate} "
                "vous répondra dans cette conversation."
            ).format(directorate=turn.directorate, office=office),
            [(_("Parler à une personne"), Handoff()), (_("Menu"), MainMenu())],
        )
