"""The least a Telegram webhook server costs: the same libraries as Relais, and nothing else.

Run as `python -m bench.bare_webhook PORT API_URL TOKEN`: uvicorn and Starlette take the POST,
python-telegram-bot reads the update and sends as many messages as its text says (the replies
Relais would have sent), with the same rate limiter, to the Bot API at API_URL. No database,
no engine: the CPU time this process spends per update is the floor under any webhook server
built on these libraries, which the Telegram benchmark sets beside Relais's.
"""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import AIORateLimiter, ExtBot

from bot.channels.telegram.adapter import WEBHOOK_PATH


def build(api_url: str, token: str) -> Starlette:
    """Return the bare webhook application."""
    bot: ExtBot[int] = ExtBot(
        token,
        base_url=api_url,
        rate_limiter=AIORateLimiter(overall_max_rate=100_000, overall_time_period=1),
    )
    pending: set[asyncio.Task[None]] = set()

    async def answer(update: Update) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        for _ in range(int(message.text)):
            await bot.send_message(message.chat.id, "Bonjour, voici la réponse.")

    async def webhook(request: Request) -> Response:
        update = Update.de_json(await request.json(), bot)
        task = asyncio.create_task(answer(update))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return Response(status_code=200)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with bot:
            yield

    return Starlette(routes=[Route(WEBHOOK_PATH, webhook, methods=["POST"])], lifespan=lifespan)


if __name__ == "__main__":
    port, api_url, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    uvicorn.run(build(api_url, token), host="127.0.0.1", port=port, log_level="warning")
