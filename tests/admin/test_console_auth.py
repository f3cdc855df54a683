"""Every refusal of the console, over HTTP: no session, wrong role, CSRF, expiry, lock, disable."""

import re
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from starlette.routing import Mount, Route

from bot.app import Relais
from bot.domain import StaffRole
from bot.services.staff import MAX_FAILURES, StaffService
from bot.storage.database import new_session
from bot.storage.models import StaffSession
from bot.storage.types import utcnow
from bot.web.server import create_web_app
from tests.admin.conftest import ADMIN, AGENT
from tests.admin.helpers import PASSWORD, console_csrf, csrf_of, sign_in

PUBLIC = {"/admin/login"}


def console_routes(relais: Relais) -> list[tuple[str, str, object]]:
    """Return (method, concrete path, endpoint) of every console route of the app."""
    found = []
    for route in create_web_app(relais).routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue
        if not route.path.startswith("/admin") or route.path in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, path, route.endpoint))
    return found


def test_the_routing_table_has_the_console(relais: Relais) -> None:
    routes = console_routes(relais)
    paths = {path for _method, path, _endpoint in routes}
    assert {"/admin", "/admin/registrations", "/admin/audit", "/admin/accounts"} <= paths
    admin_only = {path for _m, path, end in routes if end.staff_role is StaffRole.ADMIN}  # type: ignore[attr-defined]
    assert {
        "/admin/audit",
        "/admin/accounts",
        "/admin/accounts/add",
        "/admin/campaigns",
        "/admin/campaigns/1/send",
        "/admin/events",
        "/admin/contacts",
        "/admin/contacts/import",
        "/admin/campaigns/schedule",
        "/admin/campaigns/1/edit",
        "/admin/campaigns/1/test",
        "/admin/events/1",
        "/admin/events/1/move",
        "/admin/events/1/cancel",
        "/admin/contacts/import/1",
        "/admin/contacts/import/1/progress",
    } <= admin_only
    # Every POST is one of the console's forms: each is checked for the session's token.
    posts = {path for method, path, _end in routes if method == "POST"}
    assert {"/admin/events", "/admin/campaigns/1/edit", "/admin/events/1/move"} <= posts
    # What agents work on is open to them.
    assert not admin_only & {"/admin/registrations", "/admin/conversations/1/reply"}


async def test_no_console_route_answers_without_a_session(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    for method, path, _endpoint in console_routes(relais):
        response = await client.request(method, path, data={"csrf": "x", "status": "approved"})
        assert response.status_code == 303, (method, path)
        assert response.headers["location"] == "/admin/login", (method, path)


async def test_no_admin_route_answers_an_agent(client: httpx.AsyncClient, relais: Relais) -> None:
    assert (await sign_in(client, AGENT)).status_code == 303
    csrf = await console_csrf(client)
    admin_only = [
        (method, path)
        for method, path, endpoint in console_routes(relais)
        if endpoint.staff_role is StaffRole.ADMIN  # type: ignore[attr-defined]
    ]
    assert admin_only
    for method, path in admin_only:
        response = await client.request(
            method, path, data={"csrf": csrf, "email": "x@y.org", "role": "admin"}
        )
        assert response.status_code == 403, (method, path)
    # The same agent reaches its own pages.
    assert (await client.get("/admin/registrations")).status_code == 200
    assert (await client.get("/admin/conversations")).status_code == 200


async def test_no_form_is_accepted_with_a_forged_token(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    assert (await sign_in(client, ADMIN)).status_code == 303
    posts = [path for method, path, _end in console_routes(relais) if method == "POST"]
    assert len(posts) >= 15
    for path in posts:
        for data in ({"csrf": "forged-token", "name": "x"}, {"name": "x"}):
            response = await client.post(path, data=data)
            assert response.status_code == 403, path
    assert (await client.get("/admin")).status_code == 200  # still signed in


async def test_an_admin_reaches_the_admin_pages(client: httpx.AsyncClient) -> None:
    await sign_in(client, ADMIN)
    audit = await client.get("/admin/audit")
    assert audit.status_code == 200 and "staff.login" in audit.text
    assert ADMIN in (await client.get("/admin/accounts")).text


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    response = await sign_in(client, ADMIN)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if "relais_staff=" in value
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind HTTPS it is set
    token = client.cookies.get("relais_staff")
    csrf = await console_csrf(client)
    assert (await client.post("/admin/logout", data={"csrf": csrf})).status_code == 303
    # The old cookie, replayed, opens nothing: the session is gone from the database.
    client.cookies.set("relais_staff", token or "", domain="relais.test", path="/admin")
    assert (await client.get("/admin")).status_code == 303


async def test_cookie_is_secure_behind_https(relais: Relais, staff: StaffService) -> None:
    transport = httpx.ASGITransport(app=create_web_app(relais))
    async with httpx.AsyncClient(transport=transport, base_url="https://relais.test") as client:
        response = await sign_in(client, ADMIN)
    cookie = next(v for v in response.headers.get_list("set-cookie") if "relais_staff=" in v)
    assert "Secure" in cookie


async def test_a_wrong_password_is_refused(client: httpx.AsyncClient) -> None:
    response = await sign_in(client, ADMIN, "not the password")
    assert response.status_code == 401
    assert "Adresse ou mot de passe incorrect" in response.text
    unknown = await sign_in(client, "nobody@dges.example")
    assert unknown.status_code == 401 and "incorrect" in unknown.text


async def test_sign_in_without_the_form_token_is_refused(client: httpx.AsyncClient) -> None:
    fields = {"email": ADMIN, "password": PASSWORD}
    assert (await client.post("/admin/login", data=fields)).status_code == 403
    page = await client.get("/admin/login")
    forged = {**fields, "csrf": csrf_of(page.text) + "x"}
    assert (await client.post("/admin/login", data=forged)).status_code == 403
    # The right token without its cookie (another browser's form) is refused too.
    token = csrf_of(page.text)
    client.cookies.clear()
    assert (await client.post("/admin/login", data={**fields, "csrf": token})).status_code == 403


async def test_actions_without_or_with_a_forged_csrf_token_are_refused(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, ADMIN)
    fields = {"email": "new@dges.example", "role": "agent", "password": "long enough pass"}
    assert (await client.post("/admin/accounts/add", data=fields)).status_code == 403
    forged = {**fields, "csrf": "forged-token"}
    assert (await client.post("/admin/accounts/add", data=forged)).status_code == 403
    as_json = await client.post("/admin/accounts/add", json={**fields, "csrf": "x"})
    assert as_json.status_code == 403
    assert "new@dges.example" not in (await client.get("/admin/accounts")).text
    csrf = await console_csrf(client)
    added = await client.post("/admin/accounts/add", data={**fields, "csrf": csrf})
    assert added.status_code == 303
    assert "new@dges.example" in (await client.get("/admin/accounts")).text


async def test_an_expired_session_sends_back_to_sign_in(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, AGENT)
    assert (await client.get("/admin")).status_code == 200
    with new_session(relais.database) as session:
        session.execute(sa.update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    response = await client.get("/admin")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"


async def test_repeated_failures_lock_the_account(client: httpx.AsyncClient) -> None:
    for _attempt in range(MAX_FAILURES):
        assert (await sign_in(client, AGENT, "wrong password")).status_code == 401
    locked = await sign_in(client, AGENT)  # even the right password, while locked
    assert locked.status_code == 429 and "bloqué" in locked.text


async def test_a_disabled_account_cannot_sign_in_and_loses_its_session(
    client: httpx.AsyncClient, staff: StaffService, relais: Relais
) -> None:
    await sign_in(client, AGENT)
    assert (await client.get("/admin")).status_code == 200
    staff.disable_account(AGENT)
    assert (await client.get("/admin")).status_code == 303
    refused = await sign_in(client, AGENT)
    assert refused.status_code == 401 and "désactivé" in refused.text


@pytest.mark.parametrize("lang, word", [("en", "Sign in"), ("ar", "تسجيل الدخول")])
async def test_the_sign_in_page_speaks_english_and_arabic(
    client: httpx.AsyncClient, lang: str, word: str
) -> None:
    page = await client.get(f"/admin/login?lang={lang}")
    assert word in page.text
    if lang == "ar":
        assert 'dir="rtl"' in page.text
