"""The one reminder before the closing date: to those who neither finished nor stopped, once."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.campaigns.background import CampaignLoop
from bot.campaigns.consultations import publish_results, send_due_reminders
from bot.core.engine import Engine
from bot.domain import Channel
from bot.services.consultations import close_consultation
from bot.storage.database import new_session
from bot.storage.models import Campaign, Consultation
from tests.campaigns.test_dispatcher import FakeSender
from tests.consultations.helpers import TZ, invite, make_consultation, subscribers
from tests.transcript import Chat

FINISHED, STOPPED, SILENT = "501", "502", "503"


def answer_everything(chat: Chat) -> None:
    for text in ["consultation", "oui", "1", "1, 2", "2", "3", "passer", "passer", "passer"]:
        chat.send(text)
    assert "Merci !" in chat.press("Envoyer")


def test_the_reminder_goes_once_to_those_who_have_not_answered(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, FINISHED, STOPPED, SILENT, channel=Channel.TELEGRAM)
    first = invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    assert set(first.sent) == {FINISHED, STOPPED, SILENT}
    answer_everything(Chat(engine, sender=FINISHED, channel=Channel.TELEGRAM))
    stopping = Chat(engine, sender=STOPPED, channel=Channel.TELEGRAM)
    stopping.send("consultation")
    assert "mise de côté" in stopping.send("stop")

    with new_session(engine.database) as session:
        stored = session.get(Consultation, consultation.id)
        assert stored is not None and stored.reminder_at is not None
        due = stored.reminder_at + timedelta(minutes=1)
    sender = FakeSender(Channel.TELEGRAM)
    catalogues = engine.services.catalogues
    for _restart in range(2):  # a restart, or a second server process, sends nothing twice
        loop = CampaignLoop(
            engine.database,
            {Channel.TELEGRAM: sender},
            TZ,
            clock=lambda: due,
            catalogues=catalogues,
        )
        asyncio.run(loop.run_due())
    assert dict(sender.sent) == {SILENT: 1}
    assert send_due_reminders(engine.database, catalogues, TZ, due) == []
    with new_session(engine.database) as session:
        [reminder] = session.exec(select(Campaign).where(Campaign.name.endswith("reminder"))).all()  # type: ignore[attr-defined]
    assert "se termine le" in reminder.messages["fr"]
    assert set(reminder.messages) == {"fr", "en", "ar"}


def test_a_reminder_found_after_the_closing_date_is_dropped(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, SILENT, channel=Channel.TELEGRAM)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    late = consultation.closes_at + timedelta(hours=1)
    assert send_due_reminders(engine.database, engine.services.catalogues, TZ, late) == []
    with new_session(engine.database) as session:
        stored = session.get(Consultation, consultation.id)
    assert stored is not None and stored.reminder_done_at == late


def test_published_results_reach_those_who_finished_and_close(engine: Engine) -> None:
    consultation = make_consultation(engine.database)
    subscribers(engine.database, FINISHED, SILENT, channel=Channel.TELEGRAM)
    invite(engine.database, engine.services, consultation, Channel.TELEGRAM)
    answer_everything(Chat(engine, sender=FINISHED, channel=Channel.TELEGRAM))
    campaign = publish_results(
        engine.database,
        consultation.id or 0,
        engine.services.catalogues,
        TZ,
        {"fr": "62 % préfèrent le téléphone.", "en": "62% prefer the phone."},
    )
    assert campaign.audience == f"answered={consultation.id}"
    assert "62 % préfèrent le téléphone." in campaign.messages["fr"]
    assert "62% prefer the phone." in campaign.messages["en"] and "ar" not in campaign.messages
    sender = FakeSender(Channel.TELEGRAM)
    loop = CampaignLoop(
        engine.database, {Channel.TELEGRAM: sender}, TZ, catalogues=engine.services.catalogues
    )
    asyncio.run(loop.run_due())
    assert dict(sender.sent) == {FINISHED: 1}
    # Someone answering in the middle: the consultation closes, and they are told.
    silent = Chat(engine, sender=SILENT, channel=Channel.TELEGRAM)
    silent.send("consultation")
    close_consultation(engine.database, consultation.id or 0)
    assert "Cette consultation est close" in silent.send("oui")
