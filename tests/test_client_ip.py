from typing import Any

import pytest
from django.test import RequestFactory

from django_authsession.client_ip import get_client_ip, rate_limit_ip


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
