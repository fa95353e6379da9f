import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_authsession.client_ip import get_client_ip, rate_limit_ip
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import origin_client


@pytest.fixture
def request_from():
    factory = RequestFactory()

    def make(remote: str, forwarded: str | None = None):
        extra: dict[str, Any] = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return factory.get("/", **extra)

    return make


def test_remote_addr_without_trusted_proxies(request_from) -> None:
    assert get_client_ip(request_from("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


def test_forwarded_walked_right_to_left_through_trusted_proxies(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1"]
    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.7, 192.168.1.1")
    # 6.6.6.6 was written by the client itself: only the hops our proxies added count.
    assert get_client_ip(request) == "203.0.113.7"


def test_untrusted_peer_cannot_spoof(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert get_client_ip(request_from("203.0.113.9", "1.1.1.1")) == "203.0.113.9"


def test_garbage_forwarded_header_stops_the_walk(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert get_client_ip(request_from("10.0.0.1", "not-an-ip")) == "10.0.0.1"
    assert get_client_ip(request_from("10.0.0.1", "")) == "10.0.0.1"


def test_invalid_remote_addr_is_empty(request_from) -> None:
    assert get_client_ip(request_from("nonsense")) == ""


def test_ipv6_rate_limit_key_is_the_slash_64() -> None:
    assert rate_limit_ip("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert rate_limit_ip("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert rate_limit_ip("203.0.113.1") == "203.0.113.1"
    assert rate_limit_ip("::ffff:203.0.113.1") == "203.0.113.1"


def test_unix_socket_peer_is_not_trusted_by_default(request_from) -> None:
    assert get_client_ip(request_from("", "203.0.113.8")) == ""


def test_unix_socket_peer_trusted_as_a_proxy_with_the_setting(settings, request_from) -> None:
    settings.AUTHSESSION_TRUST_UNIX_SOCKET_PROXY = True
    assert get_client_ip(request_from("", "6.6.6.6, 203.0.113.8")) == "203.0.113.8"
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]  # socket -> 10.0.0.5 -> client
    assert get_client_ip(request_from("", "203.0.113.9, 10.0.0.5")) == "203.0.113.9"
    assert get_client_ip(request_from("", "")) == ""  # a proxy that forwarded nothing
    assert get_client_ip(request_from("nonsense", "203.0.113.8")) == ""  # not a socket


def test_malformed_trusted_proxy_entries_trust_nothing(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8", "not-a-network"]  # E008 at start-up
    assert get_client_ip(request_from("10.0.0.1", "203.0.113.7")) == "203.0.113.7"


@pytest.mark.django_db
@pytest.mark.parametrize("remote", ["", "nonsense"])
def test_without_a_client_address_rate_limited_endpoints_refuse(client, remote: str) -> None:
    """Not one bucket shared by everyone behind the socket: a clear refusal instead."""
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": "a@example.com", "password": "whatever-it-is"},
        content_type="application/json",
        REMOTE_ADDR=remote,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "UNKNOWN_CLIENT_ADDRESS"


@pytest.mark.django_db
def test_unix_socket_clients_get_buckets_of_their_own(settings, client) -> None:
    settings.AUTHSESSION_TRUST_UNIX_SOCKET_PROXY = True
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-out": "2/60s"}
    for _ in range(3):
        last = client.post("/api/auth/sign-out", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert last.status_code == 429
    other = client.post("/api/auth/sign-out", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert other.status_code == 200


@pytest.mark.django_db
def test_behind_a_unix_socket_one_client_cannot_lock_others_out_of_sign_in(settings, user) -> None:
    """Every request arrives with an empty ``REMOTE_ADDR``; the proxy names the client."""
    settings.AUTHSESSION_TRUST_UNIX_SOCKET_PROXY = True
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None  # the per-address limit alone

    def attempt(password: str, client_address: str):
        return origin_client().post(
            "/api/auth/sign-in/email",
            {"email": user.email, "password": password},
            content_type="application/json",
            REMOTE_ADDR="",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    for _ in range(10):
        assert attempt("wrong-guess", "203.0.113.66").status_code == 401
    assert attempt(DEFAULT_PASSWORD, "203.0.113.66").status_code == 429
    assert attempt(DEFAULT_PASSWORD, "198.51.100.20").status_code == 200


# The reproduction: nginx appends the peer it saw to whatever the client sent.
PROXY = "10.0.0.2"
REAL_CLIENT = "203.0.113.50"


def _long_forged_header(forged: str) -> str:
    """What nginx forwards for a client that sent a 4 KiB ``X-Forwarded-For`` ending in an
    address of its choice: the client's header, then the address nginx saw."""
    return f"{forged.rjust(4096)}, {REAL_CLIENT}"


@pytest.mark.django_db
def test_a_long_forwarded_header_cannot_push_out_the_address_our_proxy_appended(
    settings, user
) -> None:
    """Thirty wrong sign-ins, each claiming a fresh address at the end of a 4 KiB header, are
    one client to the rate limit: the eleventh is refused."""
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None  # the per-address limit alone
    statuses = []
    for i in range(30):
        response = origin_client().post(
            "/api/auth/sign-in/email",
            {"email": user.email, "password": "wrong-guess"},
            content_type="application/json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=_long_forged_header(f"6.6.{i}.1"),
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}


@pytest.mark.django_db
def test_the_session_stores_the_address_our_proxy_appended(settings, user) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = origin_client().post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=_long_forged_header("6.6.6.6"),
    )
    assert response.status_code == 200
    assert Session.objects.get().ip_address == REAL_CLIENT


TRUSTED_NET = ipaddress.ip_network("10.0.0.0/8")


def _untrusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    plain = getattr(address, "ipv4_mapped", None) or address
    return plain not in TRUSTED_NET


client_addresses = st.ip_addresses().filter(_untrusted)
proxy_addresses = st.ip_addresses(network="10.0.0.0/8")
# What a client may put in front: any text (commas, garbage, addresses, trusted-looking
# addresses), of any length.
client_prefixes = st.one_of(
    st.text(),
    st.lists(st.one_of(st.ip_addresses().map(str), st.text(max_size=8)), max_size=300).map(
        ", ".join
    ),
    st.tuples(st.text(max_size=4), st.integers(0, 20_000), st.text(max_size=50)).map(
        lambda t: t[0] * t[1] + t[2]
    ),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    prefix=client_prefixes,
    client=client_addresses,
    hops=st.lists(proxy_addresses, min_size=1, max_size=5),
)
def test_whatever_a_client_sends_the_address_is_the_one_the_trusted_chain_appended(
    prefix: str, client: Any, hops: list[Any]
) -> None:
    """Proxies ``hops[0]`` .. ``hops[-1]`` each append the address they received from; the last
    one connects to the app. The client controls only what comes before its own address."""
    header = ", ".join([prefix, str(client), *(str(hop) for hop in hops[:-1])])
    request = RequestFactory().get("/", REMOTE_ADDR=str(hops[-1]), HTTP_X_FORWARDED_FOR=header)
    expected = getattr(client, "ipv4_mapped", None) or client
    with override_settings(AUTHSESSION_TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert get_client_ip(request) == str(expected)


def test_ipv4_mapped_peer_is_compared_as_ipv4(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["127.0.0.1"]
    assert get_client_ip(request_from("::ffff:127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # And the other way round: a mapped network trusts the IPv4 peer.
    settings.AUTHSESSION_TRUSTED_PROXIES = ["::ffff:10.0.0.0/104"]
    assert get_client_ip(request_from("10.1.2.3", "203.0.113.8")) == "203.0.113.8"


def test_ipv4_mapped_addresses_are_stored_and_keyed_as_ipv4(settings, request_from) -> None:
    assert get_client_ip(request_from("::ffff:203.0.113.9")) == "203.0.113.9"
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert get_client_ip(request_from("10.0.0.1", "::ffff:198.51.100.4")) == "198.51.100.4"
    assert rate_limit_ip("::ffff:198.51.100.4") == rate_limit_ip("198.51.100.4")


def test_a_hop_longer_than_an_address_stops_the_walk(settings, request_from) -> None:
    settings.AUTHSESSION_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert get_client_ip(request_from("10.0.0.1", f"1.2.3.4, {'a' * 100}, 10.0.0.9")) == "10.0.0.9"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _DualStackServer(WSGIServer):
    """An IPv6 socket that also accepts IPv4 (``IPV6_V6ONLY`` off), as gunicorn and uvicorn
    open one for ``[::]``: IPv4 peers arrive as ``::ffff:a.b.c.d``. Bound to the IPv4-mapped
    loopback address, so it listens on loopback only."""

    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


@pytest.fixture
def dual_stack_app() -> Iterator[str]:
    """Django served on a dual-stack socket; the URL to reach it over IPv4."""
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6 support")
    try:
        server = _DualStackServer(("::ffff:127.0.0.1", 0), _QuietHandler)
    except OSError as exc:
        pytest.skip(f"no dual-stack socket on this machine: {exc}")
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_proxy_seen_on_a_dual_stack_socket_is_trusted(settings, dual_stack_app) -> None:
    """nginx on 127.0.0.1 in front of an app server listening on ``[::]``: the peer is
    ``::ffff:127.0.0.1``, and each client still gets its own bucket."""
    settings.AUTHSESSION_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-out": "2/60s"}

    def sign_out(client_address: str) -> int:
        request = Request(
            f"{dual_stack_app}/api/auth/sign-out",
            data=b"{}",
            headers={"Content-Type": "application/json", "X-Forwarded-For": client_address},
            method="POST",
        )
        try:
            with urlopen(request, timeout=10) as response:
                return int(response.status)
        except OSError as exc:  # urllib's HTTPError for a 429
            return int(getattr(exc, "code", 0))

    assert [sign_out("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert sign_out("203.0.113.2") == 200  # another client, another bucket
