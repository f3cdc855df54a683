"""Figures of the core: NLU latency, engine turns per second, memory."""

import resource
import statistics
import time
from pathlib import Path

from bench.common import percentile
from bot.app import build_app
from bot.core.messages import Incoming
from bot.domain import Channel
from bot.settings import Settings

UTTERANCES = [
    "bonjour",
    "cmt créer 1 asso stp",
    "on est 8 agriculteurs, on veut une coopérative",
    "association ou coopérative ?",
    "et les documents ?",
    "combien ça coûte ?",
    "ça prend combien de temps",
    "où déposer le dossier",
    "je veux inscrire mon asso",
    "où en est mon dossier ?",
    "abonnez-moi",
    "stop",
    "prochaines formations ?",
    "journée du commerce équitable",
    "c'est quoi l'ESS",
    "je veux parler à un agent",
    "english please",
    "supprimer mes données",
    "kel papier pr fondation",
    "mutuelle de santé a franceville",
    "😀😀",
    "azertyuiop",
]

CONVERSATION = [
    "bonjour",
    "cmt créer 1 asso stp",
    "et les documents ?",
    "combien ça coûte ?",
    "aidez-moi à choisir la forme",
    "oui",
    "8",
    "preinscription",
    "oui",
    "cooperative",
    "scoops",
    "Les Agriculteurs Unis",
    "non",
    "1",
    "Estuaire",
    "Libreville",
    "8",
    "Marie Obame",
    "Présidente",
    "077 12 34 56",
    "non",
    "oui",
    "où en est mon dossier ?",
    "abonnez-moi",
    "stop",
]


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(folder: Path) -> list[str]:
    """Run the core benchmarks and return the lines to print."""
    lines: list[str] = []
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}")
    started = time.perf_counter()
    relais = build_app(settings)
    startup = time.perf_counter() - started
    lines.append(f"start-up (content, catalogues, NLU, migrations): {startup:.2f} s")
    idle = peak_rss_mb()

    nlu = relais.engine.services.nlu
    timings = []
    for _ in range(50):
        for text in UTTERANCES:
            begin = time.perf_counter()
            nlu.parse(text)
            timings.append((time.perf_counter() - begin) * 1000)
    lines.append(
        f"NLU parse latency: p50 {statistics.median(timings):.3f} ms, "
        f"p99 {percentile(timings, 0.99):.3f} ms ({len(timings)} parses; target p50 < 1 ms)"
    )

    conversations = 40
    turns = 0
    begin = time.perf_counter()
    for number in range(conversations):
        sender = f"+2417700{number:04d}"
        for text in CONVERSATION:
            relais.engine.handle(
                Incoming(
                    channel=Channel.WHATSAPP,
                    sender=sender,
                    text=text,
                    message_id=f"{number}-{turns}",
                )
            )
            turns += 1
    elapsed = time.perf_counter() - begin
    lines.append(
        f"engine: {turns / elapsed:.0f} turns/s on one core, SQLite file "
        f"({turns} turns, {conversations} scripted conversations; target 300+)"
    )
    lines.append(f"peak memory: {peak_rss_mb():.0f} MB RSS (after start-up: {idle:.0f} MB)")
    relais.close()
    return lines
