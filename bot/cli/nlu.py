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
        rasa_url=settings.rasa_url,
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.cache_dir / "nlu",
        extra_examples=pack.training_examples(),
        extra_source=pack.facts_source,
    )
    lines = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    for line in lines:
        click.echo(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False))


@nlu.command("evaluate")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@pass_cli
def nlu_evaluate(cli: CliContext, folds: int) -> None:
    """Print a cross-validated per-intent report, with the facts' response selection."""
    from bot.content import load_pack
    from nlu.evaluate import cross_validate

    pack = load_pack(cli.settings.content_dir, cli.settings.country)
    report = cross_validate(
        cli.settings.nlu_data_dir,
        folds=folds,
        extra_examples=pack.training_examples(),
        extra_source=pack.facts_source,
    )
    click.echo(report.format())
