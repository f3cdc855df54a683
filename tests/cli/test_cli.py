"""The `relais` command as staff and scripts use it, on a real SQLite file."""

import csv
import io
import json
from pathlib import Path

import pytest

from nlu.training_data import load_training_data
from tests.cli.conftest import Relais, cli_env, runner_for

SCRIPT = "\n".join(
    [
        "bonjour",
        "3",  # Pré-inscrire mon organisation
        "oui",
        "association",
        "Les Amis de Lambaréné",
        "ALA",
        "culture",
        "Moyen-Ogooué",
        "Lambaréné",
        "4",
        "Jeanne Nze",
        "Trésorière",
        "+241 66 12 34 56",
        "non",
        "Confirmer",
    ]
)


def test_scripted_preregistration_then_export(relais: Relais) -> None:
    chat = relais("chat", stdin=SCRIPT + "\n")
    assert chat.exit_code == 0, chat.stderr
    assert "GA-" in chat.stdout
    assert "  1. Créer une organisation" in chat.stdout

    exported = relais("registrations", "export", "--format", "csv")
    assert exported.exit_code == 0, exported.stderr
    [row] = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert row["name"] == "Les Amis de Lambaréné"
    assert row["province"] == "Moyen-Ogooué"
    assert row["phone"] == "+24166123456"
    assert row["reference"].startswith("GA-")
    assert "1 registration(s) exported" in exported.stderr

    as_json = relais("registrations", "export", "--format", "json")
    [item] = json.loads(as_json.stdout)
    assert item["founders"] == 4 and item["org_type"] == "association"


def test_export_to_a_file(relais: Relais, tmp_path: Path) -> None:
    chat = relais("chat", stdin=SCRIPT + "\n")
    assert "GA-" in chat.stdout, chat.stdout + chat.stderr
    target = tmp_path / "out.json"
    result = relais("registrations", "export", "--format", "json", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))[0]["acronym"] == "ALA"


def test_content_check_passes_and_lists_placeholders(relais: Relais) -> None:
    result = relais("content", "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout
    assert "content/ga/offices.yml" in result.stdout


def test_nlu_parse_prints_rasa_json(relais: Relais) -> None:
    result = relais("nlu", "parse", "cmt créer 1 asso stp")
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert set(parsed) >= {"text", "intent", "entities", "intent_ranking"}
    assert parsed["intent"]["name"] == "how_to_create"
    lines = relais("nlu", "parse", "-", stdin="bonjour\nabonnez-moi\n")
    intents = [json.loads(line)["intent"]["name"] for line in lines.stdout.splitlines()]
    assert intents == ["greet", "subscribe"]


def test_handoffs_are_listed_for_staff(relais: Relais) -> None:
    relais("chat", "--user", "awa", stdin="je veux parler à un agent\n")
    listed = relais("handoffs", "list")
    assert "console:awa" in listed.stdout
    assert "1 open request(s)" in listed.stderr


def test_db_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    relais = runner_for(cli_env(f"sqlite:///{tmp_path / 'empty.db'}"))
    result = relais("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stderr


def test_nlu_parse_names_the_fact(relais: Relais) -> None:
    result = relais("nlu", "parse", "faut combien de membres pour une scoops")
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["intent"]["name"] == "ask_fact"
    selected = parsed["response_selector"]["ask_fact"]["response"]["intent_response_key"]
    assert selected == "ask_fact/founders_scoops"


@pytest.mark.parametrize(
    ("country", "shipped_name", "a_fact"),
    [("ga", "facts.yml", "ask_fact/recepisse"), ("dz", "facts_dz.yml", "ask_fact/bailiff")],
)
def test_exported_facts_are_the_rasa_servers_training_file(
    env: dict[str, str], tmp_path: Path, country: str, shipped_name: str, a_fact: str
) -> None:
    relais = runner_for({**env, "RELAIS_COUNTRY": country})
    output = tmp_path / "facts.yml"
    assert relais("nlu", "export-facts", "--output", str(output)).exit_code == 0
    shipped = Path(__file__).resolve().parents[2] / "nlu" / "rasa" / shipped_name
    # docker compose trains Rasa on the shipped copy: it must say what the content pack says.
    assert output.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
    data = load_training_data(output)
    assert data.retrieval_intents == ("ask_fact",)
    assert a_fact in {example.response_key for example in data.examples}
