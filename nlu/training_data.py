"""Load and validate NLU training data written in Rasa 3.x YAML format."""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.normalization import normalize_phrase, normalize_text

SUPPORTED_MAJOR_VERSION = "3"
TRAINING_FILE_SUFFIXES = (".yml", ".yaml")

_ENTRY_KINDS = ("intent", "synonym", "lookup", "regex")
_ENTRY_KEYS: Mapping[str, frozenset[str]] = {
    "intent": frozenset({"intent", "examples", "metadata"}),
    "synonym": frozenset({"synonym", "examples"}),
    "lookup": frozenset({"lookup", "examples"}),
    "regex": frozenset({"regex", "examples"}),
}
# Rasa also reads responses (of retrieval intents) from NLU files; the classifier needs none.
_TOP_LEVEL_KEYS = frozenset({"version", "nlu", "responses"})
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# A retrieval intent's examples name their response: `intent: ask_fact/ohada` (Rasa's form).
_INTENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z0-9_]+)?$")
RESPONSE_KEY_SEPARATOR = "/"
_ANNOTATION_KEYS = frozenset({"entity", "value", "role", "group"})
# `[text](entity)`, `[text](entity:value)` or `[text]{"entity": ..., "value": ...}`.
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]*)\](?:\((?P<short>[^()]*)\)|(?P<json>\{[^{}]*\}))")


class TrainingDataError(ValueError):
    """Training data that cannot be used; every message names the file and the entry."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True, slots=True)
class EntityAnnotation:
    """An entity marked inside a training example, with offsets in the plain text."""

    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance: plain text, intent and annotated entities."""

    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()
    source: str = ""
    #: for a retrieval intent, the full intent-response key ("ask_fact/ohada")
    response_key: str | None = None


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Everything read from a directory of Rasa NLU files."""

    examples: tuple[Example, ...]
    # Normalised surface form (see normalize_phrase) -> canonical value, as Rasa's
    # EntitySynonymMapper uses it; annotations whose text differs from their value add to it.
    synonyms: Mapping[str, str]
    lookups: Mapping[str, tuple[str, ...]]
    regexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    content_hash: str = ""

    @property
    def intents(self) -> tuple[str, ...]:
        """Return the intent names, sorted."""
        return tuple(sorted({example.intent for example in self.examples}))

    @property
    def texts(self) -> list[str]:
        """Return the plain text of every example."""
        return [example.text for example in self.examples]

    @property
    def labels(self) -> list[str]:
        """Return the intent of every example, aligned with texts."""
        return [example.intent for example in self.examples]

    def resolve(self, value: str) -> str:
        """Return the canonical value a synonym maps value to, or value itself."""
        return self.synonyms.get(normalize_phrase(value), value)

    @property
    def retrieval_intents(self) -> tuple[str, ...]:
        """Return the intents whose examples name a response ("ask_fact"), sorted."""
        return tuple(sorted({e.intent for e in self.examples if e.response_key is not None}))

    def responses_of(self, retrieval_intent: str) -> tuple[Example, ...]:
        """Return the examples of one retrieval intent, each with its response key."""
        return tuple(
            e for e in self.examples if e.intent == retrieval_intent and e.response_key is not None
        )

    def with_examples(self, lines: Iterable[tuple[str, str]], source: str) -> "TrainingData":
        """Return this data plus annotated (line, intent) pairs written elsewhere (a content pack).

        Raise TrainingDataError, naming source, when a line is malformed or clashes.
        """
        collector = _Collector(examples=list(self.examples))
        collector.synonyms = {key: (value, "nlu data") for key, value in self.synonyms.items()}
        for number, (line, intent) in enumerate(lines, start=1):
            where = f"{source}: {intent}, example {number}"
            if not _INTENT_NAME.match(intent):
                collector.errors.append(f"{where}: invalid intent name {intent!r}")
                continue
            example = _parse_example(line, intent, where, collector)
            if example is not None:
                collector.examples.append(example)
        _check_duplicates(collector)
        if collector.errors:
            raise TrainingDataError(collector.errors)
        synonyms = {key: value for key, (value, _) in collector.synonyms.items()}
        examples = tuple(collector.examples)
        return TrainingData(
            examples=examples,
            synonyms=synonyms,
            lookups=self.lookups,
            regexes=self.regexes,
            content_hash=content_hash(examples, synonyms, self.lookups, self.regexes),
        )


# libyaml's parser reads the files about ten times faster than the pure-Python one.
class _UniqueKeyLoader(yaml.CSafeLoader):
    """A safe YAML loader that refuses a key repeated in one mapping."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """Build a mapping and fail on a repeated key, which plain YAML silently overwrites."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            context = "while constructing a mapping"
            problem = f"found duplicate key {key!r}"
            raise yaml.constructor.ConstructorError(
                context, node.start_mark, problem, key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


@dataclass
class _Collector:
    """Accumulate what the files declare and every error found on the way."""

    errors: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, tuple[str, str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    def add_synonym(self, variant: str, value: str, where: str) -> None:
        """Record variant -> value unless another entry maps variant elsewhere."""
        key = normalize_phrase(variant)
        if not key:
            self.errors.append(f"{where}: {variant!r} has no letters or digits to match")
            return
        previous = self.synonyms.get(key)
        if previous is None:
            self.synonyms[key] = (value, where)
        elif previous[0] != value:
            self.errors.append(
                f"{where}: {variant!r} maps to {value!r} but {previous[1]} maps it to "
                f"{previous[0]!r}"
            )


def iter_training_files(path: Path) -> list[Path]:
    """Return the YAML files of a directory tree, sorted, or the file itself."""
    if path.is_file():
        return [path]
    return sorted(
        candidate
        for candidate in path.rglob("*")
        if candidate.is_file() and candidate.suffix in TRAINING_FILE_SUFFIXES
    )


def load_training_data(path: Path) -> TrainingData:
    """Read and validate every training file under path; raise TrainingDataError if any is bad."""
    files = iter_training_files(path)
    if not files:
        msg = f"{path}: no training data files ({', '.join(TRAINING_FILE_SUFFIXES)}) found"
        raise TrainingDataError([msg])
    collector = _Collector()
    for file in files:
        _read_file(file, collector)
    _check_duplicates(collector)
    if collector.errors:
        raise TrainingDataError(collector.errors)
    synonyms = {key: value for key, (value, _) in collector.synonyms.items()}
    lookups = {name: tuple(elements) for name, elements in collector.lookups.items()}
    regexes = {name: tuple(patterns) for name, patterns in collector.regexes.items()}
    examples = tuple(collector.examples)
    return TrainingData(
        examples=examples,
        synonyms=synonyms,
        lookups=lookups,
        regexes=regexes,
        content_hash=content_hash(examples, synonyms, lookups, regexes),
    )


def content_hash(
    examples: Iterable[Example],
    synonyms: Mapping[str, str],
    lookups: Mapping[str, Sequence[str]],
    regexes: Mapping[str, Sequence[str]],
) -> str:
    """Return a SHA-256 of the data's meaning, independent of file layout and order."""
    canonical = {
        "examples": sorted(
            [
                example.response_key or example.intent,
                example.text,
                [[e.entity, e.value, e.start, e.end, e.role, e.group] for e in example.entities],
            ]
            for example in examples
        ),
        "synonyms": sorted(synonyms.items()),
        "lookups": {name: sorted(elements) for name, elements in lookups.items()},
        "regexes": {name: sorted(patterns) for name, patterns in regexes.items()},
    }
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def _read_file(file: Path, collector: _Collector) -> None:
    """Parse one YAML file into the collector."""
    try:
        document = yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        collector.errors.append(f"{file}: invalid YAML: {error}")
        return
    except (OSError, UnicodeDecodeError) as error:
        collector.errors.append(f"{file}: cannot read: {error}")
        return
    if not isinstance(document, dict):
        collector.errors.append(f"{file}: expected a mapping with 'version' and 'nlu' keys")
        return
    for key in sorted(set(document) - _TOP_LEVEL_KEYS, key=str):
        collector.errors.append(f"{file}: unknown top-level key {key!r}")
    version = document.get("version")
    if not isinstance(version, str):
        collector.errors.append(
            f"{file}: 'version' must be a quoted string such as \"3.1\", got {version!r}"
        )
    elif version.split(".", 1)[0] != SUPPORTED_MAJOR_VERSION:
        collector.errors.append(
            f"{file}: unsupported version {version!r}, expected {SUPPORTED_MAJOR_VERSION}.x"
        )
    entries = document.get("nlu")
    if entries is None:
        collector.errors.append(f"{file}: missing 'nlu' key")
        return
    if not isinstance(entries, list):
        collector.errors.append(f"{file}: 'nlu' must be a list of entries")
        return
    for index, entry in enumerate(entries, start=1):
        _read_entry(file, index, entry, collector)


def _read_entry(file: Path, index: int, entry: object, collector: _Collector) -> None:
    """Validate one item of the nlu list and record what it declares."""
    where = f"{file}: entry {index}"
    if not isinstance(entry, dict):
        collector.errors.append(f"{where}: expected a mapping with one of {_kinds()}")
        return
    kinds = [kind for kind in _ENTRY_KINDS if kind in entry]
    if len(kinds) != 1:
        found = ", ".join(repr(kind) for kind in kinds) or "none"
        collector.errors.append(f"{where}: expected exactly one of {_kinds()}, found {found}")
        return
    kind = kinds[0]
    name = entry[kind]
    if isinstance(name, str) and name.strip():
        where = f"{file}: {kind} {name!r}"
    for key in sorted(set(entry) - _ENTRY_KEYS[kind], key=str):
        collector.errors.append(f"{where}: unknown key {key!r}")
    if not isinstance(name, str) or not name.strip():
        collector.errors.append(f"{where}: {kind!r} must be a non-empty string, got {name!r}")
        return
    pattern = _INTENT_NAME if kind == "intent" else _NAME
    if kind in ("intent", "lookup", "regex") and not pattern.match(name):
        collector.errors.append(
            f"{where}: name must start with a letter and hold only letters, digits and '_'"
        )
        return
    lines = _read_examples(where, entry.get("examples"), collector)
    if kind == "intent":
        for number, line in enumerate(lines, start=1):
            example = _parse_example(line, name, f"{where}, example {number}", collector)
            if example is not None:
                collector.examples.append(example)
    elif kind == "synonym":
        for number, line in enumerate(lines, start=1):
            collector.add_synonym(line, name, f"{where}, example {number}")
    elif kind == "lookup":
        collector.lookups.setdefault(name, []).extend(lines)
    else:
        for number, line in enumerate(lines, start=1):
            try:
                re.compile(line)
            except re.error as error:
                collector.errors.append(f"{where}, example {number}: invalid pattern: {error}")
        collector.regexes.setdefault(name, []).extend(lines)


def _read_examples(where: str, block: object, collector: _Collector) -> list[str]:
    """Split an `examples: |` block into its `- ` lines."""
    if block is None:
        collector.errors.append(f"{where}: missing 'examples'")
        return []
    if not isinstance(block, str):
        collector.errors.append(
            f"{where}: 'examples' must be a block of '- ' lines (write 'examples: |')"
        )
        return []
    lines: list[str] = []
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
            continue
        number = len(lines) + 1
        if not line.startswith("-"):
            collector.errors.append(
                f"{where}, example {number}: line {line!r} does not start with '- '"
            )
            continue
        text = line[1:].strip()
        if not text:
            collector.errors.append(f"{where}, example {number}: empty example")
            continue
        lines.append(text)
    if not lines and block.strip() == "":
        collector.errors.append(f"{where}: no examples")
    return lines


def _parse_example(line: str, intent: str, where: str, collector: _Collector) -> Example | None:
    """Turn an annotated line into plain text plus entity offsets."""
    plain: list[str] = []
    entities: list[EntityAnnotation] = []
    position = 0
    length = 0
    failed = False
    for match in _ANNOTATION.finditer(line):
        between = line[position : match.start()]
        if not _check_plain(between, where, collector):
            failed = True
        plain.append(between)
        length += len(between)
        annotation = _parse_annotation(match, where, collector)
        if annotation is None:
            failed = True
        else:
            entity, value, role, group = annotation
            surface = match.group("text")
            entities.append(
                EntityAnnotation(entity, value, length, length + len(surface), role, group)
            )
            if normalize_phrase(surface) != normalize_phrase(value):
                collector.add_synonym(surface, value, where)
            plain.append(surface)
            length += len(surface)
        position = match.end()
    rest = line[position:]
    if not _check_plain(rest, where, collector):
        failed = True
    plain.append(rest)
    text = "".join(plain)
    if not text.strip():
        collector.errors.append(f"{where}: empty example")
        failed = True
    if failed:
        return None
    base, separator, _ = intent.partition(RESPONSE_KEY_SEPARATOR)
    return Example(
        text=text,
        intent=base,
        entities=tuple(entities),
        source=where,
        response_key=intent if separator else None,
    )


def _check_plain(text: str, where: str, collector: _Collector) -> bool:
    """Report brackets left outside a well-formed annotation."""
    if "[" in text or "]" in text:
        collector.errors.append(
            f"{where}: malformed annotation near {text.strip()!r}: write [text](entity) or "
            '[text]{"entity": "...", "value": "..."}'
        )
        return False
    return True


def _parse_annotation(
    match: re.Match[str], where: str, collector: _Collector
) -> tuple[str, str, str | None, str | None] | None:
    """Read entity, value, role and group from one `[text](...)` or `[text]{...}` match."""
    surface = match.group("text")
    if not surface.strip():
        collector.errors.append(f"{where}: annotation {match.group()!r} has no text")
        return None
    if surface != surface.strip():
        collector.errors.append(f"{where}: annotation {match.group()!r} has spaces around its text")
        return None
    short = match.group("short")
    if short is not None:
        entity, _, value = short.partition(":")
        entity, value = entity.strip(), value.strip() or surface
        if not _NAME.match(entity):
            collector.errors.append(
                f"{where}: annotation {match.group()!r} has an invalid entity name {entity!r}"
            )
            return None
        return entity, value, None, None
    try:
        spec = json.loads(match.group("json"))
    except json.JSONDecodeError as error:
        collector.errors.append(f"{where}: annotation {match.group()!r} is not JSON: {error}")
        return None
    if not isinstance(spec, dict):
        collector.errors.append(f"{where}: annotation {match.group()!r} must be a JSON object")
        return None
    unknown = sorted(set(spec) - _ANNOTATION_KEYS)
    if unknown:
        collector.errors.append(
            f"{where}: annotation {match.group()!r} has unknown keys {', '.join(unknown)}"
        )
        return None
    if any(not isinstance(item, str) or not item.strip() for item in spec.values()):
        collector.errors.append(
            f"{where}: annotation {match.group()!r} values must be non-empty strings"
        )
        return None
    fields: dict[str, str] = spec
    entity = fields.get("entity")
    if entity is None or not _NAME.match(entity):
        collector.errors.append(
            f"{where}: annotation {match.group()!r} needs a valid 'entity' name"
        )
        return None
    return entity, fields.get("value", surface), fields.get("role"), fields.get("group")


def _check_duplicates(collector: _Collector) -> None:
    """Report repeated examples, and texts the classifier would see under two intents."""
    exact: dict[tuple[str, str], Example] = {}
    normalised: dict[str, Example] = {}
    for example in collector.examples:
        label = example.response_key or example.intent
        key = (label, " ".join(example.text.split()).casefold())
        first = exact.get(key)
        if first is not None:
            collector.errors.append(f"{example.source}: {example.text!r} repeats {first.source}")
            continue
        exact[key] = example
        seen = normalised.setdefault(normalize_text(example.text), example)
        if (seen.response_key or seen.intent) != label:
            collector.errors.append(
                f"{example.source}: {example.text!r} is also an example of intent "
                f"{seen.response_key or seen.intent!r} ({seen.source})"
            )


def _kinds() -> str:
    """Name the entry kinds for error messages."""
    return ", ".join(repr(kind) for kind in _ENTRY_KINDS)
