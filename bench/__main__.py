"""`make bench`: print the figures of the core, the dispatcher, the channels and the kills.

`python -m bench [NAME ...] [--repeats N]`: only the benchmarks named (core, dispatcher,
telegram, whatsapp, conversations, scale-out, campaigns, startup, consultations,
consultation-page); `--repeats` sets how many kills per channel and database the campaigns
benchmark makes (10 by default; fewer for a quick look), `--channel` and `--database` which.
"""

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from bench import (
    campaigns,
    consultation_page,
    consultations,
    conversations,
    core,
    dispatcher,
    scaleout,
    startup,
    telegram,
    whatsapp,
)


def main() -> None:
    """Run each benchmark asked for in turn and print its figures as they come."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    names = [
        "core",
        "dispatcher",
        "telegram",
        "whatsapp",
        "conversations",
        "scale-out",
        "campaigns",
        "startup",
        "consultations",
        "consultation-page",
    ]
    parser.add_argument("names", nargs="*", choices=[[], *names], metavar="NAME", default=[])
    parser.add_argument("--repeats", type=int, default=campaigns.REPEATS, metavar="N")
    parser.add_argument(
        "--channel", action="append", choices=["whatsapp", "telegram"], help="campaigns: only"
    )
    parser.add_argument(
        "--database", action="append", choices=["sqlite", "postgresql"], help="campaigns: only"
    )
    options = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        benchmarks: dict[str, Callable[[], Iterable[str]]] = {
            "core": lambda: core.run(Path(folder)),
            "dispatcher": lambda: dispatcher.run(Path(folder)),
            "telegram": telegram.run,
            "whatsapp": whatsapp.run,
            "conversations": lambda: conversations.run(Path(folder)),
            "scale-out": scaleout.run,
            "campaigns": lambda: campaigns.run(
                Path(folder),
                max(1, options.repeats),
                channels=options.channel or ("whatsapp", "telegram"),
                databases=options.database or ("sqlite", "postgresql"),
            ),
            "startup": lambda: startup.run(Path(folder)),
            "consultations": lambda: consultations.run(Path(folder)),
            "consultation-page": lambda: consultation_page.run(Path(folder)),
        }
        for name in options.names or names:
            print(f"== {name}", flush=True)
            for line in benchmarks[name]():
                print(line, flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
