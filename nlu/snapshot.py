"""What a start needs of the training data, saved so that an unchanged start skips reading it.

Reading, checking and tokenising the ~4,000 training examples costs about a third of a
second on every start, although a cached model needs none of it: only the model's key and
the entity extractor's vocabulary. Both are stored here under a key of the raw inputs (the
training files' bytes, the content pack's examples, its territory's places and the templates
of the questions naming them); any change to them makes a new key, so the data is read and
checked again exactly when it may have changed.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.places import PLACES_FILE
from nlu.training_data import iter_training_files

logger = logging.getLogger(__name__)

# Part of the key: change it whenever what the snapshot holds, or how it is read, changes.
SNAPSHOT_FORMAT = 1
SNAPSHOT_PREFIX = "parser-inputs-"
SNAPSHOT_SUFFIX = ".json"


@dataclass(frozen=True, slots=True)
class ParserInputs:
    """The cached model's key and the entity extractor's vocabulary."""

    model_key: str
    surfaces: Mapping[str, Sequence[tuple[str, str]]]
    known_words: Sequence[str]


def inputs_key(
    data_dir: Path,
    extra_examples: Sequence[tuple[str, str]],
    extra_source: str,
    model_format: str,
    places: Sequence[tuple[str, str]] = (),
) -> str:
    """Return a key that changes whenever the training files, the extra examples or the
    country's places (its territory, and the templates of the questions naming them) change."""
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}:{model_format}".encode())
    for file in iter_training_files(data_dir):
        relative = file.relative_to(data_dir) if file != data_dir else Path(file.name)
        digest.update(f"\0{relative.as_posix()}\0".encode())
        digest.update(file.read_bytes())
    digest.update(json.dumps([extra_source, list(extra_examples)], ensure_ascii=False).encode())
    if places:
        digest.update(b"\0places\0" + PLACES_FILE.read_bytes())
        digest.update(json.dumps([list(pair) for pair in places], ensure_ascii=False).encode())
    return digest.hexdigest()[:32]


def read_inputs(cache_dir: Path, key: str) -> ParserInputs | None:
    """Return the inputs saved under key, or None when missing or unreadable."""
    path = cache_dir / f"{SNAPSHOT_PREFIX}{key}{SNAPSHOT_SUFFIX}"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        surfaces = {
            surface: [(str(entity), str(value)) for entity, value in targets]
            for surface, targets in stored["surfaces"].items()
        }
        return ParserInputs(
            model_key=str(stored["model_key"]),
            surfaces=surfaces,
            known_words=[str(word) for word in stored["known_words"]],
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("ignoring the unreadable NLU inputs cache %s: %s", path, error)
        return None


def write_inputs(cache_dir: Path, key: str, inputs: ParserInputs) -> None:
    """Save inputs under key atomically, dropping those saved for older data."""
    path = cache_dir / f"{SNAPSHOT_PREFIX}{key}{SNAPSHOT_SUFFIX}"
    document = {
        "model_key": inputs.model_key,
        "surfaces": {surface: list(targets) for surface, targets in inputs.surfaces.items()},
        "known_words": sorted(inputs.known_words),
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, ensure_ascii=False)
            # Another process may write at the same time: the rename keeps readers safe.
            Path(temporary).replace(path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for old in cache_dir.glob(f"{SNAPSHOT_PREFIX}*{SNAPSHOT_SUFFIX}"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as error:
        logger.warning("cannot cache the NLU inputs in %s: %s", cache_dir, error)
