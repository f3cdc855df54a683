"""The main menu, help, greetings, thanks, and the answer to what the bot did not understand."""

from bot.content import Directorate
from bot.core.actions import (
    CheckStatus,
    ChooseLanguage,
    Faq,
    GuideList,
    Handoff,
    Help,
    MainMenu,
    MoreTopics,
    ShowMyData,
    StartDecision,
    StartPreregistration,
    Subscribe,
    UpcomingEvents,
)
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import FaqTopic
from nlu import Intent, ParseResult

# An off-topic sentence is told so when the NLU is this sure and it has this many words.
OFF_TOPIC_CONFIDENCE = 0.8
OFF_TOPIC_WORDS = 2


def main_choices() -> list[tuple[str, Payload]]:
    """Return the buttons of the main menu."""
    return [
        (_("Créer une organisation"), GuideList()),
        (_("M'aider à choisir"), StartDecision()),
        (_("Pré-inscrire mon organisation"), StartPreregistration()),
        (_("Suivre mon dossier"), CheckStatus()),
        (_("Recevoir les actualités"), Subscribe()),
        (_("Autres questions"), MoreTopics()),
        (_("Parler à une personne"), Handoff()),
    ]


def show_menu(turn: Turn, intro: str | None = None) -> None:
    """Show the main menu, after an optional sentence."""
    text = _("Que voulez-vous faire ? Choisissez ou écrivez votre question.")
    turn.say(f"{intro}\n\n{text}" if intro else text, main_choices())


class MenuFeature(Feature):
    """Greetings, the menu, help, and the fallback for what was not understood."""

    intents = (
        Intent.GREET,
        Intent.HELP,
        Intent.GOODBYE,
        Intent.THANKS,
        Intent.OUT_OF_SCOPE,
        Intent.AFFIRM,
        Intent.DENY,
    )
    payloads = (MainMenu, Help, MoreTopics)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the menu, help and more-topics buttons."""
        if isinstance(payload, Help):
            self._help(turn)
        elif isinstance(payload, MoreTopics):
            self._more(turn)
        else:
            turn.go_idle()
            show_menu(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer small talk, and anything not understood."""
        if result.intent == Intent.GREET:
            directorate = turn.pack.country.directorate
            show_menu(turn, introduction(directorate, turn.translator.locale.value))
        elif result.intent == Intent.HELP:
            self._help(turn)
        elif result.intent == Intent.THANKS:
            turn.say(
                _("Avec plaisir ! Écrivez « menu » quand vous voulez."), [(_("Menu"), MainMenu())]
            )
        elif result.intent == Intent.GOODBYE:
            turn.say(_("Au revoir et bonne continuation ! Écrivez-moi quand vous voulez."))
        elif result.intent in (Intent.AFFIRM, Intent.DENY):
            # "ok", "d'accord", "non merci": understood, nothing more to do.
            turn.say(
                _("D'accord. Écrivez votre question quand vous voulez."),
                [(_("Menu"), MainMenu())],
            )
        elif _off_topic(turn, result):
            # Understood, and not this service's subject: say what it is for.
            show_menu(
                turn,
                _(
                    "Je ne peux pas vous aider sur ce sujet. Je réponds aux questions sur la "
                    "création d'une organisation de l'économie sociale et solidaire "
                    "(association, coopérative, mutuelle…) et sur sa pré-inscription auprès de "
                    "la {directorate}."
                ).format(directorate=turn.directorate),
            )
        else:
            turn.misunderstood()
            show_menu(turn, self._not_understood(turn))

    def _not_understood(self, turn: Turn) -> str:
        if turn.incoming.payload:
            return _("Ce bouton n'est plus valable.")
        if not turn.text:
            return _("Je ne lis que les messages écrits.")
        return _("Je n'ai pas compris votre message.")

    def _help(self, turn: Turn) -> None:
        turn.say(
            _(
                "Écrivez votre question avec vos mots, par exemple « comment créer une "
                "association ? » ou « combien ça coûte ? ».\n\n"
                "À tout moment, vous pouvez écrire :\n"
                "• menu : revenir au menu\n"
                "• annuler : arrêter ce qui est en cours\n"
                "• langue : changer de langue\n"
                "• aide : revoir ce message\n"
                "• stop : ne plus recevoir d'actualités"
            ),
            [(_("Menu"), MainMenu()), (_("Autres questions"), MoreTopics())],
        )

    def _more(self, turn: Turn) -> None:
        turn.say(
            _("Sur quoi porte votre question ?"),
            [
                (_("L'économie sociale et solidaire"), Faq(FaqTopic.ABOUT_ESS)),
                (
                    _("La {directorate}").format(directorate=turn.directorate),
                    Faq(FaqTopic.ABOUT_DGES),
                ),
                (_("Où déposer un dossier"), Faq(FaqTopic.WHERE_TO_FILE)),
                (_("Financements"), Faq(FaqTopic.FUNDING)),
                (_("Événements et formations"), UpcomingEvents()),
                (_("Commerce équitable"), Faq(FaqTopic.FAIR_TRADE)),
                (_("Protection des données"), Faq(FaqTopic.DATA_PROTECTION)),
                (_("Mes données"), ShowMyData()),
                (_("Langue"), ChooseLanguage()),
            ],
        )


def introduction(directorate: Directorate, locale: str) -> str:
    """Return the bot's "hello, I am Relais" for the administration it speaks for.

    An acronym ("DGES") says nothing of its field, so the sentence names it; a name that is
    already a description ("structure chargée de l'ESS") is not followed by its field again.
    """
    name = directorate.short(locale)
    if directorate.called is not None:
        return _("Bonjour ! Je suis Relais, l'assistant de la {directorate}.").format(
            directorate=name
        )
    return _(
        "Bonjour ! Je suis Relais, l'assistant de la {directorate} pour "
        "l'économie sociale et solidaire."
    ).format(directorate=name)


def _off_topic(turn: Turn, result: ParseResult) -> bool:
    """Tell whether a sentence is surely about something else (the weather, football).

    One word read as off-topic is more often a typo or keyboard mash: "not understood" then.
    """
    return (
        result.intent == Intent.OUT_OF_SCOPE
        and result.confidence >= OFF_TOPIC_CONFIDENCE
        and len(turn.text.split()) >= OFF_TOPIC_WORDS
    )
