"""10 requests per 60 s per client address and endpoint, with a JSON 429 (CONTRACT.md §4)."""

from __future__ import annotations

import logging

import pytest
import time_machine
from django.test import Client

from django_authsession import cookies, security
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, create_session
from tests.helpers import NULL_ANSWER, SIGN_IN_URL, run_checks, sign_in

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
        sign_in(client, user.email, "wrong-password")
    response = sign_in(client, user.email, "correct-horse-battery")
    assert response.status_code == 429
    assert not response.cookies


def test_keyed_on_the_endpoint_not_the_path(client) -> None:
    """The same endpoint under another SCRIPT_NAME (a path prefix) shares one bucket."""
    hit(client, n=5)
    for _ in range(5):
        assert client.get(URL, REMOTE_ADDR="203.0.113.1", SCRIPT_NAME="/app").status_code == 200
    assert client.get(URL, REMOTE_ADDR="203.0.113.1", SCRIPT_NAME="/other").status_code == 429


def test_guesses_under_fresh_script_name_prefixes_share_the_sign_in_bucket(
    settings, client, user
) -> None:
    """A proxy that takes ``SCRIPT_NAME`` from a header: a fresh prefix per guess is still one
    bucket, so the guess after the tenth is refused, even with the right password."""
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None  # the per-address limit alone

    def guess(password: str, prefix: str):
        body = {"email": user.email, "password": password}
        return client.post(SIGN_IN_URL, body, content_type="application/json", SCRIPT_NAME=prefix)

    for i in range(10):
        assert guess("wrong-password", f"/r{i}").status_code == 401
    response = guess(DEFAULT_PASSWORD, "/r10")
    assert response.status_code == 429
    assert not response.cookies


def test_reads_by_a_valid_session_are_not_counted(signed_in) -> None:
    client, _, token = signed_in
    for _ in range(30):
        assert client.get(URL, REMOTE_ADDR="203.0.113.1").json()["session"]["token"] == token


def test_probing_is_counted_and_does_not_lock_out_valid_sessions(signed_in) -> None:
    client, _, token = signed_in
    prober = Client()
    prober.cookies[cookies.token_cookie_name()] = sign_cookie_value("x" * 32)  # unknown token
    assert hit(prober, n=10).json() == NULL_ANSWER
    assert hit(prober).status_code == 429
    assert hit(Client()).status_code == 429  # no cookie at all: the same address's counter
    assert hit(client).json()["session"]["token"] == token  # the office colleague


def test_session_reads_can_be_counted_per_session(settings, user) -> None:
    settings.AUTHSESSION_RATE_LIMIT_SESSION_READS = "session"
    settings.AUTHSESSION_RATE_LIMITS = {"/session": "3/60s"}
    first, second = Client(), Client()
    for browser in (first, second):
        _, token = create_session(user)
        browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    assert hit(first, n=3).status_code == 200
    assert hit(first).status_code == 429
    assert hit(second).status_code == 200  # same address, another session


def test_rate_limit_block_is_logged(client, caplog) -> None:
    caplog.set_level(logging.WARNING, logger=security.logger.name)
    hit(client, n=11)
    events = [r for r in caplog.records if getattr(r, "event", None) == security.RATE_LIMITED]
    assert len(events) == 1


@pytest.mark.parametrize(
    ("setting", "value", "check_id", "named"),
    [
        ("AUTHSESSION_DEFAULT_RATE_LIMIT", "5 per minute", "E010", "'5 per minute'"),
        ("AUTHSESSION_RATE_LIMITS", {"/sign-in/email": "5 per minute"}, "E010", "'5 per minute'"),
        ("AUTHSESSION_RATE_LIMITS", {"sign-in/email": "5/m"}, "E011", "'sign-in/email'"),
        ("AUTHSESSION_RATE_LIMITS", {"*": "5/m"}, "E011", "'*'"),
        ("AUTHSESSION_RATE_LIMIT_SESSION_READS", "user", "E012", "'user'"),
    ],
)
def test_rate_settings_are_checked_at_start_up(
    settings, setting: str, value: object, check_id: str, named: str
) -> None:
    setattr(settings, setting, value)
    errors = [m for m in run_checks() if m.id == f"django_authsession.{check_id}"]
    assert len(errors) == 1
    assert named in errors[0].msg


def test_documented_rate_settings_pass_the_checks(settings) -> None:
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "10/60s"
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-in/email": "5/m", "/get-session": None}
    assert not [m for m in run_checks() if m.id and m.id.startswith("django_authsession.E01")]
