"""Read a country's content pack from YAML, validate it and cross-check its references."""

import dataclasses
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.content.decision import DecisionTree, NumberNode, Outcome
from bot.content.facts import FactsBody, facts_problems
from bot.content.placeholders import has_placeholder
from bot.content.schema import (
    BODY_MODELS,
    CONTENT_VERSION,
    CountryInfo,
    FaqBody,
    FaqEntry,
    FileKind,
    Office,
    OfficesBody,
    Procedure,
    valid_phone,
)
from bot.content.territory import Region, TerritoryBody
from bot.domain import FaqTopic, OrgType
from bot.errors import RelaisError
from bot.settings import DATA_ROOT

DEFAULT_CONTENT_DIR = DATA_ROOT / "content"

_HEADER_KEYS = ("version", "kind")
_KIND_NAMES = frozenset(kind.value for kind in FileKind)
_ANY_KIND = "*"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class ContentError(RelaisError):
    """The content pack cannot be used; every message names the file and the entry."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        if len(self.errors) == 1:
            message = self.errors[0]
        else:
            lines = "\n".join(f"- {error}" for error in self.errors)
            message = f"{len(self.errors)} problems in the content pack:\n{lines}"
        super().__init__(message)


# libyaml's parser reads the files about ten times faster than the pure-Python one.
class _ContentLoader(yaml.CSafeLoader):
    """Safe YAML loading that refuses duplicate keys and reads only true/false as booleans."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Build a mapping, refusing a key written twice (YAML would keep the last silently)."""
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads yes/no/on/off as booleans, which would turn the `yes:` and `no:` keys of the
# decision tree into True and False; keep only YAML 1.2's true/false.
_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ContentLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class ContentPack:
    """A country's validated content: the facts, procedures, FAQ, offices and decision tree."""

    version: int
    code: str
    country: CountryInfo
    procedures: dict[OrgType, Procedure]
    faq: dict[FaqTopic, FaqEntry]
    offices: dict[str, Office]
    decision: DecisionTree
    #: the first-level units (provinces, wilayas) and the words for them
    territory: TerritoryBody
    #: the facts answered one by one and the form profiles of comparisons (facts.yml)
    facts: FactsBody | None = None
    #: names of the other packs' countries, their people and towns, with the country's code
    other_countries: dict[str, str] = field(default_factory=dict)

    def training_examples(self) -> list[tuple[str, str]]:
        """Return the facts' example questions as (Rasa-annotated line, intent) pairs."""
        if self.facts is None:
            return []
        return self.facts.training_examples(self.territory.places())

    @property
    def facts_source(self) -> str:
        """Name the file the facts' questions come from, for NLU error messages."""
        return f"content/{self.code}/facts.yml"

    def offices_for(self, org_type: OrgType) -> list[Office]:
        """Return the offices that deal with a kind of organisation, in file order."""
        return [office for office in self.offices.values() if org_type in office.applies_to]

    @property
    def directorate_office(self) -> Office:
        """Return the directorate's own office, where citizens check and ask."""
        return self.offices[self.country.directorate.office]

    def province(self, name_or_capital: str) -> Region | None:
        """Find a unit by its name, number, capital or former name, ignoring case and accents."""
        return self.territory.find(name_or_capital)


@dataclass(frozen=True)
class RawFile:
    """One parsed YAML file, kept for the checks that look at the text itself."""

    path: Path
    display: str
    data: Any


@dataclass
class PackReading:
    """The result of reading a pack: what parsed, what failed, and the pack if all went well."""

    files: list[RawFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pack: ContentPack | None = None


def load_pack(root: Path, country: str) -> ContentPack:
    """Load and validate a country's content pack, raising ContentError on any problem."""
    reading = read_pack(root, country)
    if reading.errors or reading.pack is None:
        raise ContentError(reading.errors or [f"{country}: the content pack could not be read"])
    return reading.pack


def read_pack(root: Path, country: str) -> PackReading:
    """Read every file of a pack and collect all errors instead of stopping at the first."""
    reading = PackReading()
    country_dir = root / country
    shown_dir = _display(root, country_dir)
    if not country_dir.is_dir():
        reading.errors.append(f"{shown_dir}: no content pack for country {country!r}")
        return reading
    paths = sorted([*country_dir.rglob("*.yml"), *country_dir.rglob("*.yaml")])
    if not paths:
        reading.errors.append(f"{shown_dir}: no .yml file")
        return reading

    bodies: dict[FileKind, list[tuple[str, Any]]] = {kind: [] for kind in FileKind}
    # Kinds of the files that failed validation (any kind when it could not be told): their
    # errors are reported already, so a "missing file" error for that kind would only add noise.
    failed: set[str] = set()
    for path in paths:
        display = _display(root, path)
        parsed = _parse(path, display, reading.errors)
        if parsed is None:
            failed.add(_ANY_KIND)
            continue
        reading.files.append(RawFile(path, display, parsed))
        validated = _validate(parsed, display, reading.errors)
        if validated is None:
            raw_kind = parsed.get("kind")
            failed.add(raw_kind if raw_kind in _KIND_NAMES else _ANY_KIND)
        else:
            kind, model = validated
            bodies[kind].append((display, model))

    _Assembler(shown_dir, country, bodies, failed, reading).run()
    if reading.pack is not None:
        others = other_country_names(root, country)
        reading.pack = dataclasses.replace(reading.pack, other_countries=others)
    return reading


def other_country_names(root: Path, home: str) -> dict[str, str]:
    """Return the words naming the countries of the other packs: `also_named` and town names.

    Read leniently from each other pack's country and territory files: a broken pack of
    another country must not stop this one, and only names are taken from it.
    """
    names: dict[str, str] = {}
    for pack_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        if pack_dir.name == home:
            continue
        country = _lenient(pack_dir / "pack.yml")
        code = country.get("code")
        if not isinstance(code, str):
            continue
        words = [word for word in country.get("also_named", []) if isinstance(word, str)]
        territory = _lenient(pack_dir / "territory.yml")
        for region in territory.get("regions", []):
            if isinstance(region, dict) and isinstance(region.get("capital"), str):
                words.append(region["capital"])
        names.update((word, code) for word in words)
    return names


def _lenient(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ContentLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _display(root: Path, path: Path) -> str:
    return (Path(root.name) / path.relative_to(root)).as_posix()


def _parse(path: Path, display: str, errors: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f"{display}: cannot be read ({error})")
        return None
    try:
        data = yaml.load(text, Loader=_ContentLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        errors.append(f"{display}: {where}{error.problem or error}")
        return None
    except yaml.YAMLError as error:
        errors.append(f"{display}: {error}")
        return None
    if not isinstance(data, dict):
        errors.append(f"{display}: the file must be a mapping with version: and kind: keys")
        return None
    return data


def _validate(data: dict[str, Any], display: str, errors: list[str]) -> tuple[FileKind, Any] | None:
    version = data.get("version")
    if "version" not in data:
        errors.append(f"{display}: version: missing; add `version: {CONTENT_VERSION}`")
        return None
    if type(version) is not int or version != CONTENT_VERSION:
        errors.append(
            f"{display}: version: this Relais reads content version {CONTENT_VERSION}, "
            f"not {version!r}"
        )
        return None
    kinds = ", ".join(kind.value for kind in FileKind)
    raw_kind = data.get("kind")
    try:
        kind = FileKind(str(raw_kind))
    except ValueError:
        errors.append(f"{display}: kind: {raw_kind!r} is not one of {kinds}")
        return None
    body = {key: value for key, value in data.items() if key not in _HEADER_KEYS}
    try:
        return kind, BODY_MODELS[kind].model_validate(body)
    except ValidationError as error:
        errors.extend(f"{display}: {_describe(kind, detail)}" for detail in error.errors())
        return None


# Pydantic puts the tag of a discriminated union in the location (nodes.start.yes_no.question);
# the tag is already the node's `kind:`, so it is left out of the entry path.
_UNION_TAGS = {FileKind.DECISION: (2, {"yes_no", "number"})}
_SCALARS = (str, int, float, bool, date)


def _describe(kind: FileKind, detail: ErrorDetails) -> str:
    """Turn one pydantic error into `entry.path: message`."""
    loc = list(detail["loc"])
    tag = _UNION_TAGS.get(kind)
    if tag is not None and len(loc) > tag[0] and loc[0] == "nodes" and loc[tag[0]] in tag[1]:
        del loc[tag[0]]
    message = detail["msg"].removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":
        loc.pop()
        message = f"invalid key: {message}"
    if detail["type"] not in ("missing", "extra_forbidden") and isinstance(
        detail.get("input"), _SCALARS
    ):
        message = f"{message} (found {detail['input']!r})"
    entry = entry_path(loc)
    return f"{entry}: {message}" if entry else message


def entry_path(loc: Iterable[str | int]) -> str:
    """Write a location the way the YAML reads: variants[1].min_founders."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class _Assembler:
    """Put the validated files together and check what refers to what across files."""

    def __init__(
        self,
        shown_dir: str,
        country: str,
        bodies: dict[FileKind, list[tuple[str, Any]]],
        failed: set[str],
        reading: PackReading,
    ) -> None:
        self.shown_dir = shown_dir
        self.country = country
        self.bodies = bodies
        self.failed = failed
        self.reading = reading

    def error(self, display: str, entry: str, message: str) -> None:
        """Record an error at a file and entry."""
        self.reading.errors.append(
            f"{display}: {entry}: {message}" if entry else f"{display}: {message}"
        )

    def single(self, kind: FileKind) -> tuple[str, Any] | None:
        """Return the one file of a kind, recording an error when there is none or several."""
        found = self.bodies[kind]
        if not found:
            if not self.reported(kind):
                self.error(self.shown_dir, "", f"no file with kind: {kind.value}")
            return None
        for display, _ in found[1:]:
            self.error(display, "kind", f"a second {kind.value} file (the first is {found[0][0]})")
        return found[0]

    def optional(self, kind: FileKind) -> tuple[str, Any] | None:
        """Return the file of a kind a pack may leave out, recording an error for a second."""
        found = self.bodies[kind]
        for display, _ in found[1:]:
            self.error(display, "kind", f"a second {kind.value} file (the first is {found[0][0]})")
        return found[0] if found else None

    def check_facts(self, display: str, body: FactsBody) -> None:
        """Check the facts' guide links, cooperative forms, placeholders and questions."""
        for entry, message in facts_problems(body):
            self.error(display, entry, message)

    def reported(self, kind: FileKind) -> bool:
        """Tell whether a file that may be of this kind already failed with its own errors."""
        return kind.value in self.failed or _ANY_KIND in self.failed

    def run(self) -> None:
        """Assemble the pack, or leave it unset when any error was found."""
        country = self.single(FileKind.COUNTRY)
        faq = self.single(FileKind.FAQ)
        offices = self.single(FileKind.OFFICES)
        decision = self.single(FileKind.DECISION)
        territory = self.single(FileKind.TERRITORY)
        procedures = self.procedures()
        facts = self.optional(FileKind.FACTS)
        if facts is not None:
            self.check_facts(*facts)

        if country is not None:
            self.check_country(*country, offices)
        if offices is not None:
            self.check_offices(
                *offices, country[1] if country else None, territory[1] if territory else None
            )
        if offices is not None:
            for display, procedure in self.bodies[FileKind.PROCEDURE]:
                self.check_filing(display, procedure, offices[1])
        if decision is not None:
            self.check_decision(*decision, procedures)
        if country is not None:
            acronym = country[1].directorate.closing_word
            for display, procedure in self.bodies[FileKind.PROCEDURE]:
                if acronym not in procedure.closing.fr:
                    self.error(
                        display, "closing", f"closing must advise to check with the {acronym}"
                    )

        if (
            self.reading.errors
            or country is None
            or faq is None
            or offices is None
            or decision is None
            or territory is None
        ):
            return
        faq_body: FaqBody = faq[1]
        offices_body: OfficesBody = offices[1]
        self.reading.pack = ContentPack(
            version=CONTENT_VERSION,
            code=self.country,
            country=country[1],
            procedures={org_type: procedures[org_type][1] for org_type in OrgType},
            faq=dict(faq_body.entries),
            offices={office.id: office for office in offices_body.offices},
            decision=decision[1],
            territory=territory[1],
            facts=facts[1] if facts is not None else None,
        )

    def procedures(self) -> dict[OrgType, tuple[str, Procedure]]:
        """Index procedures by organisation type, one file each."""
        found: dict[OrgType, tuple[str, Procedure]] = {}
        for display, procedure in self.bodies[FileKind.PROCEDURE]:
            if procedure.org_type in found:
                first = found[procedure.org_type][0]
                self.error(display, "org_type", f"{procedure.org_type.value} is already in {first}")
            else:
                found[procedure.org_type] = (display, procedure)
        failed = self.reported(FileKind.PROCEDURE)
        for org_type in OrgType:
            if org_type not in found and not failed:
                self.error(self.shown_dir, "", f"no procedure with org_type: {org_type.value}")
        return found

    def check_country(
        self, display: str, country: CountryInfo, offices: tuple[str, OfficesBody] | None
    ) -> None:
        """Check the country file against the folder and the offices."""
        if country.code != self.country.upper():
            self.error(display, "code", f"{country.code} does not match the folder {self.country}")
        office_id = country.directorate.office
        if offices is not None and office_id not in {office.id for office in offices[1].offices}:
            self.error(display, "directorate.office", f"no office {office_id!r} in {offices[0]}")

    def check_offices(
        self,
        display: str,
        body: OfficesBody,
        country: CountryInfo | None,
        territory: TerritoryBody | None,
    ) -> None:
        """Check the units and phone numbers of the offices."""
        for index, office in enumerate(body.offices):
            entry = f"offices[{index}]"
            if territory is not None and office.province is not None:
                names = [region.name for region in territory.regions]
                if office.province not in names:
                    self.error(
                        display,
                        f"{entry}.province",
                        f"{office.province!r} is not one of {', '.join(names)}",
                    )
            if (
                country is not None
                and not has_placeholder(office.phone)
                and not valid_phone(office.phone, country.phone_region)
            ):
                self.error(
                    display,
                    f"{entry}.phone",
                    f"{office.phone!r} is not a valid {country.phone_region} number "
                    "nor a [À COMPLÉTER : ...] placeholder",
                )

    def check_filing(self, display: str, procedure: Procedure, offices: OfficesBody) -> None:
        """Check that a procedure sends people only to offices that exist and deal with it."""
        by_id = {office.id: office for office in offices.offices}
        for index, office_id in enumerate(procedure.where_to_file.offices):
            entry = f"where_to_file.offices[{index}]"
            office = by_id.get(office_id)
            if office is None:
                self.error(display, entry, f"no office {office_id!r} in the offices file")
            elif procedure.org_type not in office.applies_to:
                self.error(
                    display,
                    entry,
                    f"office {office_id!r} does not list {procedure.org_type.value} in applies_to",
                )

    def check_decision(
        self,
        display: str,
        tree: DecisionTree,
        procedures: dict[OrgType, tuple[str, Procedure]],
    ) -> None:
        """Check the tree's shape, and that its founder counts agree with the procedures."""
        for entry, message in tree.problems():
            self.error(display, entry, message)
        for node_id, node in tree.nodes.items():
            if not isinstance(node, NumberNode):
                continue
            for index, span in enumerate(node.ranges):
                if span.outcome is None:
                    continue
                required = _required_founders(span.outcome, procedures)
                if required is None:
                    continue
                entry = f"nodes.{node_id}.ranges[{index}]"
                if span.outcome.ready and span.min < required:
                    self.error(
                        display,
                        entry,
                        f"leads from {span.min} founders to {_name(span.outcome)}, "
                        f"which needs at least {required}",
                    )
                if not span.outcome.ready and (span.max is None or span.max >= required):
                    self.error(
                        display,
                        entry,
                        f"says ready: false but reaches {required} founders, "
                        f"enough for {_name(span.outcome)}",
                    )


def _required_founders(
    outcome: Outcome, procedures: dict[OrgType, tuple[str, Procedure]]
) -> int | None:
    if outcome.org_type not in procedures:
        return None
    procedure = procedures[outcome.org_type][1]
    if outcome.coop_form is not None:
        variant = procedure.variant(outcome.coop_form)
        return variant.min_founders if variant is not None else None
    return procedure.min_founders


def _name(outcome: Outcome) -> str:
    return outcome.coop_form.value if outcome.coop_form else outcome.org_type.value
