"""Opting in to and out of the news."""

from bot.core.actions import MainMenu, Subscribe, Unsubscribe
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.storage import contacts
from bot.storage.models import Topic
from nlu import Intent, ParseResult


class SubscriptionsFeature(Feature):
    """Subscribe with an explicit request; stop with one word, at any step."""

    intents = (Intent.SUBSCRIBE, Intent.UNSUBSCRIBE)
    payloads = (Subscribe, Unsubscribe)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the subscribe and stop buttons (and the word "stop")."""
        if isinstance(payload, Subscribe):
            self.subscribe(turn)
        else:
            self.unsubscribe(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "abonnez-moi" and "je ne veux plus recevoir vos messages"."""
        if result.intent == Intent.SUBSCRIBE:
            self.subscribe(turn)
        else:
            self.unsubscribe(turn)

    def subscribe(self, turn: Turn) -> None:
        """Opt the contact in to the news."""
        added = contacts.subscribe(turn.session, contact_id=turn.contact_id, topic=Topic.NEWS)
        text = (
            _(
                "C'est fait : vous recevrez les actualités de l'économie sociale (campagnes, "
                "formations, événements). Écrivez STOP à tout moment pour arrêter."
            )
            if added
            else _("Vous êtes déjà abonné(e) aux actualités. Écrivez STOP pour arrêter.")
        )
        turn.say(text, [(_("Menu"), MainMenu())])

    def unsubscribe(self, turn: Turn) -> None:
        """Opt the contact out of everything; the conversation in progress is kept."""
        removed = contacts.unsubscribe_all(turn.session, contact_id=turn.contact_id)
        text = (
            _(
                "C'est noté : vous ne recevrez plus d'actualités. Écrivez « abonnez-moi » "
                "pour revenir."
            )
            if removed
            else _("Vous n'êtes abonné(e) à aucune actualité : vous ne recevrez rien.")
        )
        turn.say(text, [(_("Menu"), MainMenu())])
