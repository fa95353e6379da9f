"""Every password check Django makes counts: the admin's login form, ``LoginView`` and any
call of ``authenticate()`` share the sign-in endpoint's per-address and per-account limits
(``FailureLimitBackend`` first in ``AUTHENTICATION_BACKENDS``), and a locked form answers with
its usual error."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aauthenticate, authenticate
from django.http import HttpRequest, JsonResponse
from django.test import Client, RequestFactory

from django_authsession.middleware import AuthSessionMiddleware
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.project_admin")]
ADMIN_LOGIN = "/project-admin/login/"
SIGN_IN = "/api/auth/sign-in/email"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "1000/60s"  # per-address limits stay out of it


@pytest.fixture
def staff(db: None) -> Any:
    return UserFactory(is_staff=True, is_superuser=True)


def admin_login(user: Any, password: str, address: str = "203.0.113.5") -> Any:
    browser = Client()
    response: Any = browser.post(
        ADMIN_LOGIN,
        {"username": user.get_username(), "password": password, "next": "/project-admin/"},
        REMOTE_ADDR=address,
    )
    response.logged_in = "_auth_user_id" in browser.session
    return response


def api_sign_in(user: Any, password: str, address: str = "198.51.100.9") -> int:
    response = Client(HTTP_ORIGIN="http://testserver").post(
        SIGN_IN,
        {"email": user.email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    return response.status_code


def test_forty_guesses_at_the_admin_form_no_longer_get_through(staff) -> None:
    """The reproduction: 40 wrong guesses, then the right password logged in."""
    for i in range(40):
        guess = admin_login(staff, f"guess-{i}", address=f"203.0.{i // 200}.{i % 200 + 1}")
        assert guess.status_code == 200 and not guess.logged_in
    response = admin_login(staff, DEFAULT_PASSWORD, address="192.0.2.44")
    assert not response.logged_in
    # The admin's usual form error, not a 500 or a bare 403.
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]


def test_the_admin_form_and_the_api_share_the_account_counter(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    for i in range(3):
        assert not admin_login(staff, "wrong", address=f"203.0.113.{i + 1}").logged_in
    assert api_sign_in(staff, DEFAULT_PASSWORD) == 429


def test_api_failures_lock_the_admin_form(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    for i in range(3):
        assert api_sign_in(staff, "wrong", address=f"203.0.113.{i + 1}") == 401
    assert not admin_login(staff, DEFAULT_PASSWORD).logged_in


def test_admin_failures_count_against_the_address(settings, staff) -> None:
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-in/email": "3/60s"}
    other = UserFactory(is_staff=True)
    for _ in range(3):
        assert not admin_login(staff, "wrong", address="203.0.113.9").logged_in
    # That address has used up its sign-in bucket, for the form and for the endpoint ...
    assert not admin_login(other, DEFAULT_PASSWORD, address="203.0.113.9").logged_in
    assert api_sign_in(other, DEFAULT_PASSWORD, address="203.0.113.9") == 429
    # ... and only that address.
    assert admin_login(other, DEFAULT_PASSWORD, address="203.0.113.10").logged_in


def test_successful_logins_are_not_counted(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-in/email": "2/60s"}
    for _ in range(5):
        response = admin_login(staff, DEFAULT_PASSWORD)
        assert response.status_code == 302 and response.logged_in


def test_a_check_without_login_is_given_back(settings, staff) -> None:
    """``authenticate()`` alone (basic authentication of an API) is not counted when right."""
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"

    def view(request: HttpRequest) -> JsonResponse:
        user = authenticate(request, username=staff.get_username(), password=DEFAULT_PASSWORD)
        return JsonResponse({"ok": user is not None})

    endpoint = AuthSessionMiddleware(view)
    for _ in range(5):
        response = endpoint(RequestFactory().get("/", REMOTE_ADDR="203.0.113.3"))
        assert response.status_code == 200 and b'"ok": true' in response.content


def test_the_owners_known_browser_logs_in_to_the_admin_during_a_lockout(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    browser = Client()
    first = browser.post(
        ADMIN_LOGIN, {"username": staff.get_username(), "password": DEFAULT_PASSWORD}
    )
    assert first.status_code == 302  # Django's login() gave this browser the device cookie
    browser.post("/project-admin/logout/")
    for i in range(3):
        assert api_sign_in(staff, "wrong", address=f"203.0.113.{i + 1}") == 401
    assert not admin_login(staff, DEFAULT_PASSWORD).logged_in  # an unknown browser
    again = browser.post(
        ADMIN_LOGIN, {"username": staff.get_username(), "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 302 and "_auth_user_id" in browser.session


def test_our_endpoint_counts_a_failure_once(settings, user) -> None:
    """The endpoint counts its own check; Django's authenticate() inside it is not counted
    again, per account nor per address."""
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    settings.AUTHSESSION_RATE_LIMITS = {"/sign-in/email": "3/60s"}
    assert api_sign_in(user, "wrong", address="203.0.113.1") == 401
    assert api_sign_in(user, "wrong", address="203.0.113.1") == 401
    assert api_sign_in(user, DEFAULT_PASSWORD, address="203.0.113.2") == 429  # 2 of 2 used
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "100/900s"
    assert api_sign_in(user, DEFAULT_PASSWORD, address="203.0.113.1") == 200  # 3 of 3 used
    assert api_sign_in(user, DEFAULT_PASSWORD, address="203.0.113.1") == 429


def test_unknown_names_are_counted_and_refused_alike(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    for _ in range(2):
        response = admin_login(staff, "wrong")
        assert response.status_code == 200 and response.context["form"].errors
    ghost: Any = UserFactory.build()  # never saved: no such account
    answers = {admin_login(ghost, "wrong").status_code for _ in range(3)}
    assert answers == {200}


def test_authenticate_without_a_request_is_counted(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    name = staff.get_username()
    assert authenticate(None, username=name, password="wrong") is None
    assert authenticate(None, username=name, password="wrong") is None
    assert authenticate(None, username=name, password=DEFAULT_PASSWORD) is None  # locked


def test_aauthenticate_is_limited_as_well(settings, staff) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    name = staff.get_username()

    async def check(password: str) -> Any:
        request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.4")
        return await aauthenticate(request, username=name, password=password)

    assert async_to_sync(check)("wrong") is None
    assert async_to_sync(check)("wrong") is None
    assert async_to_sync(check)(DEFAULT_PASSWORD) is None  # locked


def test_a_refused_check_is_logged(settings, staff, caplog) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "1/900s"
    admin_login(staff, "wrong")
    with caplog.at_level("WARNING", logger="django_authsession.security"):
        assert not admin_login(staff, DEFAULT_PASSWORD).logged_in
    assert any("rate_limited" in r.getMessage() for r in caplog.records)
    assert DEFAULT_PASSWORD not in caplog.text
