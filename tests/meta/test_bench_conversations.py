"""The conversation benchmark's data: enough varied conversations, each turn judged."""

from collections import Counter

from bench.conversations import Turn, judge, load, wrong_language
from bot.core.messages import Choice, Outgoing


def test_the_benchmark_has_at_least_80_varied_conversations() -> None:
    conversations = load()
    assert len(conversations) >= 80
    kinds = Counter(conversation.kind for conversation in conversations)
    assert len(kinds) >= 10 and min(kinds.values()) >= 3
    assert {conversation.lang for conversation in conversations} == {"fr", "en", "ar"}
    for conversation in conversations:
        assert conversation.turns, conversation.id
        assert all(turn.has or turn.lacks for turn in conversation.turns), conversation.id


def test_a_turn_is_judged_on_text_buttons_and_language() -> None:
    reply = [Outgoing(text="SCOOPS : au moins 5 membres.", choices=(Choice("Menu", "menu"),))]
    assert judge(reply, Turn("x", None, ("5", ("cinq", "Menu")), ()), "fr") is None
    assert judge(reply, Turn("x", None, ("15",), ()), "fr") == "missing '15'"
    assert judge(reply, Turn("x", None, (), ("scoops",)), "fr") == "should not say 'scoops'"
    french = [Outgoing(text="Vous pouvez créer une association avec les statuts pour vous.")]
    assert wrong_language(french, "en") is not None
    assert wrong_language(french, "ar") is not None
    english = [Outgoing(text="You can create an association.\nSources : Loi n°35/62 du pays.")]
    assert wrong_language(english, "en") is None
