"""The Dockerfile, parsed by dockerfile-parse and checked for what production needs."""

import io
import re
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from bot.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
# A tag naming a patch release (3.11.11-slim) or a digest: the same build next month.
PINNED = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$|@sha256:[0-9a-f]{64}$")


def problems(text: str) -> list[str]:
    """Return what is wrong with a Dockerfile for production, one sentence each."""
    # Read from memory: given a path (or none, the working directory), the parser writes.
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    found: list[str] = []
    stages = [
        value.split()
        for instruction, value in ((i["instruction"], i["value"]) for i in parser.structure)
        if instruction == "FROM"
    ]
    names = {words[2].lower() for words in stages if len(words) == 3 and words[1].upper() == "AS"}
    if len(stages) < 2:
        found.append("not multi-stage: the build tools end up in the image")
    for words in stages:
        if words[0].lower() not in names and not PINNED.search(words[0]):
            found.append(f"base image {words[0]} is not pinned to a release")
    final = _last_stage(parser.structure)
    users = [value for instruction, value in final if instruction == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        found.append("the final stage runs as root")
    if not any(
        instruction == "HEALTHCHECK" and "/healthz" in value for instruction, value in final
    ):
        found.append("no HEALTHCHECK on /healthz")
    if not any(instruction == "VOLUME" for instruction, _ in final):
        found.append("no VOLUME for the data")
    for instruction, value in ((i["instruction"], i["value"]) for i in parser.structure):
        if instruction == "RUN" and re.search(
            r"pip[^&|;]* install[^&|;]*(\s-e\s|--editable)", value
        ):
            found.append(f"an editable install: {value}")
    if not any(
        instruction == "COPY" and value.startswith("--from=") for instruction, value in final
    ):
        found.append("the final stage does not take the build stage's result")
    return found


def _last_stage(structure: list[dict[str, str]]) -> list[tuple[str, str]]:
    start = max(index for index, item in enumerate(structure) if item["instruction"] == "FROM")
    return [(item["instruction"], item["value"]) for item in structure[start:]]


def test_the_dockerfile_is_fit_for_production() -> None:
    assert problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_the_image_installs_the_wheel_and_serves_with_data_in_the_volume() -> None:
    parser = DockerfileParser(fileobj=io.BytesIO(DOCKERFILE.read_bytes()))

    runs = " ".join(item["value"] for item in parser.structure if item["instruction"] == "RUN")
    assert "pip wheel" in runs and "install /dist/relais-" in runs
    assert parser.envs["RELAIS_DATA_DIR"] == "/data"
    assert '"relais", "serve"' in parser.cmd and "0.0.0.0" in parser.cmd


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("FROM python:3.11-slim\nRUN pip install -e .\nCMD x\n", "not multi-stage"),
        ("FROM python:latest AS b\nFROM python:3.11.11-slim\nCOPY --from=b / /\n", "not pinned"),
        ("FROM python AS b\nFROM python:3.11.11\nCOPY --from=b / /\n", "not pinned"),
        ("FROM python:3.11.11 AS b\nFROM python:3.11.11\nCOPY --from=b / /\n", "as root"),
        (
            "FROM python:3.11.11 AS b\nFROM python:3.11.11\nCOPY --from=b / /\nUSER root\n",
            "as root",
        ),
        ("FROM python:3.11.11 AS b\nFROM python:3.11.11\nUSER app\n", "HEALTHCHECK"),
        (
            "FROM python:3.11.11 AS b\nRUN pip install --editable .\nFROM python:3.11.11\n",
            "editable",
        ),
        ("FROM python:3.11.11 AS b\nFROM python:3.11.11\nUSER app\n", "VOLUME"),
    ],
)
def test_the_checks_catch_what_they_look_for(dockerfile: str, expected: str) -> None:
    assert any(expected in problem for problem in problems(dockerfile)), problems(dockerfile)


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = Path(PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    assert {".venv", ".cache", "*.db", ".env", ".git"} <= set(ignored)
