"""Failed sign-ins are limited per account, across client addresses, without revealing
whether the account exists."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/auth/sign-in/email"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "100/60s"  # the per-address limit stays out of it


def attempt(email: str, password: str, address: str):
    return Client(HTTP_ORIGIN="http://testserver").post(
        URL, {"email": email, "password": password}, content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_failures_from_many_addresses_lock_the_account(user) -> None:
    for i in range(3):
        assert attempt(user.email, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    blocked = attempt(user.email, DEFAULT_PASSWORD, "198.51.100.7")  # even the right password
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "TOO_MANY_REQUESTS"
    assert int(blocked["Retry-After"]) > 0
    assert "token" not in blocked.json()


def test_the_email_is_normalised(user) -> None:
    variants = [user.email.upper(), f"  {user.email}", user.email.title()]
    for i, email in enumerate(variants):
        assert attempt(email, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    assert attempt(user.email, DEFAULT_PASSWORD, "198.51.100.7").status_code == 429


def test_an_unknown_account_answers_exactly_like_a_known_one(user) -> None:
    def answers(email: str) -> list[tuple[int, dict]]:
        return [
            (r.status_code, r.json())
            for r in (attempt(email, "wrong-guess", f"203.0.113.{i}") for i in range(1, 6))
        ]

    assert answers(user.email) == answers("nobody-here@example.com")


def test_other_accounts_are_not_affected(user) -> None:
    for i in range(3):
        attempt("someone-else@example.com", "wrong-guess", f"203.0.113.{i + 1}")
    assert attempt(user.email, DEFAULT_PASSWORD, "203.0.113.1").status_code == 200


def test_successes_are_not_counted(user) -> None:
    for i in range(5):
        assert attempt(user.email, DEFAULT_PASSWORD, f"203.0.113.{i + 1}").status_code == 200


def test_none_turns_it_off(settings, user) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None
    for i in range(5):
        attempt(user.email, "wrong-guess", f"203.0.113.{i + 1}")
    assert attempt(user.email, DEFAULT_PASSWORD, "198.51.100.7").status_code == 200
