"""The free-text conversation transcripts of the core, replayed over WhatsApp."""

import inspect
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.core.engine import Engine
from tests.core import test_follow_ups, test_interruptions
from tests.transcript import play, replays
from tests.whatsapp.phone import WhatsAppChat

TRANSCRIPTS = [
    function
    for module in (test_follow_ups, test_interruptions)
    for name, function in vars(module).items()
    if name.startswith("test_") and "chat" in inspect.signature(function).parameters
]


@pytest.mark.parametrize(("transcript", "country"), replays(TRANSCRIPTS))
def test_conversation_over_whatsapp(
    transcript: Callable[..., None],
    whatsapp_chat: WhatsAppChat,
    database: DatabaseEngine,
    engine: Engine,
    country: str,
) -> None:
    play(transcript, chat=whatsapp_chat, database=database, engine=engine, country=country)
