"""10 requests per 60 s per client IP and path, with a JSON 429 (CONTRACT.md §4)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

pytestmark = pytest.mark.django_db
URL = "/api/auth/session"


def hit(client: Client, url: str = URL, ip: str = "203.0.113.1", n: int = 1):
    response = None
    for _ in range(n):
        response = client.get(url, REMOTE_ADDR=ip)
    return response


def test_eleventh_request_in_a_minute_is_429(client) -> None:
    assert hit(client, n=10).status_code == 200
    response = hit(client)
    assert response.status_code == 429
    assert response.json() == {
        "message": "Too many requests. Please try again later.",
        "code": "TOO_MANY_REQUESTS",
    }
    retry = int(response["Retry-After"])
    assert 1 <= retry <= 60
    assert response["X-Retry-After"] == response["Retry-After"]


def test_counted_per_ip_and_per_path(client) -> None:
    hit(client, n=10)
    assert hit(client).status_code == 429
    assert hit(client, ip="203.0.113.2").status_code == 200
    assert hit(client, url="/api/auth/get-session").status_code == 200


def test_window_passes(client) -> None:
    with time_machine.travel("2026-01-01 12:00:00", tick=False):
        hit(client, n=10)
        assert hit(client).status_code == 429
    with time_machine.travel("2026-01-01 12:01:01", tick=False):
        assert hit(client).status_code == 200


def test_per_path_rules_and_switching_off(settings, client) -> None:
    settings.AUTHSESSION_RATE_LIMITS = {"/session": "2/60s", "/get-session": None}
    hit(client, n=2)
    assert hit(client).status_code == 429
    assert hit(client, url="/api/auth/get-session", n=30).status_code == 200


def test_sign_in_is_limited_before_credentials_are_checked(client, user) -> None:
    for _ in range(10):
        client.post(
            "/api/auth/sign-in/email",
            {"email": user.email, "password": "wrong-password"},
            content_type="application/json",
        )
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": "correct-horse-battery"},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert not response.cookies
