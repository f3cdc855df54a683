"""`make bench`: print the figures of the core, the dispatcher and the channels."""

import logging
import sys
import tempfile
from pathlib import Path

from bench import core, dispatcher, scaleout, telegram, whatsapp


def main() -> None:
    """Run each benchmark in turn and print its figures as they come."""
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        for name, lines in (
            ("core", lambda: core.run(Path(folder))),
            ("dispatcher", lambda: dispatcher.run(Path(folder))),
            ("telegram", telegram.run),
            ("whatsapp", whatsapp.run),
            ("scale-out", scaleout.run),
        ):
            print(f"== {name}", flush=True)
            for line in lines():
                print(line, flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
