"""Choosing the language of the conversation."""

from babel import Locale as BabelLocale

from bot.core import i18n
from bot.core.actions import ChooseLanguage, MainMenu, SetLanguage
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow, Locale
from bot.text import is_question
from nlu import EntityType, Intent, ParseResult


def autonym(locale: Locale) -> str:
    """Return a language's name in itself ("English", "العربية"): readable whatever is set."""
    name = BabelLocale.parse(locale.value).get_display_name(locale.value) or locale.value
    return str(name[:1].upper() + name[1:])


class LanguageFeature(Feature):
    """Offer the languages and remember the choice."""

    flows = (Flow.LANGUAGE,)
    intents = (Intent.CHANGE_LANGUAGE,)
    payloads = (ChooseLanguage, SetLanguage)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Offer the languages or switch to one."""
        if isinstance(payload, SetLanguage):
            self.switch(turn, payload.locale)
        else:
            self.offer(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Switch directly when the language is named ("english please")."""
        named = result.entity(EntityType.LANGUAGE)
        if named:
            self.switch(turn, Locale(named))
        else:
            self.offer(turn)

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text names a language or tries to (a question is something else)."""
        if turn.parse().entity(EntityType.LANGUAGE):
            return True
        return not is_question(turn.text) and len(turn.text.split()) <= 2

    def on_text(self, turn: Turn) -> None:
        """Read a typed language name."""
        named = turn.parse().entity(EntityType.LANGUAGE)
        if named:
            self.switch(turn, Locale(named))
            return
        turn.misunderstood()
        self.offer(turn)

    def resume(self, turn: Turn) -> None:
        """Offer the languages again."""
        self.offer(turn)

    def cancel(self, turn: Turn) -> None:
        """Keep the current language."""
        turn.go_idle()
        turn.say(_("D'accord, je garde la même langue."), [(_("Menu"), MainMenu())])

    def offer(self, turn: Turn) -> None:
        """Show the three languages, each written in itself."""
        turn.go(Flow.LANGUAGE)
        turn.say(
            _("Choisissez votre langue :"),
            [(autonym(locale), SetLanguage(locale)) for locale in Locale],
        )

    def switch(self, turn: Turn, locale: Locale) -> None:
        """Store the language and answer in it straight away."""
        turn.contact.locale = locale.value
        turn.go_idle()
        turn.translator = turn.services.catalogues.translator(locale)
        with i18n.using(turn.translator):
            turn.say(
                _("C'est noté, je vous écrirai en français.")
                if locale is Locale.FR
                else _("Langue choisie : {language}.").format(language=autonym(locale)),
                [(_("Menu"), MainMenu())],
            )
