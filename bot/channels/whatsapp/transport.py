"""Twilio's HTTP client over httpx, sending api.twilio.com requests to the configured base."""

import logging

import httpx
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
# Twilio answers in a few hundred milliseconds from Africa: sending 80 messages/s needs this
# many calls in flight, more than the event loop's default pool has threads.
TWILIO_CALLS_IN_FLIGHT = 48


class TwilioHttpClient(HttpClient):  # type: ignore[misc]
    """Twilio's HTTP client over httpx, sending api.twilio.com requests to the configured base."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(log, False, timeout)
        self._base = base_url.rstrip("/")
        self._client = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=TWILIO_CALLS_IN_FLIGHT,
                max_keepalive_connections=TWILIO_CALLS_IN_FLIGHT,
            ),
        )

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Make one request to Twilio's REST API."""
        if uri.startswith(TWILIO_API):
            uri = self._base + uri[len(TWILIO_API) :]
        as_json = (headers or {}).get("Content-Type") == "application/json"
        response = self._client.request(
            method,
            uri,
            params=params,  # type: ignore[arg-type]
            data=None if as_json else data,
            json=data if as_json else None,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        return TwilioResponse(response.status_code, response.text, response.headers)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()
