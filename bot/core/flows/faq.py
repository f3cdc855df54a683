"""Answers from the content pack: the ESS, the directorate, funding, events, fair trade, offices."""

from bot.core.actions import Faq, Handoff, MainMenu, MoreTopics, Subscribe
from bot.core.feature import Feature
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import FaqTopic
from bot.text import fold
from nlu import Intent, ParseResult

TOPIC_OF_INTENT = {
    Intent.ABOUT_ESS: FaqTopic.ABOUT_ESS,
    Intent.FUNDING: FaqTopic.FUNDING,
    Intent.FAIR_TRADE: FaqTopic.FAIR_TRADE,
}
# Besides its acronym, how people name the directorate.
DIRECTORATE_WORDS = ("direction generale", "directorate")


class FaqFeature(Feature):
    """Answer the general questions, always with sources and a way to reach a person."""

    intents = tuple(TOPIC_OF_INTENT)
    payloads = (Faq,)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer an FAQ button."""
        assert isinstance(payload, Faq)
        self.answer(turn, payload.topic)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer a free-text question of the FAQ."""
        topic = TOPIC_OF_INTENT[Intent(result.intent)]
        words = (fold(turn.directorate), *DIRECTORATE_WORDS)
        if topic is FaqTopic.ABOUT_ESS and any(word in fold(turn.text) for word in words):
            topic = FaqTopic.ABOUT_DGES
        self.answer(turn, topic)

    def answer(self, turn: Turn, topic: FaqTopic) -> None:
        """Show one FAQ answer with its sources and review date."""
        entry = turn.pack.faq[topic]
        # Translators: separates the titles of the sources, which may hold commas.
        sources = _("; ").join(turn.local(source.title) for source in entry.sources)
        text = "\n\n".join(
            [
                turn.local(entry.answer),
                _("Sources : {sources}. Vérifié le {date}.").format(
                    sources=sources, date=turn.translator.format_date(entry.reviewed)
                ),
            ]
        )
        choices: list[tuple[str, Payload]] = []
        if topic in (FaqTopic.EVENTS, FaqTopic.FAIR_TRADE, FaqTopic.FUNDING):
            choices.append((_("Recevoir les actualités"), Subscribe()))
        choices += [
            (_("Autres questions"), MoreTopics()),
            (_("Parler à une personne"), Handoff()),
            (_("Menu"), MainMenu()),
        ]
        turn.say(text, choices)
