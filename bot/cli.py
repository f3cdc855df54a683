"""The `relais` command: serve, chat, and the staff and maintenance commands."""

import json
import logging
import sys
from pathlib import Path
from typing import TextIO

import click

from bot.settings import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        msg = f"invalid settings: {error}"
        raise click.ClickException(msg) from error


def _open_output(path: Path | None) -> TextIO:
    if path is None:
        return sys.stdout
    return path.open("w", encoding="utf-8", newline="")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (debug level).")
def main(verbose: bool) -> None:
    """Relais: the social-economy assistant on WhatsApp, Telegram, the web and the terminal."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the webhooks, /healthz and the /chat page."""
    import uvicorn

    from bot.app import build_app
    from bot.web.server import create_web_app

    relais = build_app(_settings())
    click.echo(f"Relais is listening: open http://{host}:{port}/chat to talk to the bot", err=True)
    uvicorn.run(create_web_app(relais), host=host, port=port, log_level="info")


@main.command()
@click.option("--lang", default=None, help="Language hint: fr, en or ar.")
@click.option(
    "--user", default="terminal", show_default=True, help="Who is talking (one conversation each)."
)
def chat(lang: str | None, user: str) -> None:
    """Talk to the bot in the terminal; with piped input, one message per line."""
    from bot.app import build_app
    from bot.channels import console

    logging.getLogger().setLevel(logging.WARNING)
    relais = build_app(_settings())
    interactive = sys.stdin.isatty()

    def prompt() -> None:
        click.echo("> ", nl=False)

    if interactive:
        click.echo("Relais — type your message, Ctrl-D to quit.\n")
    try:
        console.run(
            relais.engine,
            sys.stdin,
            sys.stdout,
            user=user,
            locale=lang,
            prompt=prompt if interactive else None,
        )
    except KeyboardInterrupt:
        pass
    finally:
        relais.close()


@main.group()
def nlu() -> None:
    """Natural-language understanding: parse and evaluate."""


@nlu.command("parse")
@click.argument("text")
def nlu_parse(text: str) -> None:
    """Print the Rasa-shaped reading of TEXT, or of each line of stdin with "-"."""
    from nlu import load_parser

    settings = _settings()
    parser = load_parser(
        rasa_url=settings.rasa_url,
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.cache_dir / "nlu",
    )
    lines = (line.rstrip("\r\n") for line in sys.stdin) if text == "-" else iter([text])
    for line in lines:
        click.echo(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False))


@nlu.command("evaluate")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
def nlu_evaluate(folds: int) -> None:
    """Print a cross-validated per-intent precision/recall report."""
    from nlu.evaluate import cross_validate

    report = cross_validate(_settings().nlu_data_dir, folds=folds)
    click.echo(report.format())


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to RELAIS_DATABASE_URL."""
    from bot.storage.database import upgrade

    upgrade(_settings().database_url, revision)
    click.echo("database is up to date", err=True)


@main.group()
def content() -> None:
    """The country content pack."""


@content.command("check")
def content_check() -> None:
    """Validate every content file and list the placeholders still to fill."""
    from bot.content import check_pack
    from bot.content.check import format_report

    settings = _settings()
    report = check_pack(settings.content_dir, settings.country)
    click.echo(format_report(report))
    if not report.ok:
        raise SystemExit(1)


@main.group()
def registrations() -> None:
    """Pre-registrations collected by the bot."""


@registrations.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def registrations_export(fmt: str, output: Path | None) -> None:
    """Export every registration (standard output by default)."""
    from bot.services.registrations import ExportFormat, export_registrations
    from bot.storage.database import create_db_engine, ensure_schema

    settings = _settings()
    database = create_db_engine(settings.database_url)
    ensure_schema(database, settings.database_url)
    out = _open_output(output)
    try:
        count = export_registrations(database, out, ExportFormat(fmt))
    finally:
        if output is not None:
            out.close()
        database.dispose()
    click.echo(f"{count} registration(s) exported", err=True)


@main.group()
def handoffs() -> None:
    """Requests to talk to a person."""


@handoffs.command("list")
def handoffs_list() -> None:
    """List the open requests, oldest first."""
    from bot.services.handoffs import open_handoffs
    from bot.storage.database import create_db_engine, ensure_schema

    settings = _settings()
    database = create_db_engine(settings.database_url)
    ensure_schema(database, settings.database_url)
    requests = open_handoffs(database)
    for request in requests:
        click.echo(
            f"#{request.id}  {request.created_at:%Y-%m-%d %H:%M}Z  {request.channel.value}:"
            f"{request.address}  {request.name or '-'}  ({request.reason})  "
            f"{request.last_message or ''}"
        )
    click.echo(f"{len(requests)} open request(s)", err=True)


@handoffs.command("close")
@click.argument("request_id", type=int)
def handoffs_close(request_id: int) -> None:
    """Mark a request as taken care of."""
    from bot.services.handoffs import close_handoff
    from bot.storage.database import create_db_engine

    database = create_db_engine(_settings().database_url)
    if not close_handoff(database, request_id):
        msg = f"no open request #{request_id}"
        raise click.ClickException(msg)
    click.echo(f"request #{request_id} closed", err=True)
