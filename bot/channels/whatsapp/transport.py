"""Twilio's asynchronous HTTP client interface over aiohttp, aimed at the configured API base.

aiohttp rather than httpx: with dozens of requests in flight, httpcore's connection pool
rescans every connection for every request, which doubled the CPU cost of a message.
"""

import base64
import logging
from collections.abc import Mapping

import aiohttp
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
CONTENT_API = "https://content.twilio.com"
# Twilio answers in a few hundred milliseconds from Africa: 80 messages/s keeps a few dozen
# requests in flight. Beyond this many connections, requests wait for a free one.
TWILIO_CONNECTIONS = 48


class TwilioUnreachableError(ConnectionError):
    """Twilio's API could not be reached, or the connection broke before it answered."""


class TwilioTransport(AsyncHttpClient):  # type: ignore[misc]
    """Make the twilio Client's requests with aiohttp, aimed at the configured bases.

    api.twilio.com is replaced by `base_url`, content.twilio.com by `content_url`.
    """

    def __init__(self, base_url: str, timeout: float, content_url: str = CONTENT_API) -> None:
        super().__init__(log, True, timeout)
        self._bases = {TWILIO_API: base_url.rstrip("/"), CONTENT_API: content_url.rstrip("/")}
        # Made at the first request: an aiohttp session belongs to the loop it is made in.
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the name is twilio's interface)
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Make one request to Twilio's REST API."""
        for official, base in self._bases.items():
            if uri.startswith(official):
                uri = base + uri[len(official) :]
                break
        as_json = (headers or {}).get("Content-Type") == "application/json"
        if auth is not None:
            headers = {**(headers or {}), "Authorization": _basic(*auth)}
        seconds = timeout or self.timeout
        try:
            async with self._open().request(
                method,
                uri,
                params=_pairs(params),
                data=None if as_json else _pairs(data),
                json=data if as_json else None,
                headers=headers,
                # Waiting for a free connection is queueing, not Twilio being slow: no limit.
                timeout=aiohttp.ClientTimeout(sock_connect=seconds, sock_read=seconds),
                allow_redirects=allow_redirects,
            ) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TwilioUnreachableError(str(error) or type(error).__name__) from error
        return TwilioResponse(response.status, text, response.headers)

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=TWILIO_CONNECTIONS)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def aclose(self) -> None:
        """Close the pooled connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _basic(user: str, password: str) -> str:
    """Return the value of HTTP Basic authentication's header."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _pairs(values: Mapping[str, object] | None) -> list[tuple[str, str]] | None:
    """Return form or query values as pairs, a list value as one pair per item (MediaUrl)."""
    if values is None:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, str(item)) for item in items)
    return pairs
