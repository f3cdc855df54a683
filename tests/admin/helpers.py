"""Sign in to the console over HTTP, as a browser would (form token, cookies)."""

import asyncio
import re
from typing import Any

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form of a page."""
    match = CSRF.search(html)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    """Post the sign-in form with the token its page gave (a fresh browser: no cookies)."""
    client.cookies.clear()
    page = await client.get("/admin/login")
    return await client.post(
        "/admin/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
    )


async def console_csrf(client: httpx.AsyncClient) -> str:
    """Return the signed-in session's CSRF token, read off the home page."""
    home = await client.get("/admin")
    assert home.status_code == 200
    return csrf_of(home.text)


async def import_members(client: httpx.AsyncClient, csrf: str, content: str) -> dict[str, Any]:
    """Upload a member list, follow its import to the end, and return its final state."""
    started = await client.post(
        "/admin/contacts/import",
        data={"csrf": csrf},
        files={"file": ("membres.csv", content.encode(), "text/csv")},
    )
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    for _attempt in range(400):
        state: dict[str, Any] = (await client.get(f"{location}/progress")).json()
        if state["finished"]:
            return {**state, "location": location}
        await asyncio.sleep(0.02)
    msg = "the import did not finish"
    raise AssertionError(msg)
