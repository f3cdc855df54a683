"""RELAIS_DATA_DIR: where the SQLite file, the caches and the exports of one deployment go."""

from pathlib import Path

import pytest

from bot.settings import Settings
from tests.cli.conftest import runner_for


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_by_default_everything_is_in_the_working_directory() -> None:
    default = settings()

    assert default.data_dir == Path()
    assert default.database_url == "sqlite:///relais.db"
    assert default.cache_dir == Path(".cache")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///relais.db", "sqlite:////srv/relais/relais.db"),
        ("sqlite:///sub/bot.db?timeout=5", "sqlite:////srv/relais/sub/bot.db?timeout=5"),
        ("sqlite+pysqlite:///relais.db", "sqlite+pysqlite:////srv/relais/relais.db"),
        ("sqlite:////var/lib/other.db", "sqlite:////var/lib/other.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        (
            "postgresql+psycopg://relais:secret@db/relais",
            "postgresql+psycopg://relais:secret@db/relais",
        ),
    ],
)
def test_a_relative_sqlite_file_goes_inside_the_data_dir(url: str, expected: str) -> None:
    assert settings(data_dir=Path("/srv/relais"), database_url=url).database_url == expected


def test_the_cache_goes_inside_the_data_dir_unless_given_absolute() -> None:
    assert settings(data_dir=Path("/srv/relais")).cache_dir == Path("/srv/relais/.cache")
    assert settings(data_dir=Path("/srv/relais"), cache_dir=Path("/tmp/c")).cache_dir == Path(
        "/tmp/c"
    )


def test_the_variable_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_DATA_DIR", "/data")

    read = settings()

    assert read.data_dir == Path("/data") and read.database_url == "sqlite:////data/relais.db"


def test_chat_and_export_write_in_a_new_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "not" / "yet" / "there"
    relais = runner_for(
        {"RELAIS_DATA_DIR": str(data), "RELAIS_CACHE_DIR": str(Path(".cache").resolve())}
    )

    chat = relais("chat", stdin="bonjour\n")
    export = relais("registrations", "export", "--format", "json", "--output", "out/regs.json")

    assert chat.exit_code == 0, chat.output
    assert export.exit_code == 0, export.output
    assert (data / "relais.db").is_file()
    assert (data / "out" / "regs.json").read_text(encoding="utf-8").strip() == "[]"
