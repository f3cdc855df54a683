"""Short messages read for what they say: waves, thanks in emoji, "annule tout", a sector."""

import pytest

from bot.core.actions import Cancel
from bot.core.engine import Engine
from bot.core.flows.form_base import pick
from bot.core.keywords import global_action, is_acknowledgement, waves
from tests.transcript import Chat


@pytest.mark.parametrize("text", ["👋", "👋🏾", " 👋 👋 ", "🙋‍♀️"])
def test_a_wave_is_a_hello(engine: Engine, text: str) -> None:
    assert waves(text)
    assert "Bonjour" in Chat(engine, sender=f"wave-{len(text)}").send(text)


@pytest.mark.parametrize("text", ["🙏🙏", "👍🏽", "👌", "✅", "❤️"])
def test_thanks_in_emoji_are_thanks(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize("text", ["🤔", "😡", "a👍", "👍 merci beaucoup pour tout"])
def test_other_emoji_are_not_read_as_thanks(text: str) -> None:
    assert not is_acknowledgement(text)
    assert not waves(text)


@pytest.mark.parametrize(
    "text", ["annule tout", "Tout annuler !", "laisse tomber", "forget it", "الغي"]
)
def test_more_ways_to_cancel(text: str) -> None:
    assert isinstance(global_action(text), Cancel)


def test_a_sector_is_matched_on_whole_words() -> None:
    sectors = [
        ("Agriculture, élevage, pêche", "agriculture"),
        ("Culture, sport", "culture"),
        ("Santé", "health"),
    ]
    assert pick("culture", sectors) == "culture"
    assert pick("agriculture", sectors) == "agriculture"
    assert pick("sport", sectors) == "culture"
    assert pick("agricultur", sectors) == "agriculture"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("qui a gagné le match hier", "Je ne peux pas vous aider sur ce sujet"),
        ("you are so useless", "I cannot help with that"),
        ("أنت غبي", "لا أستطيع مساعدتكم"),
    ],
)
def test_an_off_topic_sentence_is_told_what_the_service_is_for(
    engine: Engine, text: str, said: str
) -> None:
    answer = Chat(engine, sender=f"off-{len(text)}").send(text)
    assert said in answer
    assert "Je n'ai pas compris" not in answer and "not understand" not in answer


def test_keyboard_mash_is_still_not_understood(engine: Engine) -> None:
    assert "Je n'ai pas compris" in Chat(engine, sender="mash").send("qsdkjqsdlkj")
