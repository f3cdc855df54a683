"""The bot itself: `relais serve` for the channels and the web, `relais chat` in a terminal."""

import logging
import sys

import click

from bot.cli.context import CliContext, pass_cli


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@pass_cli
def serve(cli: CliContext, host: str, port: int) -> None:
    """Serve the webhooks, /healthz and the /chat page."""
    import uvicorn

    from bot.app import build_app
    from bot.web.server import create_web_app
    from nlu.language import load_language_models

    relais = build_app(cli.settings)
    load_language_models()
    click.echo(f"Relais is listening: open http://{host}:{port}/chat to talk to the bot", err=True)
    # In JSON mode uvicorn's own loggers go through the root handler, as JSON lines too.
    json_lines = cli.settings.log_format == "json"
    uvicorn.run(
        create_web_app(relais),
        host=host,
        port=port,
        log_level="info",
        log_config=None if json_lines else uvicorn.config.LOGGING_CONFIG,
    )


@click.command()
@click.option("--lang", default=None, help="Language hint: fr, en or ar.")
@click.option(
    "--user", default="terminal", show_default=True, help="Who is talking (one conversation each)."
)
@pass_cli
def chat(cli: CliContext, lang: str | None, user: str) -> None:
    """Talk to the bot in the terminal; with piped input, one message per line."""
    from bot.app import build_app
    from bot.channels import console

    logging.getLogger().setLevel(logging.WARNING)
    relais = build_app(cli.settings, forget_now=False)
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
        relais.forget_expired()
        relais.close()
