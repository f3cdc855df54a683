"""The content pack's fact questions, which train the NLU's ask_fact retrieval intent."""

from bot.content import DEFAULT_CONTENT_DIR, load_pack


def fact_questions() -> list[tuple[str, str]]:
    """Return the shipped pack's (annotated question, "ask_fact/<fact>") pairs."""
    return load_pack(DEFAULT_CONTENT_DIR, "ga").training_examples()


def places(country: str = "ga") -> list[tuple[str, str]]:
    """Return a pack's (place name, unit) pairs, which the NLU's place entity knows."""
    return load_pack(DEFAULT_CONTENT_DIR, country).territory.places()
