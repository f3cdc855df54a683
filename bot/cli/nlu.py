"""`relais nlu`: read utterances as the bot does, and measure how well it does."""

import json
import sys

import click

from bot.cli.context import CliContext, pass_cli


@click.group()
def nlu() -> None:
    """Natural-language understanding: parse and evaluate."""


@nlu.command("parse")
@click.argument("text")
@pass_cli
def nlu_parse(cli: CliContext, text: str) -> None:
    """Print the Rasa-shaped reading of TEXT, or of each line of stdin with "-"."""
    from bot.content import load_pack
    from nlu import load_parser

    settings = cli.settings
    pack = load_pack(settings.content_dir, settings.country)
    parser = load_parser(
        rasa_url=settings.rasa_url or None,  # an empty variable means none
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.nlu_cache_dir,
        extra_examples=pack.training_examples(),
        extra_source=pack.facts_source,
        places=pack.territory.places(),
    )
    lines = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    for line in lines:
        click.echo(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False))


@nlu.command("evaluate")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@pass_cli
def nlu_evaluate(cli: CliContext, folds: int) -> None:
    """Print a cross-validated report (intents, facts' selection), then each language's."""
    from bot.content import load_pack
    from nlu.evaluate import cross_validate_data
    from nlu.languages import cross_validation_by_language, held_out_by_language
    from nlu.places import load_country_data
    from nlu.training_data import TrainingDataError

    pack = load_pack(cli.settings.content_dir, cli.settings.country)
    examples, source = pack.training_examples(), pack.facts_source
    places = pack.territory.places()
    data = load_country_data(
        cli.settings.nlu_data_dir, extra_examples=examples, extra_source=source, places=places
    )
    report = cross_validate_data(data, folds=folds)
    click.echo(report.format())
    click.echo("")
    click.echo(cross_validation_by_language(data, report).format())
    click.echo("")
    # The held-out phrasings sit beside the training data: nlu/test next to nlu/data.
    test_dir = cli.settings.nlu_data_dir.parent / "test"
    if not test_dir.is_dir():
        click.echo(f"No held-out set in {test_dir}: only the cross-validation is reported.")
        return
    try:
        held_out = held_out_by_language(
            cli.settings.nlu_data_dir,
            test_dir,
            extra_examples=examples,
            extra_source=source,
            places=places,
        )
    except TrainingDataError as error:
        click.echo(f"The held-out set cannot be used:\n{error}", err=True)
        raise SystemExit(1) from None
    click.echo(held_out.format())


@nlu.command("export-facts")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    show_default=True,
    help="The Rasa training file to write (standard output by default).",
)
@pass_cli
def nlu_export_facts(cli: CliContext, output: str) -> None:
    """Write the content pack's fact questions and places as Rasa training data."""
    from bot.content import load_pack
    from bot.content.facts import FACT_INTENT
    from nlu.places import rasa_lines

    pack = load_pack(cli.settings.content_dir, cli.settings.country)
    by_fact: dict[str, list[str]] = {}
    for line, intent in pack.training_examples():
        by_fact.setdefault(intent, []).append(line)
    lines = [
        f"# The {FACT_INTENT} retrieval intent, written by `relais nlu export-facts` from",
        f"# {pack.facts_source}: train a Rasa server with nlu/data and this file.",
        "# The documents, fees, delays and filing place of each form are asked through intents",
        "# of their own (ask_documents, ask_cost...): their questions come last, no response.",
        "# Then the country's places: the place entity's questions (nlu/places.yml filled with",
        "# the territory's names), its lookup and its synonyms, which nlu/data leaves out.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, questions in by_fact.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {question}" for question in questions]
    lines += rasa_lines(pack.territory.places())
    lines.append("responses:")
    facts = pack.facts
    for intent in by_fact:
        if "/" not in intent:
            continue  # the bot picks the fact from the form named: Rasa gives no response
        fact_id = intent.split("/", 1)[1]
        answer = facts.answer(fact_id).fr if facts is not None else ""
        lines += [f"  utter_{intent}:", f"  - text: {json.dumps(answer, ensure_ascii=False)}"]
    text = "\n".join(lines) + "\n"
    with click.open_file(output, "w", encoding="utf-8") as handle:
        handle.write(text)
