"""The terminal channel: `relais chat`, interactive or scripted through a pipe."""

from collections.abc import Callable, Iterable
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel


def render(reply: Outgoing) -> str:
    """Render a reply as text, its buttons as numbered lines to answer with the number."""
    lines = [reply.text]
    lines += [f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def run(
    engine: Engine,
    lines: Iterable[str],
    out: TextIO,
    *,
    user: str,
    locale: str | None,
    prompt: Callable[[], None] | None = None,
) -> int:
    """Send each non-empty line to the engine and print the replies; return the lines sent."""
    sent = 0
    if prompt:
        prompt()
    for line in lines:
        text = line.rstrip("\r\n")
        if text.strip():
            incoming = Incoming(channel=Channel.CONSOLE, sender=user, text=text, locale_hint=locale)
            for reply in engine.handle(incoming):
                out.write(render(reply) + "\n\n")
            out.flush()
            sent += 1
        if prompt:
            prompt()
    return sent
