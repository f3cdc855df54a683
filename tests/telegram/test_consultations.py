"""A consultation over Telegram: the invitation as a campaign to people and groups, then the
questions answered with inline buttons and typed words, against the fake Bot API."""

import asyncio

from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import send_consultation
from bot.channels.telegram.bulk import TelegramCampaigns
from bot.core.engine import Engine
from bot.domain import Channel, ContactKind
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.database import new_session
from tests.consultations.helpers import TZ, make_consultation, subscribers
from tests.telegram.conftest import telegram_settings
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import Harness
from tests.transcript import Chat, verify_dialog

GROUP = -100555


def invite_over_telegram(engine: Engine, settings: Settings, api: FakeBotApi) -> None:
    consultation = make_consultation(engine.database, audience="all groups")
    subscribers(engine.database, "7001", channel=Channel.TELEGRAM)
    with new_session(engine.database) as session:
        group = contacts.get_or_create_contact(
            session, channel=Channel.TELEGRAM, address=str(GROUP)
        )
        group.kind = ContactKind.GROUP
        session.add(group)
        session.commit()
    send_consultation(engine.database, consultation.id or 0, engine.services.catalogues, TZ)
    sender = TelegramCampaigns(telegram_settings(settings, api, webhook=True), engine.database)
    loop = CampaignLoop(
        engine.database, {Channel.TELEGRAM: sender}, TZ, catalogues=engine.services.catalogues
    )

    async def deliver() -> None:
        try:
            await loop.run_due()
        finally:
            await sender.aclose()

    asyncio.run(deliver())


def test_invited_then_answering_with_buttons_and_words(
    webhook: Harness, engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    invite_over_telegram(engine, settings, api)
    [invitation] = api.sent(7001)
    assert "vous consulte" in invitation.params["text"]
    assert "Répondez « consultation » pour commencer." in invitation.params["text"]
    [posted] = api.sent(GROUP)
    assert "vous consulte" in posted.params["text"]

    user = webhook.user()
    chat: Chat = user  # type: ignore[assignment]
    verify_dialog(
        chat,
        [
            ("Consultation", ["« Le nouveau guichet unique »", "[Commencer]", "[Plus tard]"]),
            ("[Commencer]", ["Question 1/6", "[En ligne]", "[Passer]"]),
            ("[En ligne]", ["Question 2/6", "[Le procès-verbal]"]),
            ("les statuts et le proces verbal", "Question 3/6"),
            ("deux", "Question 4/6"),
            ("[5]", "Question 5/6"),
            ("Plus de guichets en province", "Partie 1/2"),
            ("passer", "Partie 2/2"),
            ("d'accord avec ce délai", ["Voici vos réponses", "En ligne", "Le procès-verbal"]),
            ("[Envoyer]", "Merci ! Vos réponses sont enregistrées."),
        ],
    )
    keyboard = user.last[-1].params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Menu", "callback_data": "menu"}]]


def test_a_forged_answer_button_is_refused(
    webhook: Harness, engine: Engine, settings: Settings, api: FakeBotApi
) -> None:
    invite_over_telegram(engine, settings, api)
    user = webhook.user()
    user.send("consultation")
    user.press("Commencer")
    # An answer to question 4 while question 1 is asked, and an option that does not exist.
    assert "Ce bouton n'est plus valable." in user.send(payload="cpick:4:5")
    assert "Ce bouton n'est plus valable." in user.send(payload="cpick:1:nowhere")
    assert "Question 2/6" in user.send("1")
