"""The network guard: loopback works, anything else fails the test that tries it."""

import re
import socket

import httpx
import pytest

from tests.offline import NetworkAccessError, is_local


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.8.9.10"])
def test_loopback_is_local(host: str) -> None:
    assert is_local(host)


@pytest.mark.parametrize("host", ["192.0.2.1", "api.telegram.org", "8.8.8.8", "2001:db8::1"])
def test_anything_else_is_not(host: str) -> None:
    assert not is_local(host)


def test_a_real_address_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(NetworkAccessError, match=re.escape("192.0.2.1")):
        sock.connect(("192.0.2.1", 443))


def test_a_lookup_of_a_real_name_fails_the_test() -> None:
    with pytest.raises(NetworkAccessError, match=re.escape("api.twilio.com")):
        socket.getaddrinfo("api.twilio.com", 443)


async def test_an_http_client_cannot_reach_a_provider() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(NetworkAccessError):
            await client.get("https://api.telegram.org/bot1:x/getMe")


def test_loopback_still_connects() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
