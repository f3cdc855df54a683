"""How fast the command line starts: `relais --help`, and `relais chat`'s first answer.

Each figure is the median of a few runs in fresh processes, with the NLU model already cached
(the first run of `relais chat` in the folder trains and caches it, and is not counted). The
import breakdown comes from `python -X importtime`: what each library costs before anything
runs, so that a slower machine's figures can still be read as shares.

The commands run with Python's bytecode cache, as an installed wheel has it (pip compiles the
package when it installs it): PYTHONDONTWRITEBYTECODE is dropped for them, and the untimed
first run writes the cache.
"""

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from statistics import median

RUNS = 5
RELAIS = [sys.executable, "-m", "bot"]
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
FIRST_MESSAGES = ("bonjour", "comment créer une association", "how do I register a cooperative")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def _help_seconds(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run([*RELAIS, "--help"], cwd=folder, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def _first_answer_seconds(folder: Path, message: str) -> float:
    """Return the time from starting `relais chat` to the first line of its answer."""
    started = time.perf_counter()
    chat = subprocess.Popen(
        [*RELAIS, "chat"],
        cwd=folder,
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write(message + "\n")
    chat.stdin.flush()
    chat.stdout.readline()
    elapsed = time.perf_counter() - started
    chat.stdin.close()
    chat.stdout.read()
    chat.wait()
    return elapsed


def _import_shares(folder: Path) -> list[tuple[str, float]]:
    """Return the seconds each top-level package costs to import for `relais chat`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import bot.app"],
        cwd=folder,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    costs: Counter[str] = Counter()
    for match in _IMPORT_LINE.finditer(done.stderr):
        parts = match.group(2).split(".")
        # The project's own modules by package, the libraries as a whole.
        top = ".".join(parts[:2]) if parts[0] in {"bot", "nlu"} else parts[0]
        costs[top] += int(match.group(1))
    return [(name, micros / 1e6) for name, micros in costs.most_common(8)]


def run(folder: Path) -> Iterator[str]:
    """Yield the start-up figures, measured in a scratch folder."""
    folder = folder / "startup"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.pop("RELAIS_DATABASE_URL", None)
    ENV.pop("RELAIS_DATABASE_URL", None)
    _first_answer_seconds(folder, "bonjour")  # trains and caches the model
    helps = [_help_seconds(folder) for _ in range(RUNS)]
    yield f"relais --help: median {median(helps):.2f} s over {RUNS} runs"
    for message in FIRST_MESSAGES:
        answers = [_first_answer_seconds(folder, message) for _ in range(RUNS)]
        yield (
            f"relais chat, first answer to {message!r}: median {median(answers):.2f} s, "
            f"best {min(answers):.2f} s"
        )
    shares = _import_shares(folder)
    total = sum(seconds for _, seconds in shares)
    yield (
        "imports for relais chat (python -X importtime, largest first): "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in shares)
        + f" (these {total:.2f} s)"
    )
