"""The HTTP front door: health check, the browser chat, the staff console; webhooks join here."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from importlib import resources
from string import Template
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Relais
from bot.channels import ChannelAdapter
from bot.channels.bodies import BodyTooLarge, parse_json, read_bounded
from bot.core import i18n, payloads
from bot.core.i18n import _
from bot.core.messages import Incoming
from bot.domain import Channel, Locale
from bot.storage import replies
from bot.storage.database import check_connection, new_session
from bot.storage.models import Contact, ProcessedMessage, ReplyItem
from bot.storage.types import clip
from bot.web.admin import admin_routes
from bot.web.security import SecurityHeaders, SessionSigner, csp_nonce, is_https, session_key

log = logging.getLogger(__name__)

SESSION_COOKIE = "relais_chat"
MAX_BODY = 16 * 1024
MAX_FIELD = 4096


def create_web_app(relais: Relais, channels: list[ChannelAdapter] | None = None) -> Starlette:
    """Build the ASGI application around a ready Relais and its provider channels."""
    if channels is None:
        channels = relais.adapters()
    page = Template(
        resources.files("bot.web").joinpath("static/chat.html").read_text(encoding="utf-8")
    )
    catalogues = relais.engine.services.catalogues
    settings = relais.settings
    default_locale = settings.default_locale
    signer = SessionSigner(session_key(settings.secret("secret_key"), settings.cache_dir))

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(check_connection, relais.database)
        except Exception:
            log.exception("health check: the database does not answer")
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def chat_page(request: Request) -> Response:
        locale = _preferred_locale(request.headers.get("accept-language", ""), default_locale)
        with i18n.using(catalogues.translator(locale)) as translator:
            response = HTMLResponse(
                page.substitute(
                    lang=locale.value,
                    dir="rtl" if translator.is_rtl else "ltr",
                    title=escape(_("Relais : l'assistant de l'économie sociale")),
                    subtitle=escape(_("Créer une organisation, se pré-inscrire, s'informer")),
                    placeholder=escape(_("Écrivez votre message…")),
                    send=escape(_("Envoyer")),
                    offline=_script_string(
                        _("Message non envoyé : vérifiez votre connexion et réessayez.")
                    ),
                    retry=_script_string(_("Réessayer")),
                    nonce=csp_nonce(request),
                )
            )
        if signer.verify(request.cookies.get(SESSION_COOKIE)) is None:
            _session_id, cookie = signer.issue()
            response.set_cookie(
                SESSION_COOKIE,
                cookie,
                max_age=180 * 24 * 3600,
                httponly=True,
                samesite="strict",
                secure=is_https(request, settings.public_url),
            )
        return response

    async def chat_message(request: Request) -> Response:
        sender = signer.verify(request.cookies.get(SESSION_COOKIE))
        if sender is None:
            log.info("web chat: a message without a session this server issued")
            return _error("no chat session: open /chat first", 403)
        try:
            body = await read_bounded(request, MAX_BODY)
        except BodyTooLarge as error:
            log.info("web chat: a body of %s bytes refused", error)
            return _error("message too large", 413)
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return _error("send the message as application/json", 415)
        try:
            data = parse_json(body)
        except (ValueError, UnicodeDecodeError):
            log.info("web chat: a body that is not a JSON message refused")
            return _error("the body must be JSON", 400)
        incoming = _incoming(sender, data)
        if incoming is None:
            return _error("expected {text, payload?, id?, lang?} strings", 400)
        # The HTTP answer delivers the replies; kept with the message, a retry of it after a
        # lost answer gets them again instead of being applied twice.
        items = await run_in_threadpool(
            lambda: relais.engine.handle_into_outbox(incoming, delivered=True)
        )
        return JSONResponse({"replies": [_reply_json(item) for item in items]})

    async def chat_updates(request: Request) -> Response:
        # What staff wrote since the last look: the console's replies and status news.
        sender = signer.verify(request.cookies.get(SESSION_COOKIE))
        if sender is None:
            return _error("no chat session: open /chat first", 403)

        def take() -> list[dict[str, Any]]:
            with new_session(relais.database) as session:
                items = replies.hand_over_pending(session, channel=Channel.WEB, address=sender)
                answer = [_reply_json(item) for item in items]
                session.commit()
                return answer

        return JSONResponse({"replies": await run_in_threadpool(take)})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started: list[ChannelAdapter] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                await channel.stop()

    routes: list[BaseRoute] = [
        Route("/", lambda request: RedirectResponse("/chat", status_code=307), methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/chat", chat_page, methods=["GET"]),
        Route("/chat/messages", chat_message, methods=["POST"]),
        Route("/chat/updates", chat_updates, methods=["GET"]),
        *admin_routes(relais, signer),
    ]
    for channel in channels:
        routes.extend(channel.routes())
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)])


def _incoming(sender: str, data: Any) -> Incoming | None:
    if not isinstance(data, dict):
        return None
    fields = {key: data.get(key) for key in ("text", "payload", "id", "lang")}
    if any(value is not None and not isinstance(value, str) for value in fields.values()):
        return None
    return Incoming(
        channel=Channel.WEB,
        sender=sender,
        text=(fields["text"] or "")[:MAX_FIELD],
        payload=(fields["payload"] or None) and fields["payload"][: payloads.MAX_BYTES],
        locale_hint=(fields["lang"] or None) and clip(Contact, "locale_hint", fields["lang"]),
        message_id=(fields["id"] or None)
        and clip(ProcessedMessage, "message_id", f"{sender}:{fields['id']}"),
    )


def _script_string(text: str) -> str:
    """Quote a text for a JavaScript string inside the page."""
    return json.dumps(text).replace("</", "<\\/")


def _preferred_locale(header: str, default: Locale) -> Locale:
    """Pick the first supported language of an Accept-Language header."""
    for part in header.split(","):
        locale = i18n.parse_locale(part.split(";", 1)[0].strip())
        if locale is not None:
            return locale
    return default


def _reply_json(reply: ReplyItem) -> dict[str, Any]:
    return {
        "text": reply.text,
        "choices": [{"label": label, "payload": payload} for label, payload in reply.choices],
    }


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)
