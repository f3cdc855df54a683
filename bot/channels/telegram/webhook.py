"""The Telegram webhook: each update written to the inbox before Telegram gets its 200.

Telegram never sends again an update it got a 200 for, so the 200 waits for the commit. When
the inbox is already long (the workers are behind), the answer waits for it to shrink, which
slows Telegram down; past a few seconds the answer is 503 and Telegram sends the update later.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Bot, Update

from bot.channels.bodies import BodyTooLarge, parse_json, read_bounded
from bot.channels.queues import InboxWorker
from bot.channels.telegram.lenient import UnreadableUpdate, tidy_update
from bot.domain import Channel
from bot.storage import inbox
from bot.storage.database import new_session
from bot.storage.models import InboxItem

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; anything much larger is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024
# Telegram nests a message in a message once at most (a reply, a pinned message): its updates
# stay a dozen levels deep; a chain of hundreds is forged and would make the parser recurse.
MAX_UPDATE_DEPTH = 32
# Updates waiting in the inbox beyond which the webhook slows Telegram down.
MAX_BACKLOG = 2000
# How long an answer waits for the inbox to shrink, and how often it looks.
BACKLOG_WAIT = 5.0
BACKLOG_STEP = 0.1
# A backlog counted far below the limit is not counted again for this long.
BACKLOG_FRESH = 0.5
# The parts of an update that carry its chat, in the order Telegram could send them.
_CHAT_HOLDERS = ("message", "edited_message", "my_chat_member")


class _Stored(Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    FULL = "full"


def conversation_of(update: dict[str, Any]) -> str:
    """Return the chat an update belongs to, so one chat's updates are handled in order."""
    holders: list[Any] = [update.get(name) for name in _CHAT_HOLDERS]
    query = update.get("callback_query")
    if isinstance(query, dict):
        holders.append(query.get("message"))
    for holder in holders:
        chat = holder.get("chat") if isinstance(holder, dict) else None
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        if isinstance(chat_id, int):
            return str(chat_id)
    # No chat (an inline button of a message the bot did not send): nothing to wait for.
    return f"update:{update['update_id']}"


class Webhook:
    """Check what Telegram posts, write it to the inbox, and say when to send it again."""

    def __init__(
        self,
        database: DatabaseEngine,
        *,
        secret: str,
        bot: Bot,
        ready: Callable[[], bool],
        worker: InboxWorker,
    ) -> None:
        self._database = database
        self._secret = secret
        self._bot = bot
        self._ready = ready
        self._worker = worker
        # The inbox's size when last counted, and when: counting every update costs a query.
        self._backlog = (0, -BACKLOG_FRESH)

    async def receive(self, request: Request) -> Response:
        """Answer one POST of Telegram: 200 once the update is in the database."""
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), self._secret.encode()):
            client = request.client.host if request.client else "?"
            log.warning("Telegram webhook: wrong or missing secret token (from %s)", client)
            return _error("wrong secret token", 403)
        try:
            body = await read_bounded(request, MAX_UPDATE_BYTES)
        except BodyTooLarge:
            return _error("update too large", 413)
        try:
            data = parse_json(body, max_depth=MAX_UPDATE_DEPTH)
        except (ValueError, UnicodeDecodeError):
            log.info("Telegram webhook: a body that is not a JSON update refused")
            return _error("the body must be a JSON update", 400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _error("the body must be a JSON update", 400)
        if not self._ready():
            # Telegram tries again later.
            return _error("starting up", 503)
        try:
            data, fixes = tidy_update(data)
        except UnreadableUpdate as error:
            log.info("Telegram webhook: unreadable update %s refused: %s", data["update_id"], error)
            return _error("unreadable update", 400)
        if fixes:
            log.info("Telegram webhook: update %s read leniently: %s", data["update_id"], fixes)
        try:
            Update.de_json(data, self._bot)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as error:
            log.info("Telegram webhook: unreadable update %s refused: %r", data["update_id"], error)
            return _error("unreadable update", 400)
        stored, claimed = await self._store(data)
        if stored is _Stored.FULL:
            log.warning(
                "Telegram webhook: over %d updates waiting; update %s refused for now",
                MAX_BACKLOG,
                data["update_id"],
            )
            return _error("too many updates waiting", 503)
        if stored is _Stored.NEW:
            self._worker.hand([claimed] if claimed is not None else [])
        return Response(status_code=200)

    async def _store(self, data: dict[str, Any]) -> tuple[_Stored, InboxItem | None]:
        """Write the update down, waiting a little while the inbox is full."""
        conversation = conversation_of(data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BACKLOG_WAIT
        while True:
            claimant = self._worker.claimant()
            stored = await asyncio.to_thread(self._write, data, conversation, claimant)
            if stored[0] is not _Stored.FULL or loop.time() >= deadline:
                return stored
            self._worker.wake()
            await asyncio.sleep(BACKLOG_STEP)

    def _write(
        self, data: dict[str, Any], conversation: str, claimant: str | None
    ) -> tuple[_Stored, InboxItem | None]:
        """Write the update; claim it for this process's worker when it may go at once."""
        message_id = str(data["update_id"])
        with new_session(self._database) as session:
            if self._full(session):
                return _Stored.FULL, None
            new = inbox.enqueue(
                session,
                channel=Channel.TELEGRAM,
                message_id=message_id,
                conversation=conversation,
                body=data,
            )
            claimed = None
            if new and claimant is not None:
                claimed = inbox.claim_received(
                    session,
                    channel=Channel.TELEGRAM,
                    message_id=message_id,
                    conversation=conversation,
                    worker=claimant,
                )
            session.commit()
        return (_Stored.NEW if new else _Stored.DUPLICATE), claimed

    def _full(self, session: Session) -> bool:
        """Tell whether the inbox is full, counting again only when it may be.

        Between counts, every update let in is added to the last count: the estimate can
        only be too high, and a count is made before it could reach half the limit.
        """
        count, counted_at = self._backlog
        now = time.monotonic()
        if count + 1 < MAX_BACKLOG // 2 and now - counted_at < BACKLOG_FRESH:
            self._backlog = (count + 1, counted_at)
            return False
        count = inbox.backlog(session, channel=Channel.TELEGRAM)
        self._backlog = (count, now)
        return count >= MAX_BACKLOG


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)
