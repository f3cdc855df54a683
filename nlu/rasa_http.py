"""Parse messages with a Rasa server over HTTP, falling back to another parser when it fails."""

import logging
from types import TracebackType

import httpx

from nlu.interface import NluParser
from nlu.result import ParseResult, ParseResultError

logger = logging.getLogger(__name__)

# A chat answer waits for this: long enough for a busy Rasa, short enough to fall back in time.
DEFAULT_TIMEOUT = 3.0
PARSE_PATH = "/model/parse"


class RasaUnavailableError(RuntimeError):
    """The Rasa server did not answer usefully and no fallback parser was given."""


class RasaHttpParser:
    """Call `POST {url}/model/parse` and return its answer as a ParseResult."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        fallback: NluParser | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/") + PARSE_PATH
        self.fallback = fallback
        # One client for the life of the parser: connections are pooled and kept alive.
        self._client = client or httpx.Client(timeout=timeout)
        self._owns_client = client is None

    def parse(self, text: str) -> ParseResult:
        """Ask Rasa; on a network error, a timeout, an error status or a bad answer, fall back."""
        try:
            response = self._client.post(self.url, json={"text": text})
            response.raise_for_status()
            return ParseResult.from_dict(response.json(), text=text)
        except (httpx.HTTPError, ValueError) as error:
            # ParseResultError and JSON decoding errors are ValueErrors too.
            reason = _describe(error)
            if self.fallback is None:
                msg = f"Rasa at {self.url} failed: {reason}"
                raise RasaUnavailableError(msg) from error
            logger.warning("Rasa at %s failed (%s); using the fallback parser", self.url, reason)
            return self.fallback.parse(text)

    def close(self) -> None:
        """Close the HTTP client if this parser created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> "RasaHttpParser":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _describe(error: Exception) -> str:
    """Return a short reason for a failed call, for the log."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, ParseResultError):
        return f"unexpected answer: {error}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
