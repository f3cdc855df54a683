"""Extract entities by exact and typo-tolerant matching against the training vocabulary."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain import CoopForm, OrgType
from nlu.normalization import Token, normalize_phrase, tokenize
from nlu.result import Entity
from nlu.training_data import TrainingData
from nlu.vocabulary import EntityType

EXACT_EXTRACTOR = "GazetteerEntityExtractor"
FUZZY_EXTRACTOR = "FuzzyGazetteerEntityExtractor"
SYNONYM_PROCESSOR = "EntitySynonymMapper"

# Below five letters one typo turns a word into another word ("oyem"/"oyez", "asso"/"assez"),
# so short words match exactly or not at all.
MIN_FUZZY_CHARS = 5
# fuzz.ratio of a 5-letter word with one letter added or dropped is 89-91 ("oyemm"/"oyem"),
# one substitution scores 80 ("arbre"/"arabe"): 85 keeps the first and refuses the second.
FUZZY_SCORE_CUTOFF = 85.0

# An entity that implies another one: every cooperative form is a cooperative.
IMPLIED_ENTITIES: Mapping[tuple[str, str], tuple[str, str]] = {
    (EntityType.COOP_FORM.value, form.value): (
        EntityType.ORG_TYPE.value,
        OrgType.COOPERATIVE.value,
    )
    for form in CoopForm
}


@dataclass(frozen=True, slots=True)
class _Match:
    """A span of tokens recognised as one or more entity values."""

    first: int
    last: int
    targets: tuple[tuple[str, str], ...]
    score: float

    @property
    def size(self) -> int:
        """Return how many tokens the match covers."""
        return self.last - self.first + 1


_CLAUSE_MARKS = frozenset(",;!?،؛؟")


def _clause_breaks(text: str, tokens: list[Token]) -> frozenset[int]:
    """Return the indexes of the tokens followed by a comma, a full stop or the like (a dot
    inside an abbreviation, "O.N.G", is no break)."""
    found = set()
    for index in range(len(tokens) - 1):
        gap = text[tokens[index].end : tokens[index + 1].start]
        if _CLAUSE_MARKS & set(gap) or ("." in gap and any(char.isspace() for char in gap)):
            found.add(index)
    return frozenset(found)


def _preference(match: _Match) -> tuple[bool, float, int, int]:
    """Order matches: exact ones first, longest first; then fuzzy ones, closest first."""
    # A fuzzy n-gram can swallow a neighbouring word ("a portgentil" is close to "port
    # gentil"), so it only fills the gaps the exact matches leave.
    if match.score >= 100.0:
        return (False, -match.size, 0, match.first)
    return (True, -match.score, -match.size, match.first)


class EntityExtractor:
    """Find entities from lookup tables, synonyms and annotated examples, tolerating typos."""

    def __init__(
        self,
        surfaces: Mapping[str, Iterable[tuple[str, str]]],
        *,
        known_words: Collection[str] = (),
        implied: Mapping[tuple[str, str], tuple[str, str]] = IMPLIED_ENTITIES,
    ) -> None:
        # Kept as given, so that a start with unchanged data can rebuild this (nlu.snapshot).
        self.source_surfaces: Mapping[str, Sequence[tuple[str, str]]] = {
            surface: tuple(targets) for surface, targets in surfaces.items()
        }
        self._surfaces: dict[str, tuple[tuple[str, str], ...]] = {}
        for surface, targets in surfaces.items():
            key = normalize_phrase(surface)
            if key:
                merged = dict.fromkeys([*self._surfaces.get(key, ()), *targets])
                self._surfaces[key] = tuple(merged)
        # "portgentil" typed without the space still matches "Port-Gentil".
        for key, targets in list(self._surfaces.items()):
            joined = key.replace(" ", "")
            if joined != key and len(joined) >= MIN_FUZZY_CHARS:
                self._surfaces.setdefault(joined, targets)
        self._choices: dict[int, list[str]] = defaultdict(list)
        for key in self._surfaces:
            if len(key.replace(" ", "")) >= MIN_FUZZY_CHARS - 1:
                self._choices[key.count(" ") + 1].append(key)
        self._max_tokens = max((key.count(" ") + 1 for key in self._surfaces), default=0)
        self._known_words = frozenset(known_words)
        self._implied = dict(implied)

    @property
    def known_words(self) -> frozenset[str]:
        """Return the folded words of the examples that are not part of an entity."""
        return self._known_words

    @classmethod
    def from_training_data(cls, data: TrainingData) -> "EntityExtractor":
        """Build the vocabulary from the lookups, synonyms and annotations of data."""
        surfaces: dict[str, set[tuple[str, str]]] = defaultdict(set)
        entities_of_value: dict[str, set[str]] = defaultdict(set)
        for entity, elements in data.lookups.items():
            for element in elements:
                value = data.resolve(element)
                surfaces[element].add((entity, value))
                entities_of_value[value].add(entity)
        known_words: set[str] = set()
        for example in data.examples:
            covered: set[int] = set()
            for annotation in example.entities:
                value = data.resolve(annotation.value)
                surfaces[example.text[annotation.start : annotation.end]].add(
                    (annotation.entity, value)
                )
                entities_of_value[value].add(annotation.entity)
                covered.update(range(annotation.start, annotation.end))
            known_words.update(
                token.folded for token in tokenize(example.text) if token.start not in covered
            )
        for variant, value in data.synonyms.items():
            for entity in entities_of_value.get(value, ()):
                surfaces[variant].add((entity, value))
        ordered = {surface: sorted(targets) for surface, targets in surfaces.items()}
        return cls(ordered, known_words=known_words)

    def extract(self, text: str) -> list[Entity]:
        """Return the entities of text with offsets into text, longest matches first."""
        tokens = tokenize(text)
        if not tokens or not self._surfaces:
            return []
        matches = self._candidates(tokens, _clause_breaks(text, tokens))
        taken: set[int] = set()
        chosen: list[_Match] = []
        for match in sorted(matches, key=_preference):
            span = range(match.first, match.last + 1)
            if taken.isdisjoint(span):
                taken.update(span)
                chosen.append(match)
        entities = [
            entity
            for match in sorted(chosen, key=lambda m: m.first)
            for entity in self._entities(text, tokens, match)
        ]
        return self._with_implied(entities)

    def _candidates(
        self, tokens: list[Token], breaks: frozenset[int] = frozenset()
    ) -> list[_Match]:
        """Return every exact match, and the best fuzzy match of the other n-grams.

        An n-gram does not run over a clause break: in "une coop, ça coûte combien" the
        words "coop" and "ça" are not the cooperative form COOP-CA.
        """
        folded = [token.folded for token in tokens]
        matches: list[_Match] = []
        queries: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for size in range(1, min(self._max_tokens, len(tokens)) + 1):
            for first in range(len(tokens) - size + 1):
                if any(index in breaks for index in range(first, first + size - 1)):
                    continue
                words = folded[first : first + size]
                key = " ".join(words)
                targets = self._surfaces.get(key)
                if targets is not None:
                    matches.append(_Match(first, first + size - 1, targets, 100.0))
                elif self._may_be_typo(words):
                    queries[size].append((first, key))
        for size, items in queries.items():
            choices = self._choices.get(size)
            if not choices:
                continue
            scores = process.cdist(
                [key for _, key in items],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_SCORE_CUTOFF,
            )
            for (first, _), row in zip(items, scores, strict=True):
                best = int(row.argmax())
                if row[best] >= FUZZY_SCORE_CUTOFF:
                    targets = self._surfaces[choices[best]]
                    matches.append(_Match(first, first + size - 1, targets, float(row[best])))
        return matches

    def _may_be_typo(self, words: list[str]) -> bool:
        """Tell whether an n-gram is long enough and holds a word the data does not know."""
        if len("".join(words)) < MIN_FUZZY_CHARS:
            return False
        if any(char.isdigit() for word in words for char in word):
            return False
        # A typo makes an unknown word; "pour gentil" is two known words, not "port gentil".
        return not all(word in self._known_words for word in words)

    @staticmethod
    def _entities(text: str, tokens: list[Token], match: _Match) -> list[Entity]:
        """Turn a match into one entity per target, spanning the matched tokens."""
        start, end = tokens[match.first].start, tokens[match.last].end
        fuzzy = match.score < 100.0
        surface = normalize_phrase(text[start:end])
        return [
            Entity(
                entity=entity,
                value=value,
                start=start,
                end=end,
                extractor=FUZZY_EXTRACTOR if fuzzy else EXACT_EXTRACTOR,
                confidence=round(match.score / 100.0, 4) if fuzzy else None,
                processors=(SYNONYM_PROCESSOR,) if normalize_phrase(value) != surface else (),
            )
            for entity, value in match.targets
        ]

    def _with_implied(self, entities: list[Entity]) -> list[Entity]:
        """Add the entities implied by others, unless the span already has that entity."""
        result = list(entities)
        for item in entities:
            implied = self._implied.get((item.entity, item.value))
            if implied is None:
                continue
            name, value = implied
            if any(
                other.entity == name and other.start < item.end and item.start < other.end
                for other in result
            ):
                continue
            result.append(
                Entity(
                    entity=name,
                    value=value,
                    start=item.start,
                    end=item.end,
                    extractor=item.extractor,
                    confidence=item.confidence,
                    processors=(SYNONYM_PROCESSOR,),
                )
            )
        return sorted(result, key=lambda e: (e.start, e.end, e.entity))
