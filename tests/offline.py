"""Keep the tests off the network: any connection to a non-loopback address fails the test.

The equivalent of python-telegram-bot's `OfflineRequest`, one level lower so that it holds for
every client (httpx, PTB, the Twilio SDK, psycopg): fakes and databases live on 127.0.0.1.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", ""})


class NetworkAccessError(AssertionError):
    """A test tried to reach a real network address."""


def is_local(host: object) -> bool:
    """Tell whether a host (a name or an address) is this machine."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.casefold() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def offline() -> Iterator[None]:
    """Refuse, for the duration of the block, every connection and lookup off this machine."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(method: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(self: socket.socket, address: Any, *args: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
                msg = f"a test tried to reach {address[0]}:{address[1]}: use a loopback fake"
                raise NetworkAccessError(msg)
            return method(self, address, *args)

        return guarded

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_local(host):
            msg = f"a test tried to look up {host!r}: use a loopback fake"
            raise NetworkAccessError(msg)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guard(real_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guard(real_connect_ex)  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo
