from typing import Any

import pytest
from django.test import RequestFactory

from django_authsession.client_ip import get_client_ip, rate_limit_ip
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
