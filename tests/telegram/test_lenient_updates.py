"""Malformed but harmless updates: read leniently, answered or ignored, never an ERROR."""

import logging
from typing import Any

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.channels.telegram.lenient import tidy_update
from bot.domain import InboxStatus
from bot.storage.database import new_session
from bot.storage.models import Contact, InboxItem
from tests.telegram.harness import Harness, TelegramUser


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def _statuses(database: DatabaseEngine) -> set[InboxStatus]:
    with new_session(database) as session:
        return {item.status for item in session.exec(select(InboxItem)).all()}


def test_callback_data_as_a_number_is_read_as_its_text(
    webhook: Harness, database: DatabaseEngine, caplog: pytest.LogCaptureFixture
) -> None:
    user = webhook.user(7101)
    update = user.button_update("x")
    update["callback_query"]["data"] = 12345
    reply = user.exchange(update)
    assert "plus valable" in reply or "Que voulez-vous faire" in reply
    assert _errors(caplog) == []
    assert _statuses(database) == {InboxStatus.DONE}


def test_my_chat_member_without_members_is_ignored(
    webhook: Harness, database: DatabaseEngine, caplog: pytest.LogCaptureFixture
) -> None:
    user = webhook.user(7102)
    change = {
        "chat": {"id": -100123, "type": "group", "title": "Coopérative"},
        "from": user.sender,
        "date": 1_700_000_000,
    }
    for members in ({}, {"new_chat_member": {"status": "member"}}, {"old_chat_member": 3}):
        response = webhook.post(json=user.update(my_chat_member={**change, **members}))
        assert response.status_code == 200
    webhook.drain()
    assert webhook.api.sent() == []
    assert _errors(caplog) == []
    assert _statuses(database) == {InboxStatus.DONE}


def test_an_administrator_without_its_rights_listed_still_joins_the_group(
    webhook: Harness, database: DatabaseEngine, caplog: pytest.LogCaptureFixture
) -> None:
    user = webhook.user(7103)
    bot = {"id": 123456789, "is_bot": True, "first_name": "Relais"}
    update = user.update(
        my_chat_member={
            "chat": {"id": -100124, "type": "supergroup", "title": "Mutuelle"},
            "from": user.sender,
            "date": 1_700_000_000,
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "administrator", "user": bot},
        }
    )
    assert webhook.post(json=update).status_code == 200
    webhook.drain()
    assert [call.chat_id for call in webhook.api.sent()] == [-100124]
    assert _errors(caplog) == []


@pytest.mark.parametrize(
    "sender",
    [
        {"id": 7104, "is_bot": False, "first_name": 42, "last_name": ["x"], "language_code": 5},
        {"id": "7104", "is_bot": "no", "first_name": None},
        {"id": 7104, "first_name": {"a": 1}, "username": 3.5},
    ],
)
def test_wrong_typed_names_are_read_as_text_or_left_out(
    webhook: Harness,
    database: DatabaseEngine,
    caplog: pytest.LogCaptureFixture,
    sender: dict[str, Any],
) -> None:
    user = webhook.user(7104)
    message = user.message("bonjour")
    message["from"] = sender
    reply = user.exchange(user.update(message=message))
    assert "Bonjour" in reply
    assert _errors(caplog) == []
    with new_session(database) as session:
        contact = session.exec(select(Contact).where(Contact.address == "7104")).one()
    assert contact.name is None or isinstance(contact.name, str)


def test_entities_out_of_the_text_are_dropped(
    webhook: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    group = {"id": -100125, "type": "group", "title": "Asso"}
    member = TelegramUser(webhook, user_id=7105, chat=group)
    message = member.message("@RelaisTestBot menu")
    message["entities"] = [
        {"type": "mention", "offset": 0, "length": 14},
        {"type": "mention", "offset": 500, "length": 9},
        {"type": "bold", "offset": -3, "length": 2},
        {"type": "mention", "offset": "0", "length": "zz"},
    ]
    reply = member.exchange(member.update(message=message))
    assert "Menu" in reply or "Que voulez-vous faire" in reply
    assert _errors(caplog) == []


def test_a_date_past_every_clock_is_brought_back() -> None:
    message = {"message_id": 1, "date": 10**20, "chat": {"id": 1, "type": "private"}}
    tidy, fixes = tidy_update({"update_id": 1, "message": message})
    assert tidy["message"]["date"] == 2**32 - 1
    assert fixes == ["message.date out of range"]


def test_a_well_formed_update_is_left_as_it_is(webhook: Harness) -> None:
    user = webhook.user(7106)
    update = user.button_update("menu")
    update["callback_query"]["message"]["reply_to_message"] = user.message("bonjour")
    assert tidy_update(update) == (update, [])


def test_a_chat_id_past_64_bits_is_refused(webhook: Harness, database: DatabaseEngine) -> None:
    user = webhook.user(7107)
    message = user.message("bonjour")
    message["chat"] = {"id": 10**70, "type": "private"}
    assert webhook.post(json=user.update(message=message)).status_code == 400
    assert _statuses(database) == set()
