"""The place entity's words and examples, from the deployed country's territory.

Each country names its own places (Gabon's provinces and towns, Algeria's wilayas), so the
training data in `nlu/data` names none: the `province` entity's lookup and synonyms come from
the content pack's territory, and the questions that name a place are templates
(`nlu/places.yml`, `{place}` standing for the place) filled with that country's names. A
model trained for one country so knows its places only.
"""

import dataclasses
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from nlu.normalization import normalize_phrase
from nlu.training_data import (
    TrainingData,
    TrainingDataError,
    content_hash,
    load_training_data,
)
from nlu.vocabulary import EntityType

PLACES_FILE = Path(__file__).resolve().parent / "places.yml"
PLACE_SLOT = "{place}"
PLACE_ENTITY = EntityType.PROVINCE.value
_ARABIC = re.compile(r"[\u0600-\u06ff]")

#: (a name people write, the unit it names) pairs: ("Oran", "Oran"), ("وهران", "Oran")
Places = Sequence[tuple[str, str]]


def read_templates(path: Path = PLACES_FILE) -> list[tuple[str, str]]:
    """Return the (annotated template, intent) pairs of a places file, every one with {place}.

    Raise TrainingDataError, naming the file and the entry, when the file is malformed.
    """
    where = path.as_posix()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise TrainingDataError([f"{where}: cannot be read: {error}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("nlu"), list):
        raise TrainingDataError([f"{where}: expected a mapping with an 'nlu' list"])
    errors: list[str] = []
    templates: list[tuple[str, str]] = []
    for index, entry in enumerate(document["nlu"], start=1):
        intent = entry.get("intent") if isinstance(entry, dict) else None
        block = entry.get("examples") if isinstance(entry, dict) else None
        if not isinstance(intent, str) or not isinstance(block, str):
            errors.append(f"{where}: entry {index}: expected 'intent' and 'examples: |'")
            continue
        for number, raw in enumerate(line for line in block.splitlines() if line.strip()):
            line = raw.strip().removeprefix("-").strip()
            if line.count(PLACE_SLOT) != 1:
                errors.append(
                    f"{where}: intent {intent!r}, example {number + 1}: write {PLACE_SLOT} once"
                )
                continue
            templates.append((line, intent))
    if errors:
        raise TrainingDataError(errors)
    return templates


def _annotation(name: str, value: str) -> str:
    """Return the Rasa annotation of a place's name."""
    if normalize_phrase(name) == normalize_phrase(value):
        return f"[{name}]({PLACE_ENTITY})"
    return f"[{name}]" + json.dumps({"entity": PLACE_ENTITY, "value": value}, ensure_ascii=False)


def fill_templates(templates: Iterable[tuple[str, str]], places: Places) -> list[tuple[str, str]]:
    """Return each template with one of the places in turn, in its script where there is one.

    A template in Arabic script takes the names written in Arabic script, the others the
    names in Latin letters; with no name in a template's script, the other script's.
    """
    arabic = [(name, value) for name, value in places if _ARABIC.search(name)]
    latin = [(name, value) for name, value in places if not _ARABIC.search(name)]
    # One name of each unit first, then their other names: the examples spread over units.
    arabic, latin = _spread(arabic), _spread(latin)
    filled: list[tuple[str, str]] = []
    counts = {"arabic": 0, "latin": 0}
    for template, intent in templates:
        script = "arabic" if _ARABIC.search(template.replace(PLACE_SLOT, "")) else "latin"
        names = (arabic if script == "arabic" else latin) or arabic or latin
        if not names:
            return []
        name, value = names[counts[script] % len(names)]
        counts[script] += 1
        filled.append((template.replace(PLACE_SLOT, _annotation(name, value)), intent))
    return filled


def _spread(places: Places) -> list[tuple[str, str]]:
    """Order names so that each unit's first name comes before any unit's second one."""
    rank: dict[str, int] = {}
    ordered: list[tuple[int, int, tuple[str, str]]] = []
    for position, (name, value) in enumerate(places):
        rank[value] = rank.get(value, -1) + 1
        ordered.append((rank[value], position, (name, value)))
    return [item for _, _, item in sorted(ordered)]


def place_examples(places: Places, path: Path = PLACES_FILE) -> list[tuple[str, str]]:
    """Return the places file's templates filled with the country's places (none without)."""
    if not places:
        return []
    return fill_templates(read_templates(path), places)


def with_places(data: TrainingData, places: Places) -> TrainingData:
    """Return data whose place entity knows these places: their lookup and synonyms."""
    if not places:
        return data
    synonyms = dict(data.synonyms)
    errors = []
    for name, value in places:
        key = normalize_phrase(name)
        if not key or key == normalize_phrase(value):
            continue
        known = synonyms.setdefault(key, value)
        if known != value:
            errors.append(
                f"territory: {name!r} names {value!r} but the NLU data maps it to {known!r}"
            )
    if errors:
        raise TrainingDataError(errors)
    lookups = dict(data.lookups)
    lookups[PLACE_ENTITY] = tuple(
        dict.fromkeys([*lookups.get(PLACE_ENTITY, ()), *(v for _, v in places)])
    )
    digest = content_hash(data.examples, synonyms, lookups, data.regexes)
    return dataclasses.replace(data, synonyms=synonyms, lookups=lookups, content_hash=digest)


def load_country_data(
    data_dir: Path,
    *,
    extra_examples: Sequence[tuple[str, str]] = (),
    extra_source: str = "extra examples",
    places: Places = (),
) -> TrainingData:
    """Read the training data, plus a pack's examples and its places, as every parser trains."""
    data = load_training_data(data_dir)
    if extra_examples:
        data = data.with_examples(extra_examples, extra_source)
    if places:
        data = data.with_examples(place_examples(places), PLACES_FILE.name)
        data = with_places(data, places)
    return data


def rasa_lines(places: Places, path: Path = PLACES_FILE) -> list[str]:
    """Return the place entity's lookup, synonyms and examples as lines of a Rasa NLU file."""
    if not places:
        return []
    by_intent: dict[str, list[str]] = {}
    for line, intent in place_examples(places, path):
        by_intent.setdefault(intent, []).append(line)
    lines: list[str] = []
    for intent, examples in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {line}" for line in examples)]
    values = list(dict.fromkeys(value for _, value in places))
    lines += [f"- lookup: {PLACE_ENTITY}", "  examples: |", *(f"    - {v}" for v in values)]
    for value in values:
        names = [
            name
            for name, named in places
            if named == value and normalize_phrase(name) != normalize_phrase(value)
        ]
        if names:
            lines += [f"- synonym: {json.dumps(value, ensure_ascii=False)}", "  examples: |"]
            lines += [f"    - {name}" for name in names]
    return lines
