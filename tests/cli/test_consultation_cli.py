"""Staff create, follow, send, close and export consultations from the CLI."""

import csv
import io
import json
import zipfile
from pathlib import Path

import yaml

from tests.cli.conftest import Relais
from tests.consultations.helpers import spec_data


def write_spec(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "consultation.yml"
    data = {**spec_data(), **changes}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_create_list_show_send_close_export(relais: Relais, tmp_path: Path) -> None:
    created = relais(
        "consultation", "create", "--file", str(write_spec(tmp_path)), "--anonymous",
        "--closes", "2099-01-31T18:00",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    consultation_id = created.stdout.splitlines()[0]
    assert consultation_id.isdigit()
    assert "6 question(s), closes 2099-01-31 18:00" in created.stdout
    listed = relais("consultation", "list")
    assert "draft" in listed.stdout and "Le nouveau guichet unique" in listed.stdout
    shown = relais("consultation", "show", consultation_id)
    assert "anonymous" in shown.stdout
    assert "1. [single_choice] Quel canal préférez-vous ? (0 answered, 0 skipped)" in shown.stdout
    figures = json.loads(relais("consultation", "show", consultation_id, "--json").stdout)
    assert figures["anonymous"] is True and len(figures["questions"]) == 6
    assert figures["questions"][3]["histogram"] == [[n, n, 0] for n in range(1, 6)]

    sent = relais("consultation", "send", consultation_id, "--queue")
    assert sent.exit_code == 0, sent.stderr
    assert "invitation: campaign" in sent.stderr
    again = relais("consultation", "send", consultation_id, "--queue")
    assert again.exit_code == 1 and "already sent" in again.stderr

    exported = relais("consultation", "export", consultation_id)
    assert next(csv.reader(io.StringIO(exported.stdout)))[:3] == ["response", "channel", "province"]
    sheet = tmp_path / "answers.xlsx"
    relais("consultation", "export", consultation_id, "--format", "xlsx", "--output", str(sheet))
    with zipfile.ZipFile(sheet) as archive:
        assert "response" in archive.read("xl/worksheets/sheet1.xml").decode()

    closed = relais("consultation", "close", consultation_id)
    assert closed.exit_code == 0, closed.stderr
    assert "closed" in relais("consultation", "list").stdout


def test_bad_files_and_ids_are_explained(relais: Relais, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    refused = relais("consultation", "create", "--file", str(bad))
    assert refused.exit_code == 1 and "expected a mapping" in refused.stderr
    no_kind = write_spec(tmp_path, questions=[{"kind": "poll", "text": "?"}])
    refused = relais("consultation", "create", "--file", str(no_kind))
    assert refused.exit_code == 1 and "kind is one of" in refused.stderr
    audience = relais("consultation", "create", "--file", str(write_spec(tmp_path)),
                      "--audience", "planet=mars")  # fmt: skip
    assert audience.exit_code == 1 and "unknown filter" in audience.stderr
    assert "no consultation 99" in relais("consultation", "show", "99").stderr
    assert (
        "no contact telegram:5"
        in relais("consultation", "send", "1", "--test", "telegram:5").stderr
    )
