"""Signing in to the console and out of it."""

import asyncio
import hmac
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.bodies import BodyTooLarge
from bot.services.staff import DISABLED, LOCKED, StaffIdentity
from bot.web.admin.console import LOGIN_COOKIE, LOGIN_PATH, SESSION_COOKIE, Console, read_form

log = logging.getLogger(__name__)

# Multiplies the service's slowdown after a failed sign-in (tests make it small).
SLOWDOWN = 1.0


def auth_routes(console: Console) -> list[BaseRoute]:
    """Return the sign-in page (the one page open to anyone) and the sign-out action."""

    def login_form(request: Request, error: str | None, status: int = 200) -> Response:
        # The form's token is tied to a cookie set with it: a cross-site page can post the
        # form but cannot read or set the cookie (double submit, signed by the server).
        token, cookie = console.signer.issue()
        response = console.render(
            request, "login.html", None, status_code=status, login_csrf=token, error=error
        )
        console.set_cookie(request, response, LOGIN_COOKIE, cookie)
        return response

    async def login_page(request: Request) -> Response:
        if await console.identify(request) is not None:
            return RedirectResponse("/admin", status_code=303)
        return login_form(request, None)

    async def login(request: Request) -> Response:
        try:
            form = await read_form(request)
        except BodyTooLarge:
            return console.refuse(request, None, 413)
        expected = console.signer.verify(request.cookies.get(LOGIN_COOKIE))
        sent = form.get("csrf") if form else ""
        if form is None or expected is None or not hmac.compare_digest(sent, expected):
            log.info("console sign-in without the form's token refused")
            return console.refuse(request, None, 403)
        result = await run_in_threadpool(
            console.staff.login, form.get("email"), form.get("password")
        )
        if result.token is None:
            await asyncio.sleep(result.delay * SLOWDOWN)
            status = 429 if result.refusal == LOCKED else 401
            return login_form(request, result.refusal or "wrong", status)
        response = RedirectResponse("/admin", status_code=303)
        console.set_cookie(request, response, SESSION_COOKIE, console.signer.sign(result.token))
        response.delete_cookie(LOGIN_COOKIE, path="/admin")
        return response

    async def logout(request: Request, identity: StaffIdentity) -> Response:
        await run_in_threadpool(console.staff.logout, console.session_token(request), identity)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/admin")
        return response

    return [
        Route(LOGIN_PATH, login_page, methods=["GET"]),
        Route(LOGIN_PATH, login, methods=["POST"]),
        console.page("/admin/logout", logout, methods=("POST",)),
    ]


__all__ = ["DISABLED", "LOCKED", "auth_routes"]
