"""Choose and build the NLU implementation the application uses."""

import logging
from collections.abc import Sequence
from pathlib import Path

from nlu.embedded import DEFAULT_CACHE_DIR, EmbeddedParser
from nlu.interface import NluParser
from nlu.places import Places

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


def load_parser(
    *,
    rasa_url: str | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    extra_examples: Sequence[tuple[str, str]] = (),
    extra_source: str = "extra examples",
    places: Places = (),
) -> NluParser:
    """Return the embedded parser, or a Rasa HTTP parser that falls back to it when given a URL.

    extra_examples are (annotated line, intent) pairs from outside the data directory, such
    as the content pack's fact questions ("c koi un récépissé", "ask_fact/recepisse"); places
    are the country's (name, unit) pairs, which the place entity and its examples name.
    """
    embedded = EmbeddedParser.load(
        data_dir or DEFAULT_DATA_DIR,
        cache_dir=cache_dir if cache_dir is not None else Path.cwd() / DEFAULT_CACHE_DIR,
        extra_examples=extra_examples,
        extra_source=extra_source,
        places=places,
    )
    if rasa_url is None:
        return embedded
    # httpx is imported only when a Rasa server is configured.
    from nlu.rasa_http import RasaHttpParser

    logger.info("using the Rasa server at %s, with the embedded NLU as fallback", rasa_url)
    return RasaHttpParser(rasa_url, fallback=embedded)
