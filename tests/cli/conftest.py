"""Run `relais` as a real subprocess against a fresh SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def relais(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'relais.db'}",
        "RELAIS_CACHE_DIR": str(Path(".cache").resolve()),
    }
