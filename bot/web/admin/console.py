"""What every console page shares: who is signed in, CSRF checks, roles, and page rendering.

Every route under /admin except the sign-in page is built with `Console.page`, which refuses a
request without a valid session (a redirect to /admin/login), of the wrong role (403) or, for a
POST, without the session's CSRF token (403), before the page's own code runs.
"""

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app import Relais
from bot.channels.bodies import BodyTooLarge, read_bounded
from bot.core import i18n
from bot.core.i18n import N_, Translator
from bot.domain import Locale, StaffRole
from bot.errors import Explanation
from bot.services.staff import StaffIdentity, StaffService
from bot.web.security import SessionSigner, csp_nonce, is_https

log = logging.getLogger(__name__)
T = TypeVar("T")

HERE = Path(__file__).parent
SESSION_COOKIE = "relais_staff"
LOGIN_COOKIE = "relais_staff_login"
LANG_COOKIE = "relais_staff_lang"
MAX_FORM = 64 * 1024
MAX_UPLOAD = 5 * 1024 * 1024
LOGIN_PATH = "/admin/login"

# The console's short names of statuses and organisation types (translated where shown).
STATUS_LABELS = {
    "received": N_("reçue"),
    "in_review": N_("en cours d'examen"),
    "needs_information": N_("informations demandées"),
    "approved": N_("validée"),
    "rejected": N_("non retenue"),
}
TYPE_LABELS = {
    "association": N_("association"),
    "ngo": N_("ONG"),
    "cooperative": N_("coopérative"),
    "mutual": N_("mutuelle"),
    "foundation": N_("fondation"),
}

STATE_LABELS = {
    "draft": N_("brouillon"),
    "scheduled": N_("programmée"),
    "sending": N_("en cours d'envoi"),
    "done": N_("envoyée"),
    "cancelled": N_("annulée"),
}

Handler = Callable[[Request, StaffIdentity], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Form:
    """A parsed form: the first value of each field, and the files sent with it."""

    fields: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """Return a field's value, or `default`."""
        return self.fields.get(name, default)


async def read_form(request: Request) -> Form | None:
    """Read a bounded form (url-encoded, or multipart with one file); None if it is neither.

    BodyTooLarge when it is over the limit.
    """
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _read_multipart(request)
    if media_type != "application/x-www-form-urlencoded":
        return None
    try:
        body = await read_bounded(request, MAX_FORM)
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return None
    return Form({name: values[0] for name, values in parsed.items()})


async def _read_multipart(request: Request) -> Form | None:
    declared = request.headers.get("content-length", "")
    if not declared.isdecimal():
        return None
    if int(declared) > MAX_UPLOAD:
        raise BodyTooLarge(declared)
    try:
        parsed = await request.form(max_files=1, max_fields=20, max_part_size=MAX_UPLOAD)
    except (MultiPartException, ValueError):
        return None
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for name, value in parsed.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
        elif name not in files:
            files[name] = (value.filename or "", await value.read(MAX_UPLOAD + 1))
            await value.close()
    return Form(fields, files)


class Console:
    """The console's shared parts, built once with the web app."""

    def __init__(self, relais: Relais, signer: SessionSigner) -> None:
        self.relais = relais
        self.signer = signer
        self.staff = StaffService(relais.database)
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @property
    def settings(self) -> Any:
        """Return the server's settings."""
        return self.relais.settings

    @property
    def directorate(self) -> str:
        """Return the short name of the directorate ("DGES")."""
        directorate = self.relais.engine.services.pack.country.directorate
        return directorate.short(i18n.current_locale().value)

    # -- sessions

    def session_token(self, request: Request) -> str | None:
        """Return the session token of the request's cookie, if this server signed it."""
        return self.signer.verify(request.cookies.get(SESSION_COOKIE))

    async def identify(self, request: Request) -> StaffIdentity | None:
        """Return the member of staff signed in on this request, if any."""
        token = self.session_token(request)
        if token is None:
            return None
        return await run_in_threadpool(self.staff.identify, token)

    def set_cookie(self, request: Request, response: Response, name: str, value: str) -> None:
        """Set one of the console's cookies: httponly, same-site, secure behind HTTPS."""
        response.set_cookie(
            name,
            value,
            path="/admin",
            httponly=True,
            samesite="strict",
            secure=is_https(request, self.settings.public_url),
        )

    def page(
        self,
        path: str,
        handler: Handler,
        *,
        methods: tuple[str, ...] = ("GET",),
        role: StaffRole = StaffRole.AGENT,
    ) -> Route:
        """Build a route that only a signed-in member of staff of `role` (or admin) reaches."""

        async def guarded(request: Request) -> Response:
            identity = await self.identify(request)
            if identity is None:
                return RedirectResponse(LOGIN_PATH, status_code=303)
            if role is StaffRole.ADMIN and not identity.is_admin:
                log.info("console: %s refused to an agent", request.url.path)
                return self.refuse(request, identity, 403)
            if request.method == "POST":
                try:
                    form = await read_form(request)
                except BodyTooLarge:
                    return self.refuse(request, identity, 413)
                sent = form.get("csrf") if form else ""
                if not hmac.compare_digest(sent.encode(), identity.csrf_token.encode()):
                    log.info("console: %s without the session's CSRF token", request.url.path)
                    return self.refuse(request, identity, 403)
                request.state.form = form
            return await handler(request, identity)

        guarded.staff_role = role  # type: ignore[attr-defined]
        return Route(path, guarded, methods=list(methods))

    # -- rendering

    def locale(self, request: Request) -> Locale:
        """Return the console's language: asked in the URL, remembered, or the browser's."""
        for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
            locale = i18n.parse_locale(candidate)
            if locale is not None:
                return locale
        for part in request.headers.get("accept-language", "").split(","):
            locale = i18n.parse_locale(part.split(";", 1)[0].strip())
            if locale is not None:
                return locale
        return Locale(self.settings.default_locale)

    def translator(self, request: Request) -> Translator:
        """Return the translator of the console's language for this request."""
        return self.relais.catalogues.translator(self.locale(request))

    def render(
        self,
        request: Request,
        template: str,
        identity: StaffIdentity | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """Render a page in the console's language."""
        locale = self.locale(request)
        translator = self.relais.catalogues.translator(locale)
        territory = self.relais.engine.services.pack.territory
        with i18n.using(translator):
            html = self.templates.get_template(template).render(
                _=translator.gettext,
                staff=identity,
                csrf=identity.csrf_token if identity else "",
                nonce=csp_nonce(request),
                lang=locale.value,
                dir="rtl" if translator.is_rtl else "ltr",
                path=request.url.path,
                when=_formatter(translator),
                directorate=self.directorate,
                unit=territory.region.label.get(locale.value),
                unit_word=territory.region.word.get(locale.value),
                unit_example=territory.regions[0].name,
                status_names=STATUS_LABELS,
                type_names=TYPE_LABELS,
                state_names=STATE_LABELS,
                **context,
            )
        response = HTMLResponse(html, status_code=status_code)
        asked = i18n.parse_locale(request.query_params.get("lang"))
        if asked is not None:
            self.set_cookie(request, response, LANG_COOKIE, asked.value)
        return response

    def refuse(
        self,
        request: Request,
        identity: StaffIdentity | None,
        status: int,
        detail: str | Explanation = "",
    ) -> HTMLResponse:
        """Answer with the console's error page; an explanation is said in its language."""
        if isinstance(detail, Explanation):
            detail = detail.render(self.translator(request).gettext)
        return self.render(request, "error.html", identity, status_code=status, detail=detail)

    def refused(self, request: Request, identity: StaffIdentity, error: Exception) -> Response:
        """Answer an action the service refused (bad input, wrong state) with a 400, logged once.

        An error that carries an explanation is shown in the console's language.
        """
        log.info("console: %s refused: %s", request.url.path, error)
        return self.refuse(request, identity, 400, detail=self.reason(request, error))

    def reason(self, request: Request, error: Exception) -> str:
        """Return why a service refused, in the console's language when the error explains it."""
        explanation = getattr(error, "explanation", None)
        if isinstance(explanation, Explanation):
            return explanation.render(self.translator(request).gettext)
        return str(error)


async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service call (it reads or writes the database) off the event loop."""
    return await run_in_threadpool(lambda: function(*args, **kwargs))


def form_of(request: Request) -> Form:
    """Return the form the CSRF check read, or an empty one (a GET)."""
    form: Form | None = request.state.form
    return form or Form({})


def _formatter(translator: Translator) -> Callable[[datetime | None], str]:
    def when(moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return f"{moment.astimezone(translator.tz):%Y-%m-%d %H:%M}"

    return when
