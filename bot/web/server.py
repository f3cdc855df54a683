"""The HTTP front door: health check, the browser chat, the staff console; webhooks join here."""

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from importlib import resources
from string import Template
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from bot import metrics
from bot.app import Relais
from bot.channels import ChannelAdapter
from bot.channels.bodies import BodyTooLarge, parse_json, read_bounded
from bot.core import i18n, payloads
from bot.core.i18n import Catalogues, _
from bot.core.messages import Incoming
from bot.domain import Channel, Locale
from bot.storage import contacts, replies
from bot.storage.database import check_connection, new_session
from bot.storage.models import Contact, ProcessedMessage, ReplyItem
from bot.storage.types import clip
from bot.web.admin import admin_routes
from bot.web.metrics import metrics_endpoint
from bot.web.security import SecurityHeaders, SessionSigner, is_https, session_key

log = logging.getLogger(__name__)

SESSION_COOKIE = "relais_chat"
MAX_BODY = 16 * 1024
MAX_FIELD = 4096
ASSETS = ("chat.css", "chat.js")


def create_web_app(relais: Relais, channels: list[ChannelAdapter] | None = None) -> Starlette:
    """Build the ASGI application around a ready Relais and its provider channels."""
    if channels is None:
        channels = relais.adapters()
    page = Template(_static("chat.html"))
    assets = {name: _Asset(name) for name in ASSETS}
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

    # Every language's words of the page: it follows the language the bot writes in.
    ui_strings = escape(json.dumps(_page_strings(catalogues), ensure_ascii=False), quote=True)

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
                    strings=ui_strings,
                    css=assets["chat.css"].url,
                    js=assets["chat.js"].url,
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
        items, locale = await run_in_threadpool(answer, incoming)
        metrics.sent(Channel.WEB, "reply", len(items))
        return JSONResponse({"replies": [_reply_json(item, locale) for item in items]})

    def answer(incoming: Incoming) -> tuple[list[ReplyItem], Locale]:
        items = relais.engine.handle_into_outbox(incoming, delivered=True)
        with new_session(relais.database) as session:
            contact = contacts.find_contact(session, channel=Channel.WEB, address=incoming.sender)
            chosen = contact.locale if contact is not None else None
        # The language the replies were written in: the page takes it for its own words.
        for candidate in (chosen, incoming.locale_hint):
            locale = i18n.parse_locale(candidate)
            if locale is not None:
                return items, locale
        return items, default_locale

    async def asset(request: Request) -> Response:
        found = assets.get(request.path_params["name"])
        return found.response() if found else PlainTextResponse("not found", 404)

    async def chat_updates(request: Request) -> Response:
        # What staff wrote since the last look: the console's replies and status news.
        sender = signer.verify(request.cookies.get(SESSION_COOKIE))
        if sender is None:
            return _error("no chat session: open /chat first", 403)

        def take() -> list[dict[str, Any]]:
            with new_session(relais.database) as session:
                items = replies.hand_over_pending(session, channel=Channel.WEB, address=sender)
                contact = contacts.find_contact(session, channel=Channel.WEB, address=sender)
                locale = i18n.parse_locale(contact.locale if contact else None) or default_locale
                answer = [_reply_json(item, locale) for item in items]
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
        Route("/metrics", metrics_endpoint(relais.database), methods=["GET"]),
        Route("/chat", chat_page, methods=["GET"]),
        Route("/chat/messages", chat_message, methods=["POST"]),
        Route("/chat/assets/{name:str}", asset, methods=["GET"]),
        Route("/chat/updates", chat_updates, methods=["GET"]),
        *admin_routes(relais, signer),
    ]
    for channel in channels:
        routes.extend(channel.routes())
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={ClientDisconnect: _client_gone},
    )


async def _client_gone(request: Request, error: Exception) -> Response:
    """A client that hung up before its body was read: nothing was taken, nobody reads this."""
    client = request.client.host if request.client else "?"
    log.info(
        "%s %s: the client hung up before its request was read (%s)",
        request.method,
        request.url.path,
        client,
    )
    return Response(status_code=400)


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


def _preferred_locale(header: str, default: Locale) -> Locale:
    """Pick the first supported language of an Accept-Language header."""
    for part in header.split(","):
        locale = i18n.parse_locale(part.split(";", 1)[0].strip())
        if locale is not None:
            return locale
    return default


def _reply_json(reply: ReplyItem, locale: Locale) -> dict[str, Any]:
    return {
        "text": reply.text,
        "choices": [{"label": label, "payload": payload} for label, payload in reply.choices],
        "lang": _written_in(reply.text, locale).value,
    }


def _written_in(text: str, locale: Locale) -> Locale:
    """Return the language a reply is shown in: the conversation's, unless its script says not.

    The page sets its direction from it, so a reply in Arabic is never laid out left to right.
    """
    arabic = sum(1 for char in text if "\u0600" <= char <= "\u06ff")
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    if arabic > latin:
        return Locale.AR
    if locale is Locale.AR and latin > 3 * arabic:
        return i18n.REFERENCE_LOCALE
    return locale


def _page_strings(catalogues: Catalogues) -> dict[str, dict[str, str]]:
    """Return the page's own words in every language, and each language's direction."""
    words = {}
    for locale in Locale:
        with i18n.using(catalogues.translator(locale)) as translator:
            words[locale.value] = {
                "dir": "rtl" if translator.is_rtl else "ltr",
                "title": _("Relais : l'assistant de l'économie sociale"),
                "subtitle": _("Créer une organisation, se pré-inscrire, s'informer"),
                "placeholder": _("Écrivez votre message…"),
                "send": _("Envoyer"),
                "offline": _("Message non envoyé : vérifiez votre connexion et réessayez."),
                "retry": _("Réessayer"),
                "typing": _("Relais écrit…"),
                "sources": _("Sources"),
                # Translators: the first message the page sends for the person, a greeting in
                # their language, so that the bot answers in it.
                "greeting": _("bonjour"),
            }
    return words


def _static(name: str) -> str:
    return resources.files("bot.web").joinpath(f"static/{name}").read_text(encoding="utf-8")


class _Asset:
    """A file of the page, served by the app itself under a name that changes with it."""

    MEDIA_TYPES: ClassVar[dict[str, str]] = {
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def __init__(self, name: str) -> None:
        self.body = _static(name).encode()
        self.media_type = self.MEDIA_TYPES[name[name.rindex(".") :]]
        self.url = f"chat/assets/{name}?v={hashlib.sha256(self.body).hexdigest()[:12]}"

    def response(self) -> Response:
        # The URL carries the file's hash: a phone keeps it until the file changes.
        return Response(
            self.body,
            media_type=self.media_type,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)
