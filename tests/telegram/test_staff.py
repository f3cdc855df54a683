"""Staff commands: /stats, /export, /inscriptions for the ids in RELAIS_STAFF_TELEGRAM_IDS only."""

import csv
import io

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.channels.telegram.broadcast import BroadcastStep, Step
from bot.channels.telegram.commands import StaffCommand
from bot.domain import CampaignState, Channel
from bot.storage.database import new_session
from bot.storage.models import Campaign, CampaignRun
from tests.core.test_preregistration import FULL_FORM
from tests.telegram.conftest import STAFF_ID
from tests.telegram.harness import Harness, TelegramUser, in_group
from tests.transcript import Chat, verify_dialog


def register(user: TelegramUser) -> None:
    """Pre-register through the engine, as this Telegram user (quicker than over HTTP)."""
    engine = user.harness.channel._relais.engine
    chat = Chat(engine, sender=str(user.user_id), channel=Channel.TELEGRAM)
    verify_dialog(chat, [*FULL_FORM, ("[Confirmer]", "GA-")])


def test_staff_see_the_figures(webhook: Harness) -> None:
    register(webhook.user(7001))
    webhook.user(7002).send("abonnez-moi")
    staff = webhook.user(STAFF_ID, first_name="Agent", last_name=None)
    stats = staff.send("/stats")
    assert "Relais en chiffres" in stats
    assert "Personnes : 2 (Telegram 2)" in stats
    assert "Abonnés aux actualités : 1" in stats
    assert "Pré-inscriptions : 1" in stats
    assert "reçues : 1" in stats
    assert "Woleu-Ntem : 1" in stats


def test_staff_get_the_latest_registrations(webhook: Harness) -> None:
    staff = webhook.user(STAFF_ID)
    assert "Aucune pré-inscription" in staff.send("/inscriptions")
    register(webhook.user(7001))
    latest = staff.send("/inscriptions")
    assert "La dernière pré-inscription" in latest
    assert "-00001" in latest and "Les Agriculteurs de Bitam" in latest
    assert "Woleu-Ntem" in latest and "reçue" in latest
    assert "+24177123456" not in latest


def test_staff_get_the_export_as_a_csv_document(webhook: Harness) -> None:
    register(webhook.user(7001))
    webhook.user(STAFF_ID).send("/export")
    [call] = webhook.api.calls("sendDocument")
    assert call.ok and call.chat_id == STAFF_ID
    filename, content = call.files["document"]
    assert filename is not None and filename.startswith("inscriptions-")
    assert filename.endswith(".csv")
    assert call.params["caption"] == "1 pré-inscription"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Les Agriculteurs de Bitam"]
    assert rows[0]["phone"] == "+24177123456"


def test_anyone_else_is_refused_politely_and_nothing_leaks(webhook: Harness) -> None:
    register(webhook.user(7001))
    stranger = webhook.user(7002)
    for command in ("/stats", "/export", "/inscriptions"):
        answer = stranger.send(command)
        assert "réservée aux agents de la DGES" in answer
        assert "Bitam" not in answer and "Pré-inscriptions" not in answer
    assert webhook.api.calls("sendDocument") == []


def test_staff_commands_stay_out_of_groups(webhook: Harness) -> None:
    register(webhook.user(7001))
    staff = in_group(webhook.user(STAFF_ID), {"id": -4001, "type": "group", "title": "Agents"})
    answer = staff.send("/export")
    assert "conversation privée" in answer
    assert "Bitam" not in staff.send("/inscriptions")
    assert webhook.api.calls("sendDocument") == []


def test_a_retried_staff_command_is_answered_once(webhook: Harness) -> None:
    staff = webhook.user(STAFF_ID)
    update = staff.update(message=staff.message("/export"))
    staff.exchange(update)
    staff.exchange(update)
    assert len(webhook.api.calls("sendDocument")) == 1


def test_staff_broadcast_with_preview_audience_and_counts(webhook: Harness) -> None:
    webhook.user(7001).send("abonnez-moi")
    webhook.user(7002).send("abonnez-moi")
    staff = webhook.user(STAFF_ID)
    preview = staff.send("/diffusion Formation coopératives le 3 mars à Oyem")
    assert "Aperçu du message" in preview and "Formation coopératives le 3 mars" in preview
    assert "[Abonnés (2)]" in preview and "[Groupes (0)]" in preview
    confirm = staff.press("Abonnés (2)")
    assert "2 destinataire(s)" in confirm and "[Envoyer]" in confirm
    done = staff.press("Envoyer")
    assert "Diffusion terminée : 2 envoyé(s), 0 en échec" in done
    for chat_id in (7001, 7002):
        texts = [call.params["text"] for call in webhook.api.sent(chat_id)]
        assert texts.count("Formation coopératives le 3 mars à Oyem") == 1


def test_only_staff_can_broadcast(webhook: Harness) -> None:
    stranger = webhook.user(7003)
    assert "réservée aux agents" in stranger.send("/diffusion Bonjour")
    assert "Bonjour" not in stranger.send(payload=BroadcastStep(1, Step.SEND).pack())


def test_a_forged_broadcast_button_is_refused_unread_and_the_draft_untouched(
    webhook: Harness, database: DatabaseEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook.user(7001).send("abonnez-moi")
    staff = webhook.user(STAFF_ID)
    staff.send("/diffusion Formation le 3 mars à Oyem")
    [draft] = campaigns(database)
    assert draft.state is CampaignState.DRAFT
    read: list[str] = []
    unpack = BroadcastStep.unpack

    def spy(packed: str) -> BroadcastStep:
        read.append(packed)
        return unpack(packed)

    monkeypatch.setattr(BroadcastStep, "unpack", staticmethod(spy))
    stranger = webhook.user(7003)
    sent_before = len(webhook.api.sent(7001))
    for step in (Step.ALL, Step.SEND, Step.CANCEL):
        assert stranger.send(payload=BroadcastStep(draft.id or 0, step).pack()) == ""
    assert read == [], "a stranger's button data is not even parsed"
    assert len(webhook.api.calls("answerCallbackQuery")) == 3
    assert [campaign.model_dump() for campaign in campaigns(database)] == [draft.model_dump()]
    with new_session(database) as session:
        assert session.exec(select(CampaignRun)).all() == []
    assert len(webhook.api.sent(7001)) == sent_before
    # The same button from the staff is read and acted on.
    assert "1 destinataire(s)" in staff.press("Abonnés (1)")
    assert read


def campaigns(database: DatabaseEngine) -> list[Campaign]:
    with new_session(database) as session:
        return list(session.exec(select(Campaign)).all())


def test_staff_follow_campaigns_and_events(webhook: Harness) -> None:
    from datetime import timedelta

    from bot.campaigns import events
    from bot.domain import EventKind
    from bot.storage.types import utcnow

    database = webhook.channel._relais.database
    staff = webhook.user(STAFF_ID)
    assert "Aucune campagne" in staff.send("/campagnes")
    staff.send("/diffusion Bonjour")
    assert "Diffusion Telegram (draft" in staff.send("/campagnes")
    events.create_event(
        database,
        kind=EventKind.TRAINING,
        title={"fr": "Formation"},
        starts_at=utcnow() + timedelta(days=3),
        place="Oyem",
        capacity=10,
    )
    assert "Formation" in staff.send("/evenements") and "0/10 inscrits" in staff.send("/evenements")
    assert "réservée aux agents" in webhook.user(7004).send("/campagnes")


def test_each_staff_command_has_its_own_handler_filtered_on_the_staff_ids(
    webhook: Harness,
) -> None:
    application = webhook.channel._application
    [handlers] = application.handlers.values()
    staff = webhook.user(STAFF_ID)
    stranger = webhook.user(7002)
    staff_in_a_group = in_group(staff, {"id": -4001, "type": "group", "title": "Agents"})

    def update(user: TelegramUser, text: str) -> Update:
        return Update.de_json(user.update(message=user.message(text)), application.bot)

    def commands_of(handler: BaseHandler) -> frozenset[str]:
        return handler.commands if isinstance(handler, CommandHandler) else frozenset()

    [refusal] = [
        h for h in handlers if commands_of(h) == {command.value for command in StaffCommand}
    ]
    for command in StaffCommand:
        [handler] = [h for h in handlers if commands_of(h) == {command.value}]
        assert isinstance(handler, CommandHandler)
        [staff_filter] = [f for f in leaves(handler.filters) if isinstance(f, filters.User)]
        assert staff_filter.user_ids == {STAFF_ID}
        assert handler.check_update(update(staff, f"/{command}"))
        assert not handler.check_update(update(stranger, f"/{command}"))
        assert not handler.check_update(update(staff_in_a_group, f"/{command}"))
        # The refusal comes later: PTB tries it only when the command's own handler did not match.
        assert handlers.index(handler) < handlers.index(refusal)
        assert refusal.check_update(update(stranger, f"/{command}"))


def leaves(combined: filters.BaseFilter) -> list[filters.BaseFilter]:
    """Return the simple filters a filter was combined from with & and |."""
    parts = [getattr(combined, name, None) for name in ("base_filter", "and_filter", "or_filter")]
    found = [part for part in parts if isinstance(part, filters.BaseFilter)]
    if not found:
        return [combined]
    return [leaf for part in found for leaf in leaves(part)]
