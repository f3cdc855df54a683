"""Allow `python -m bot` as well as `relais`."""

from bot.cli import main

main()
