"""What every page and API of the server gets: security headers, signed sessions, bounded bodies."""

import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

NONCE_BYTES = 16


class SecurityHeaders:
    """ASGI middleware adding the headers every response should carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, and add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                for name, value in _headers(nonce):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _headers(nonce: str) -> list[tuple[bytes, bytes]]:
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


def csp_nonce(request: Request) -> str:
    """Return the nonce the page's inline script and style must carry."""
    return str(request.scope.get("state", {}).get("csp_nonce", ""))


def is_https(request: Request, public_url: str | None) -> bool:
    """Tell whether the browser reached us over HTTPS (directly or through a proxy)."""
    if request.url.scheme == "https":
        return True
    return bool(public_url and public_url.startswith("https://"))


class SessionSigner:
    """Issue session ids the server chose, and refuse any other: a cookie is `id.signature`."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self) -> tuple[str, str]:
        """Return a new session id and the cookie value that carries it."""
        session_id = secrets.token_urlsafe(18)
        return session_id, self.sign(session_id)

    def sign(self, value: str) -> str:
        """Return the cookie value carrying `value` (letters, digits, - and _ only)."""
        return f"{value}.{self._sign(value)}"

    def verify(self, cookie: str | None) -> str | None:
        """Return the session id of a cookie this server issued, else None."""
        if not cookie or len(cookie) > 128 or cookie.count(".") != 1:
            return None
        session_id, signature = cookie.split(".")
        if not session_id or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        return session_id

    def _sign(self, session_id: str) -> str:
        digest = hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()
        return digest[:32]


def session_key(secret: str | None, cache_dir: Path) -> bytes:
    """Return the key signing the chat sessions: the setting's, else one kept in the cache."""
    if secret:
        return secret.encode()
    path = cache_dir / "session.key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(key.hex(), encoding="ascii")
    log.info("created the chat session key %s (set RELAIS_SECRET_KEY to share one)", path)
    return key
