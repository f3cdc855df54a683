"""Opting in to and out of the news, topic by topic or all at once."""

from bot.core.actions import MainMenu, MySubscriptions, Subscribe, Unsubscribe
from bot.core.feature import Feature
from bot.core.i18n import N_, _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Topic
from bot.storage import contacts
from nlu import Intent, ParseResult

TOPIC_NAMES = {
    Topic.NEWS: N_("Actualités et campagnes"),
    Topic.EVENTS: N_("Événements et formations"),
    Topic.FAIR_TRADE: N_("Commerce équitable"),
}


def topic_name(topic: Topic) -> str:
    """Return the translated name of a topic."""
    return _(TOPIC_NAMES[topic])


class SubscriptionsFeature(Feature):
    """Subscribe on an explicit request; stop with one word, at any step."""

    intents = (Intent.SUBSCRIBE, Intent.UNSUBSCRIBE)
    payloads = (Subscribe, Unsubscribe, MySubscriptions)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the subscription buttons (and the words "stop" and "start")."""
        if isinstance(payload, Subscribe):
            self.subscribe(turn, payload.topic)
        elif isinstance(payload, Unsubscribe):
            self.unsubscribe(turn, payload.topic)
        else:
            self.show(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "abonnez-moi" and "je ne veux plus recevoir vos messages"."""
        if result.intent == Intent.SUBSCRIBE:
            self.subscribe(turn, None)
        else:
            self.unsubscribe(turn, None)

    def subscribe(self, turn: Turn, topic: Topic | None) -> None:
        """Opt the contact in to one topic, or to every topic."""
        topics = [topic] if topic else list(Topic)
        added = [
            contacts.subscribe(turn.session, contact_id=turn.contact_id, topic=item)
            for item in topics
        ]
        if topic is not None:
            self.show(turn, _("C'est noté : {topic}.").format(topic=topic_name(topic)))
            return
        text = (
            _(
                "C'est fait : vous recevrez les actualités de l'économie sociale (campagnes, "
                "formations, événements). Écrivez STOP à tout moment pour arrêter."
            )
            if any(added)
            else _("Vous êtes déjà abonné(e) aux actualités. Écrivez STOP pour arrêter.")
        )
        turn.say(text, [(_("Choisir mes sujets"), MySubscriptions()), (_("Menu"), MainMenu())])

    def unsubscribe(self, turn: Turn, topic: Topic | None) -> None:
        """Opt the contact out of one topic, or of everything; a form in progress is kept."""
        if topic is not None:
            contacts.unsubscribe(turn.session, contact_id=turn.contact_id, topic=topic)
            self.show(turn, _("Vous ne recevrez plus : {topic}.").format(topic=topic_name(topic)))
            return
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

    def show(self, turn: Turn, intro: str | None = None) -> None:
        """List the topics, each with the button that switches it."""
        mine = set(contacts.topics_of(turn.session, contact_id=turn.contact_id))
        lines = [intro] if intro else []
        lines.append(_("Vos sujets :"))
        choices: list[tuple[str, Payload]] = []
        for topic in Topic:
            if topic in mine:
                lines.append(_("✓ {topic}").format(topic=topic_name(topic)))
                choices.append(
                    (_("Arrêter : {topic}").format(topic=topic_name(topic)), Unsubscribe(topic))
                )
            else:
                lines.append(_("✗ {topic}").format(topic=topic_name(topic)))
                choices.append(
                    (_("Recevoir : {topic}").format(topic=topic_name(topic)), Subscribe(topic))
                )
        choices.append((_("Menu"), MainMenu()))
        turn.say("\n".join(lines), choices)
