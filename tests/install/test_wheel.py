"""The built wheel is complete: in a fresh venv outside the checkout, it serves and chats."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv, outside the checkout, with the wheel and nothing of the checkout."""
    root = tmp_path_factory.mktemp("wheel")
    build = ["wheel", str(PROJECT_ROOT), "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", *build, "--wheel-dir", str(root / "dist")],
        check=True,
    )
    [wheel] = (root / "dist").glob("relais-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = ["install", "--no-deps", "--no-index", str(wheel)]
    subprocess.run([python, "-m", "pip", "--quiet", *install], check=True)
    # The dependencies come from this environment's site-packages, added as a plain path: its
    # .pth files (the editable install of the checkout among them) are not read.
    [site] = (venv / "lib").glob("python3*/site-packages")
    dependencies = next(Path(path) for path in sys.path if path.endswith("site-packages"))
    (site / "dependencies.pth").write_text(f"{dependencies}\n", encoding="utf-8")
    return venv


def run_env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env.pop("PYTHONPATH", None)
    # The NLU model trained by the test run, found by the hash of the same data.
    env["RELAIS_CACHE_DIR"] = str(PROJECT_ROOT / ".cache")
    return env


def test_the_wheel_holds_the_code_only_from_itself(installed: Path, tmp_path: Path) -> None:
    found = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import bot, nlu; print(bot.__file__, nlu.__file__)",
        ],
        cwd=tmp_path,
        env=run_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(PROJECT_ROOT) not in found and str(installed) in found


def test_relais_chat_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    chat = subprocess.run(
        [str(installed / "bin" / "relais"), "chat"],
        input="bonjour\ncmt creer une asso\n",
        cwd=tmp_path,
        env=run_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    assert "Bienvenue" in chat.stdout or "Bonjour" in chat.stdout
    assert "35/62" in chat.stdout  # the content pack came with the wheel
    assert (tmp_path / "relais.db").exists()  # data in the working directory


def test_relais_serve_from_the_wheel_keeps_its_data_in_the_data_dir(
    installed: Path, tmp_path: Path
) -> None:
    port = free_port()
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data" / "relais"
    elsewhere.mkdir()
    env = run_env(elsewhere)
    env["RELAIS_DATA_DIR"] = str(data)
    # The cache goes to the data directory too; the test run's model is copied there first.
    del env["RELAIS_CACHE_DIR"]
    (data / ".cache" / "nlu" / "ga").mkdir(parents=True)
    for model in (PROJECT_ROOT / ".cache" / "nlu" / "ga").glob("intent-model-*.npz"):
        shutil.copy(model, data / ".cache" / "nlu" / "ga" / model.name)
    server = subprocess.Popen(
        [str(installed / "bin" / "relais"), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert health.json() == {"status": "ok", "database": "ok"}
        page = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=5)
        assert page.status_code == 200 and 'lang="fr"' in page.text
        # The database and the session key are in the data directory, nothing in the cwd.
        assert (data / "relais.db").is_file()
        assert (data / ".cache" / "session.key").is_file()
        assert list(elsewhere.iterdir()) == []
    finally:
        server.terminate()
        server.communicate(timeout=20)
