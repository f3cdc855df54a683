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
    from nlu import load_parser

    settings = cli.settings
    parser = load_parser(
        rasa_url=settings.rasa_url or None,  # an empty variable means none
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.cache_dir / "nlu",
    )
    lines = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    for line in lines:
        click.echo(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False))


@nlu.command("evaluate")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@pass_cli
def nlu_evaluate(cli: CliContext, folds: int) -> None:
    """Print a cross-validated per-intent report, then the scores of each language."""
    from nlu.evaluate import cross_validate_data
    from nlu.languages import cross_validation_by_language, held_out_by_language
    from nlu.training_data import TrainingDataError, load_training_data

    data = load_training_data(cli.settings.nlu_data_dir)
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
        held_out = held_out_by_language(cli.settings.nlu_data_dir, test_dir)
    except TrainingDataError as error:
        click.echo(f"The held-out set cannot be used:\n{error}", err=True)
        raise SystemExit(1) from None
    click.echo(held_out.format())
