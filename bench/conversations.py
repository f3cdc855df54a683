"""The conversation benchmark: multi-turn conversations judged turn by turn on the replies.

Each conversation of `bench/conversations/*.yml` is played through the real engine as a new
person, in its language. A turn passes when the replies (text and button labels) contain every
`has` fragment (any one of a list inside it), none of the `not` fragments, and are written in
the conversation's language; a conversation passes when all its turns do. The pass rate is
printed per class and overall, with the first failing turn of each failed conversation.
"""

import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.app import build_app
from bot.core.engine import Engine
from bot.core.messages import Incoming, Outgoing
from bot.domain import Channel
from bot.settings import Settings
from bot.text import fold

DATA_DIR = Path(__file__).resolve().parent / "conversations"
TARGET = 0.95
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Words that show a reply is in French when it should be in English (or in Arabic): common
# enough to appear in any French sentence, rare in English ones.
_FRENCH_WORDS = frozenset(
    ["vous", "votre", "vos", "les", "des", "une", "est", "pour", "avec", "pas", "sont", "dans"]
)
# The sources line names French documents by their titles, whatever the reply's language.
_SOURCE_MARKERS = ("Sources", "المصادر")


@dataclass(frozen=True)
class Turn:
    """What the person sends, and what the replies must and must not hold."""

    say: str | None
    press: str | None
    has: tuple[str | tuple[str, ...], ...]
    lacks: tuple[str, ...]


@dataclass(frozen=True)
class Conversation:
    """A scripted conversation of one class, in one language."""

    id: str
    kind: str
    lang: str
    channel: Channel
    turns: tuple[Turn, ...]
    source: str


@dataclass
class Outcome:
    """How a conversation went: the first failing turn, if any."""

    conversation: Conversation
    failure: str | None = None
    turns_passed: int = 0


@dataclass
class Results:
    """Outcomes grouped by class."""

    outcomes: list[Outcome] = field(default_factory=list)

    def rate(self, kind: str | None = None) -> tuple[int, int]:
        """Return (passed, total) conversations, of one class or of all."""
        chosen = [o for o in self.outcomes if kind is None or o.conversation.kind == kind]
        return sum(o.failure is None for o in chosen), len(chosen)


def load(directory: Path = DATA_DIR) -> list[Conversation]:
    """Read every conversation file, refusing a malformed entry by file and id."""
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in document["conversations"]:
            conversation = _conversation(entry, path.name)
            if conversation.id in seen:
                msg = f"{path.name}: conversation {conversation.id!r} is defined twice"
                raise ValueError(msg)
            seen.add(conversation.id)
            conversations.append(conversation)
    return conversations


def _conversation(entry: dict[str, Any], source: str) -> Conversation:
    turns = []
    for raw in entry["turns"]:
        if ("say" in raw) == ("press" in raw):
            msg = f"{source}: {entry['id']}: each turn says or presses, not both"
            raise ValueError(msg)
        has = tuple(
            tuple(str(item) for item in wanted) if isinstance(wanted, list) else str(wanted)
            for wanted in raw.get("has", [])
        )
        turns.append(
            Turn(
                say=str(raw["say"]) if "say" in raw else None,
                press=str(raw["press"]) if "press" in raw else None,
                has=has,
                lacks=tuple(str(item) for item in raw.get("not", [])),
            )
        )
    return Conversation(
        id=str(entry["id"]),
        kind=str(entry["class"]),
        lang=str(entry.get("lang", "fr")),
        channel=Channel(entry.get("channel", Channel.WHATSAPP.value)),
        turns=tuple(turns),
        source=source,
    )


def transcript(replies: list[Outgoing]) -> str:
    """Return the replies as text, buttons in brackets."""
    parts = []
    for reply in replies:
        parts.append(reply.text)
        parts.extend(f"[{choice.label}]" for choice in reply.choices)
    return "\n".join(parts)


def wrong_language(replies: list[Outgoing], lang: str) -> str | None:
    """Say why replies are not in the expected language, or None when they are."""
    lines = [
        line
        for reply in replies
        for line in [*reply.text.splitlines(), *(choice.label for choice in reply.choices)]
        if line.strip() and not line.lstrip("• ").startswith(_SOURCE_MARKERS)
    ]
    text = "\n".join(lines)
    if lang == "ar":
        latin = [line for line in lines if not _ARABIC.search(line) and _words(line) > 3]
        return f"not in Arabic: {latin[0]!r}" if latin else None
    if lang == "en":
        french = [word for word in fold(text).split() if word in _FRENCH_WORDS]
        return (
            f"French words in an English reply: {sorted(set(french))}" if len(french) > 2 else None
        )
    return None


def _words(line: str) -> int:
    return len(re.findall(r"[A-Za-zÀ-ÿ]{3,}", line))


def judge(replies: list[Outgoing], turn: Turn, lang: str) -> str | None:
    """Return why a turn's replies fall short, or None when they are good."""
    said = transcript(replies)
    folded = fold(said)
    for wanted in turn.has:
        options = wanted if isinstance(wanted, tuple) else (wanted,)
        if not any(fold(option) in folded for option in options):
            return f"missing {' | '.join(options)!r}"
    for unwanted in turn.lacks:
        if fold(unwanted) in folded:
            return f"should not say {unwanted!r}"
    return wrong_language(replies, lang)


def play(engine: Engine, conversation: Conversation, number: int) -> Outcome:
    """Play one conversation as a new person and judge every turn."""
    outcome = Outcome(conversation)
    sender = f"+24177{number:06d}"
    last: list[Outgoing] = []
    for index, turn in enumerate(conversation.turns, 1):
        payload = None
        if turn.press is not None:
            wanted = turn.press
            payload = next(
                (
                    choice.payload
                    for reply in reversed(last)
                    for choice in reply.choices
                    if fold(choice.label).startswith(fold(wanted))
                ),
                None,
            )
            if payload is None:
                outcome.failure = f"turn {index}: no button {wanted!r} to press"
                return outcome
        last = engine.handle(
            Incoming(
                channel=conversation.channel,
                sender=sender,
                text=turn.say or "",
                payload=payload,
                locale_hint=conversation.lang,
                message_id=f"{conversation.id}-{index}",
            )
        )
        problem = judge(last, turn, conversation.lang)
        if problem is not None:
            shown = turn.say if turn.say is not None else f"[{turn.press}]"
            reply = transcript(last).replace("\n", " / ")[:300]
            outcome.failure = f"turn {index} ({shown!r}): {problem}; got: {reply}"
            return outcome
        outcome.turns_passed += 1
    return outcome


def run_all(engine: Engine, conversations: list[Conversation]) -> Results:
    """Play every conversation."""
    results = Results()
    for number, conversation in enumerate(conversations, 1):
        results.outcomes.append(play(engine, conversation, number))
    return results


def report(results: Results, *, failures: bool = True) -> list[str]:
    """Return the lines to print: pass rate per class, overall, and what failed."""
    lines = []
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.outcomes:
        by_kind[outcome.conversation.kind].append(outcome)
    for kind in sorted(by_kind):
        passed, total = results.rate(kind)
        lines.append(f"{kind:>22}: {passed:>3}/{total:<3} {passed / total:.2f}")
    passed, total = results.rate()
    turns = sum(o.turns_passed for o in results.outcomes)
    all_turns = sum(len(o.conversation.turns) for o in results.outcomes)
    lines.append(
        f"{'overall':>22}: {passed:>3}/{total:<3} {passed / total:.2f} "
        f"(target {TARGET}; turns passed before a first failure: {turns}/{all_turns})"
    )
    if failures:
        for outcome in results.outcomes:
            if outcome.failure is not None:
                conversation = outcome.conversation
                lines.append(
                    f"  FAIL {conversation.kind}/{conversation.id} ({conversation.lang}): "
                    f"{outcome.failure}"
                )
    return lines


def run(folder: Path) -> list[str]:
    """Build the real application on an SQLite file and play the benchmark."""
    relais = build_app(Settings(database_url=f"sqlite:///{folder / 'conversations.db'}"))
    try:
        return report(run_all(relais.engine, load()))
    finally:
        relais.close()


def main() -> None:
    """Run the conversation benchmark alone: `python -m bench.conversations`."""
    with tempfile.TemporaryDirectory() as folder:
        for line in run(Path(folder)):
            print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
