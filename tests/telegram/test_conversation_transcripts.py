"""The free-text conversation transcripts of the core, replayed over Telegram through real HTTP
against the fake Bot API."""

import inspect
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from tests.core import test_follow_ups, test_interruptions
from tests.telegram.harness import Harness
from tests.transcript import play, replays

# One transcript or two of each kind of free text (all of them run in the terminal channel
# and over WhatsApp): the slower Telegram round trips stay few.
REPLAYED = {
    "test_and_for_a_coop_keeps_the_section_shown",
    "test_follow_ups_in_arabic",
    "test_a_group_size_is_checked_against_the_form_discussed",
    "test_a_greeting_in_front_of_a_question_answers_the_question",
    "test_acknowledgements_are_understood_and_never_counted",
    "test_questions_in_the_form_are_explained_and_never_stored",
    "test_a_cost_question_at_the_province_step_is_answered",
    "test_changing_the_form_at_any_step",
    "test_the_decision_helper_never_traps",
    "test_the_offer_of_a_person_does_not_take_the_forms_buttons",
    "test_details_after_asking_for_a_person_are_added_to_the_request",
    "test_a_reference_typed_after_asking_for_the_file",
    "test_resume_words_go_on_with_the_form_instead_of_subscribing",
}
TRANSCRIPTS = [
    function
    for module in (test_follow_ups, test_interruptions)
    for name, function in vars(module).items()
    if name in REPLAYED and "chat" in inspect.signature(function).parameters
]


# The dialogue does not depend on how updates arrive: webhook mode only (both modes run the
# core's other transcripts).
@pytest.mark.parametrize("telegram", ["webhook"], indirect=True)
@pytest.mark.parametrize(("transcript", "country"), replays(TRANSCRIPTS))
def test_conversation_over_telegram(
    transcript: Callable[..., None], telegram: Harness, database: DatabaseEngine, country: str
) -> None:
    play(transcript, chat=telegram.user(), database=database, country=country)


def test_every_replayed_transcript_exists() -> None:
    assert {function.__name__ for function in TRANSCRIPTS} == REPLAYED
