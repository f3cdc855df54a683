"""The engine fed hostile conversations, on SQLite and PostgreSQL: always an answer, never an error.

Each example is one new person who mixes what a citizen would send (words of the menu, the
buttons just offered) with what no keyboard types (lone surrogates, NUL, huge texts, RTL marks)
and forged buttons, through both ways in: `handle` and `handle_into_outbox`.
"""

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_router
from bot.core import payloads
from bot.core.engine import Engine
from bot.core.messages import Choice, Incoming, Outgoing
from bot.core.turn import Services
from bot.domain import Channel
from bot.storage import contacts
from bot.storage.database import create_db_engine, new_session
from tests.fuzz.logs import no_error_logged
from tests.fuzz.strategies import PAYLOAD, TEXT, WORDS

_people = itertools.count(1)
CHANNELS = st.sampled_from([Channel.WEB, Channel.TELEGRAM, Channel.WHATSAPP, Channel.CONSOLE])


@pytest.fixture
def any_engine(database_url: str, services: Services) -> Iterator[Engine]:
    database = create_db_engine(database_url)
    yield Engine(database=database, services=services, router=build_router())
    database.dispose()


def _check(replies: list[Outgoing]) -> list[str]:
    """Every reply can be stored and sent; return the payloads of the buttons offered."""
    offered = []
    for reply in replies:
        reply.text.encode("utf-8")
        assert reply.text.strip() or reply.choices
        for choice in reply.choices:
            choice.label.encode("utf-8")
            assert payloads.parse(choice.payload) is not None, choice.payload
            offered.append(choice.payload)
    return offered


@given(data=st.data(), channel=CHANNELS, turns=st.integers(1, 8))
def test_any_conversation_is_answered_without_error(
    any_engine: Engine, data: st.DataObject, channel: Channel, turns: int
) -> None:
    sender = f"fuzz-{next(_people)}"
    offered: list[str] = []
    with no_error_logged():
        for turn in range(turns):
            kind = data.draw(st.sampled_from(["text", "words", "button", "forged"]), label="kind")
            text, payload = "", None
            if kind == "text":
                text = data.draw(TEXT, label="text")
            elif kind == "words":
                text = data.draw(WORDS, label="words")
            elif kind == "button" and offered:
                payload = data.draw(st.sampled_from(offered), label="button")
            else:
                payload = data.draw(PAYLOAD, label="forged")
            incoming = Incoming(
                channel=channel,
                sender=sender,
                text=text,
                payload=payload,
                locale_hint=data.draw(st.sampled_from([None, "fr", "en", "ar", "xx\x00"])),
                message_id=f"{sender}-{turn}",
            )
            if data.draw(st.booleans(), label="outbox"):
                items = any_engine.handle_into_outbox(incoming)
                replies = [
                    Outgoing(
                        item.text, tuple(Choice(label, packed) for label, packed in item.choices)
                    )
                    for item in items
                ]
            else:
                replies = any_engine.handle(incoming)
            assert replies, f"no answer to {incoming!r}"
            offered = _check(replies) or offered
            # A provider's retry of the same message is answered by nothing new (but after
            # "delete my data", whose message ids went with the rest).
            if _known(any_engine, channel, sender):
                assert any_engine.handle(incoming) == []


def _known(engine: Engine, channel: Channel, sender: str) -> bool:
    with new_session(engine.database) as session:
        return contacts.find_contact(session, channel=channel, address=sender) is not None
