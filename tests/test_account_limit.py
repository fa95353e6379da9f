"""Failed sign-ins are limited per account, across client addresses, without revealing
whether the account exists."""

from __future__ import annotations

import pytest
from django.test import Client

from django_authsession.device_cookie import device_cookie_name
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/auth/sign-in/email"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "100/60s"  # the per-address limit stays out of it


def attempt(email: str, password: str, address: str):
    return Client(HTTP_ORIGIN="http://testserver").post(
        URL,
        {"email": email, "password": password},
        content_type="application/json",
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


# The owner's known browser (OWASP "device cookies").


def owners_browser(user, address: str = "192.0.2.10") -> Client:
    """A browser the owner has signed in from before: it holds the account's device tag."""
    browser = Client(HTTP_ORIGIN="http://testserver")
    response = browser.post(
        URL,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    assert response.status_code == 200
    assert device_cookie_name() in browser.cookies
    browser.post("/api/auth/sign-out", REMOTE_ADDR=address)  # signed out; the device stays
    return browser


def from_browser(browser: Client, email: str, password: str, address: str = "192.0.2.10"):
    return browser.post(
        URL,
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def lock(email: str, times: int = 3) -> None:
    for i in range(times):
        assert attempt(email, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    assert attempt(email, DEFAULT_PASSWORD, "198.51.100.7").status_code == 429


def test_the_owners_known_browser_signs_in_during_a_lockout(user) -> None:
    browser = owners_browser(user)
    lock(user.email)  # others' guesses lock the account for every unknown browser ...
    response = from_browser(browser, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200, response.content  # ... not for the owner's
    assert attempt(user.email, DEFAULT_PASSWORD, "198.51.100.8").status_code == 429


def test_a_known_browser_has_a_limit_of_its_own(settings, user) -> None:
    """A stolen device cookie cannot guess forever: once its own failures are used up it counts
    against the account like any browser."""
    settings.AUTHSESSION_DEVICE_FAILURE_LIMIT = "2/900s"
    browser = owners_browser(user)
    for _ in range(2):
        assert from_browser(browser, user.email, "wrong-guess").status_code == 401
    # Its own failures did not touch the account's counter: others still sign in.
    assert attempt(user.email, DEFAULT_PASSWORD, "198.51.100.7").status_code == 200
    for _ in range(3):  # now counted against the account (limit 3)
        assert from_browser(browser, user.email, "wrong-guess").status_code == 401
    assert from_browser(browser, user.email, DEFAULT_PASSWORD).status_code == 429
    assert attempt(user.email, DEFAULT_PASSWORD, "198.51.100.8").status_code == 429


def test_another_accounts_or_a_forged_device_tag_is_no_exemption(user) -> None:
    other = UserFactory()
    browser = owners_browser(other)  # a real device cookie, for another account
    lock(user.email)
    assert from_browser(browser, user.email, DEFAULT_PASSWORD).status_code == 429
    value = browser.cookies[device_cookie_name()].value
    device_id = value.split(".")[0]
    forged = Client(HTTP_ORIGIN="http://testserver")
    forged.cookies[device_cookie_name()] = f"{device_id}.{'A' * 22}"
    assert from_browser(forged, user.email, DEFAULT_PASSWORD).status_code == 429


def test_none_counts_known_browsers_against_the_account(settings, user) -> None:
    settings.AUTHSESSION_DEVICE_FAILURE_LIMIT = None
    browser = owners_browser(user)
    lock(user.email)
    assert from_browser(browser, user.email, DEFAULT_PASSWORD).status_code == 429


def test_a_lockout_keyed_on_the_account_not_on_how_its_email_is_spelled(user) -> None:
    """Failures under any spelling the lookup resolves to the account share its counter."""
    for i, email in enumerate([user.email, user.email.upper(), f" {user.email.title()} "]):
        assert attempt(email, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    assert attempt(user.email.upper(), DEFAULT_PASSWORD, "198.51.100.7").status_code == 429
