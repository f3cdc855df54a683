"""While a member of staff answers a person, the bot keeps quiet, except for their rights."""

import sqlalchemy as sa
from sqlmodel import select

from bot.core.engine import Engine
from bot.domain import HandoffStatus
from bot.storage.database import new_session
from bot.storage.models import Contact, HandoffRequest, Subscription
from tests.transcript import Chat


def _taken_by_staff(engine: Engine, chat: Chat) -> None:
    chat.send("abonnez-moi")
    chat.send("parler à une personne")
    with new_session(engine.database) as session:
        session.execute(sa.update(HandoffRequest).values(status=HandoffStatus.TAKEN))
        session.commit()


def test_while_staff_answer_other_messages_get_no_reply(engine: Engine, chat: Chat) -> None:
    _taken_by_staff(engine, chat)
    assert chat.send("comment créer une association ?") == ""
    assert chat.send("menu") == ""


def test_stop_works_while_staff_answer(engine: Engine, chat: Chat) -> None:
    _taken_by_staff(engine, chat)
    assert chat.send("STOP") != ""
    with new_session(engine.database) as session:
        assert session.exec(select(Subscription)).all() == []


def test_data_deletion_works_while_staff_answer(engine: Engine, chat: Chat) -> None:
    _taken_by_staff(engine, chat)
    asked = chat.send("supprimer mes données")
    assert asked != ""
    chat.press(chat.last[-1].choices[0].label)
    with new_session(engine.database) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(HandoffRequest)).all() == []


def test_seeing_ones_data_works_while_staff_answer_in_english(engine: Engine) -> None:
    chat = Chat(engine, sender="bob", locale_hint="en")
    _taken_by_staff(engine, chat)
    assert chat.send("which personal data do you hold about me?") != ""
    # The answer to the deletion question, typed, is read too.
    assert chat.send("delete my data") != ""
    assert chat.send("yes") != ""
    with new_session(engine.database) as session:
        assert session.exec(select(Contact)).all() == []
