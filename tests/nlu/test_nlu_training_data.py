"""The Rasa YAML loader: what it reads, and errors that name the file and the entry."""

from collections.abc import Callable
from pathlib import Path

import pytest

from nlu.training_data import EntityAnnotation, TrainingDataError, load_training_data

WriteData = Callable[..., Path]


def load_errors(directory: Path) -> tuple[str, ...]:
    """Load directory, expecting a TrainingDataError, and return its messages."""
    with pytest.raises(TrainingDataError) as caught:
        load_training_data(directory)
    return caught.value.errors


def test_reads_examples_entities_synonyms_and_lookups(small_data_dir: Path) -> None:
    data = load_training_data(small_data_dir)

    assert data.intents == ("goodbye", "greet", "how_to_create")
    creating = [example for example in data.examples if example.intent == "how_to_create"]
    third = creating[2]
    assert third.text == "créer une asso à la capitale"
    assert third.entities == (
        EntityAnnotation("org_type", "asso", 10, 14),
        EntityAnnotation("province", "Estuaire", 17, 28),
    )
    assert third.text[17:28] == "la capitale"
    assert third.source == f"{small_data_dir / 'nlu.yml'}: intent 'how_to_create', example 3"
    assert data.synonyms["asso"] == "association"
    assert data.synonyms["ong"] == "ngo"
    # An annotation whose value differs from its text teaches a synonym, as in Rasa.
    assert data.synonyms["la capitale"] == "Estuaire"
    assert data.lookups["org_type"] == ("association", "cooperative", "ngo")
    assert data.resolve("ASSO") == "association"
    assert data.resolve("inconnu") == "inconnu"


def test_reads_the_legacy_short_value_syntax_and_roles(write_data: WriteData) -> None:
    directory = write_data(
        text="""
        version: "3.1"
        nlu:
        - intent: ask_office
          examples: |
            - bureau de [Oyem](province:Woleu-Ntem)
            - de [Libreville]{"entity": "province", "value": "Estuaire", "role": "from"} à Oyem
        """
    )

    examples = load_training_data(directory).examples

    assert examples[0].entities == (EntityAnnotation("province", "Woleu-Ntem", 10, 14),)
    assert examples[1].entities[0].role == "from"


def test_reads_every_yaml_file_of_the_directory(
    small_data_dir: Path, write_data: WriteData
) -> None:
    write_data(
        "more.yaml",
        """
        version: "3.1"
        nlu:
        - intent: thanks
          examples: |
            - merci
            - merci beaucoup
        - regex: reference
          examples: |
            - REL-\\d+
        """,
    )

    data = load_training_data(small_data_dir)

    assert "thanks" in data.intents
    assert data.regexes == {"reference": ("REL-\\d+",)}


def test_hash_is_stable_and_ignores_comments_but_not_examples(
    small_data_dir: Path, write_data: WriteData
) -> None:
    original = load_training_data(small_data_dir).content_hash
    path = small_data_dir / "nlu.yml"
    text = path.read_text(encoding="utf-8")

    assert load_training_data(small_data_dir).content_hash == original
    path.write_text("# a comment\n" + text, encoding="utf-8")
    assert load_training_data(small_data_dir).content_hash == original
    path.write_text(text.replace("- salut\n", "- salut\n    - yo\n"), encoding="utf-8")
    assert load_training_data(small_data_dir).content_hash != original


def test_error_names_file_intent_and_example(write_data: WriteData) -> None:
    directory = write_data(
        text="""
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - bonjour
            - salut
            - créer une [asso(org_type)
        """
    )

    (error,) = load_errors(directory)

    assert error.startswith(f"{directory / 'nlu.yml'}: intent 'greet', example 3: ")
    assert "malformed annotation" in error


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("une [asso] seule", "malformed annotation"),
        ("une asso](org_type)", "malformed annotation"),
        ('une [asso]{"entity": }', "is not JSON"),
        ('une [asso]{"entity": "org_type", "colour": "red"}', "unknown keys colour"),
        ('une [asso]{"value": "association"}', "needs a valid 'entity' name"),
        ("une [asso](org type)", "invalid entity name"),
        ("une [](org_type)", "has no text"),
        ("une [ asso ](org_type)", "spaces around its text"),
    ],
)
def test_rejects_malformed_annotations(write_data: WriteData, line: str, expected: str) -> None:
    directory = write_data(
        text=f"""
        version: "3.1"
        nlu:
        - intent: how_to_create
          examples: |
            - comment créer
            - {line}
        """
    )

    (error,) = load_errors(directory)

    assert error.startswith(f"{directory / 'nlu.yml'}: intent 'how_to_create', example 2: ")
    assert expected in error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nlu: []\n", "'version' must be a quoted string"),
        ("version: 3.1\nnlu: []\n", "'version' must be a quoted string"),
        ('version: "2.0"\nnlu: []\n', "unsupported version '2.0'"),
        ('version: "3.1"\n', "missing 'nlu' key"),
        ('version: "3.1"\nnlu: {}\n', "'nlu' must be a list"),
        ('version: "3.1"\nstories: []\nnlu: []\n', "unknown top-level key 'stories'"),
        ("- just a list\n", "expected a mapping with 'version' and 'nlu' keys"),
        ('version: "3.1"\nnlu:\n- intent: [greet\n', "invalid YAML"),
        ('version: "3.1"\nversion: "3.1"\nnlu: []\n', "found duplicate key 'version'"),
    ],
)
def test_rejects_bad_files(write_data: WriteData, text: str, expected: str) -> None:
    directory = write_data("broken.yml", text)

    errors = load_errors(directory)

    assert any(e.startswith(f"{directory / 'broken.yml'}: ") and expected in e for e in errors)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("- greet\n", "entry 1: expected a mapping"),
        ("- intent: greet\n  synonym: x\n  examples: |\n    - a\n", "entry 1: expected exactly"),
        ("- intent: greet\n  exemples: |\n    - a\n", "intent 'greet': unknown key 'exemples'"),
        ("- intent: greet\n", "intent 'greet': missing 'examples'"),
        ("- intent: greet\n  examples:\n  - salut\n", "intent 'greet': 'examples' must be a block"),
        ("- intent: greet\n  examples: |\n    salut\n", "intent 'greet', example 1: line 'salut'"),
        ("- intent: greet\n  examples: |\n    -\n", "intent 'greet', example 1: empty example"),
        ("- intent: 'bad name'\n  examples: |\n    - a\n", "intent 'bad name': name must"),
        ("- intent: 12\n  examples: |\n    - a\n", "entry 1: 'intent' must be a non-empty"),
        ("- synonym: yes\n  examples: |\n    - a\n", "entry 1: 'synonym' must be a non-empty"),
        ("- regex: ref\n  examples: |\n    - REL-(\n", "regex 'ref', example 1: invalid pattern"),
    ],
)
def test_rejects_bad_entries(write_data: WriteData, entry: str, expected: str) -> None:
    directory = write_data("nlu.yml", 'version: "3.1"\nnlu:\n' + entry)

    errors = load_errors(directory)

    assert any(e.startswith(f"{directory / 'nlu.yml'}: ") and expected in e for e in errors)


def test_rejects_an_example_given_to_two_intents(write_data: WriteData) -> None:
    directory = write_data(
        text="""
        version: "3.1"
        nlu:
        - intent: affirm
          examples: |
            - oui
            - d'accord
        - intent: thanks
          examples: |
            - merci
            - D'accord !
        """
    )

    (error,) = load_errors(directory)

    path = directory / "nlu.yml"
    assert error == (
        f"{path}: intent 'thanks', example 2: \"D'accord !\" is also an example of intent "
        f"'affirm' ({path}: intent 'affirm', example 2)"
    )


def test_rejects_a_repeated_example(write_data: WriteData) -> None:
    directory = write_data(
        text="""
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - bonjour
            - salut
            - Bonjour
        """
    )

    (error,) = load_errors(directory)

    assert "intent 'greet', example 3: 'Bonjour' repeats" in error


def test_rejects_a_variant_mapped_to_two_values(write_data: WriteData) -> None:
    directory = write_data(
        text="""
        version: "3.1"
        nlu:
        - synonym: association
          examples: |
            - asso
        - synonym: cooperative
          examples: |
            - coop
            - Asso
        """
    )

    (error,) = load_errors(directory)

    assert error.startswith(f"{directory / 'nlu.yml'}: synonym 'cooperative', example 2: ")
    assert "maps to 'cooperative' but" in error and "synonym 'association'" in error


def test_reports_every_error_at_once(write_data: WriteData) -> None:
    write_data("a.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - [x\n')
    directory = write_data("b.yml", "version: 3\nnlu: []\n")

    errors = load_errors(directory)

    assert len(errors) == 2
    assert str(directory / "a.yml") in errors[0]
    assert str(directory / "b.yml") in errors[1]


def test_rejects_a_directory_without_data(tmp_path: Path) -> None:
    (error,) = load_errors(tmp_path)

    assert error.startswith(f"{tmp_path}: no training data files")
