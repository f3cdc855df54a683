"""Fixtures shared by the NLU tests: the real training data and a parser trained on it once."""

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from nlu import DEFAULT_DATA_DIR
from nlu.embedded import EmbeddedParser
from nlu.places import load_country_data
from nlu.training_data import TrainingData
from tests.facts_data import fact_questions, places

WriteData = Callable[..., Path]


@pytest.fixture(scope="session")
def training_data() -> TrainingData:
    """Load the shipped training data once, with the content pack's fact questions and places."""
    return load_country_data(
        DEFAULT_DATA_DIR, extra_examples=fact_questions(), extra_source="facts.yml", places=places()
    )


@pytest.fixture(scope="session")
def parser(training_data: TrainingData) -> EmbeddedParser:
    """Train the embedded parser once, without touching any cache directory."""
    return EmbeddedParser.from_training_data(training_data, cache_dir=None)


@pytest.fixture
def write_data(tmp_path: Path) -> WriteData:
    """Return a helper writing dedented YAML files into a fresh data directory."""
    directory = tmp_path / "data"
    directory.mkdir()

    def write(name: str = "nlu.yml", text: str = "") -> Path:
        (directory / name).write_text(dedent(text).lstrip(), encoding="utf-8")
        return directory

    return write


SMALL_DATA = """
    version: "3.1"
    nlu:
    - intent: greet
      examples: |
        - bonjour
        - salut
        - bonsoir
        - coucou
    - intent: goodbye
      examples: |
        - au revoir
        - bye
        - à bientôt
        - bonne nuit
    - intent: how_to_create
      examples: |
        - comment créer une [asso](org_type)
        - je veux créer une [coopérative](org_type)
        - créer une [asso](org_type) à [la capitale]{"entity": "province", "value": "Estuaire"}
        - monter une [ONG](org_type)
    - synonym: association
      examples: |
        - asso
    - synonym: cooperative
      examples: |
        - coopérative
    - synonym: ngo
      examples: |
        - ONG
    - lookup: org_type
      examples: |
        - association
        - cooperative
        - ngo
"""


@pytest.fixture
def small_data_dir(write_data: WriteData) -> Path:
    """Write a tiny valid data set with three intents and a few entities."""
    return write_data("nlu.yml", SMALL_DATA)


def record_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[Any]:
    """Record the first argument of every call to `owner.name`, which still runs for real."""
    calls: list[Any] = []
    real = getattr(owner, name)

    def recording(first: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(first)
        return real(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls
