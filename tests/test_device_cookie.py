"""The device cookie (OWASP "device cookies"): every successful sign-in marks the browser with
a signed, HttpOnly tag for the account, which later sign-ins from that browser can prove."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.utils.module_loading import import_string

from django_authsession import auth
from django_authsession.conf import app_settings
from django_authsession.device_cookie import (
    Device,
    device_cookie_name,
    read_device,
    remember_device,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import origin_client, sign_in, sign_up

pytestmark = pytest.mark.django_db

VALUE = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22}(?:,[A-Za-z0-9_-]{22}){0,4})")
YEAR = 365 * 24 * 60 * 60


def expected_tag(secret: str, device_id: str, user: Any) -> str:
    """The agreed tag, computed independently of the module."""
    digest = hmac.new(
        secret.encode(), f"authsession.device|{device_id}|{user.pk}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def device_of(response: Any) -> tuple[str, list[str]]:
    morsel = response.cookies[device_cookie_name()]
    match = VALUE.fullmatch(morsel.value)
    assert match is not None, morsel.value
    return match[1], match[2].split(",")


def email_of(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


def test_sign_in_sets_a_signed_httponly_device_cookie(client, user) -> None:
    response = sign_in(client, email_of(user))
    assert response.status_code == 200
    name = device_cookie_name()
    assert name == "__Secure-better-auth.device"  # secure cookies (DEBUG off)
    morsel = response.cookies[name]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["path"] == "/"
    assert morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == YEAR
    device_id, tags = device_of(response)
    assert tags == [expected_tag(app_settings.SECRET, device_id, user)]


def test_plain_name_without_secure_cookies(settings, client, user) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    response = sign_in(client, email_of(user))
    assert "better-auth.device" in response.cookies
    assert not response.cookies["better-auth.device"]["secure"]


def test_max_age_setting(settings, client, user) -> None:
    settings.AUTHSESSION_DEVICE_COOKIE_MAX_AGE = 3600
    response = sign_in(client, email_of(user))
    assert int(response.cookies[device_cookie_name()]["max-age"]) == 3600


def test_a_failed_sign_in_sets_no_device_cookie(client, user) -> None:
    response = sign_in(client, email_of(user), "wrong-password")
    assert response.status_code == 401
    assert device_cookie_name() not in response.cookies


def test_the_browser_keeps_its_device_id_and_collects_tags_newest_first(client) -> None:
    users = UserFactory.create_batch(7)
    first = sign_in(client, email_of(users[0]))
    device_id, _tags = device_of(first)
    for user in users[1:]:
        assert sign_in(client, email_of(user)).status_code == 200
    again, tags = device_of(sign_in(client, email_of(users[3])))
    assert again == device_id
    # At most five, newest first; signing in again moves the account's tag to the front.
    newest = [users[3], users[6], users[5], users[4], users[2]]
    assert tags == [expected_tag(app_settings.SECRET, device_id, u) for u in newest]


def test_sign_up_and_change_password_set_it(client, db) -> None:
    response = sign_up(client, "device-sign-up@example.com")
    assert response.status_code == 200
    device_id, _ = device_of(response)
    changed = client.post(
        "/api/auth/change-password",
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "another-good-password"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert device_of(changed)[0] == device_id


@pytest.mark.urls("tests.project_admin")
def test_djangos_own_login_sets_it(db) -> None:
    """The admin's login form (Django's ``login()``) marks the browser as well."""
    staff: Any = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    response = browser.post(
        "/project-admin/login/",
        {"username": staff.get_username(), "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    device_id, tags = device_of(response)
    assert tags == [expected_tag(app_settings.SECRET, device_id, staff)]


def _request_with(value: str | None) -> Any:
    request = RequestFactory().get("/")
    if value is not None:
        request.COOKIES[device_cookie_name()] = value
    return request


def test_knows_only_its_own_accounts_with_a_genuine_tag(user) -> None:
    other = UserFactory()
    device_id = "A" * 22
    tag = expected_tag(app_settings.SECRET, device_id, user)
    device = read_device(_request_with(f"{device_id}.{tag}"))
    assert device is not None and device.device_id == device_id
    assert device.knows(user)
    assert not device.knows(other)
    forged = tag[:-1] + ("A" if tag[-1] != "A" else "B")
    assert not read_device(_request_with(f"{device_id}.{forged}")).knows(user)  # type: ignore[union-attr]
    # A tag is bound to its device id: copied to another id it proves nothing.
    assert not read_device(_request_with(f"{'B' * 22}.{tag}")).knows(user)  # type: ignore[union-attr]


def test_fallback_secrets_still_verify(settings, user) -> None:
    device_id = "C" * 22
    old_tag = expected_tag(app_settings.SECRET, device_id, user)
    settings.AUTHSESSION_SECRET = "a-brand-new-secret-0123456789-abcdefghijklmnop"
    settings.AUTHSESSION_SECRET_FALLBACKS = [settings.SECRET_KEY]
    device = read_device(_request_with(f"{device_id}.{old_tag}"))
    assert device is not None and device.knows(user)
    settings.AUTHSESSION_SECRET_FALLBACKS = []
    assert not Device(device_id, (old_tag,)).knows(user)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "short.tag",
        "A" * 22,
        "A" * 22 + ".",
        "A" * 22 + "." + "B" * 21,
        "A" * 22 + "." + ",".join(["B" * 22] * 6),  # more than five tags
        "A" * 22 + ".B" + "!" * 21,
        "A" * 22 + "." + "B" * 22 + ",",
        "x" * 5000,
    ],
)
def test_malformed_cookies_are_no_device(value: str) -> None:
    assert read_device(_request_with(value)) is None


def test_remember_device_is_stored_on_the_request_and_says_whether_it_is_new(user) -> None:
    request = RequestFactory().get("/")
    first = remember_device(request, None, user)
    assert request.authsession_device is first  # type: ignore[attr-defined]
    assert first.is_new_for_user
    assert remember_device(request, None, user) is first  # once per request
    later = RequestFactory().get("/")
    later.COOKIES[device_cookie_name()] = first.value
    second = remember_device(later, None, user)
    assert second.device_id == first.device_id
    assert not second.is_new_for_user
    third = remember_device(later, None, UserFactory())
    assert third.is_new_for_user and third.device_id == first.device_id


def test_app_login_leaves_the_device_on_the_request(user) -> None:
    middleware = import_string("django_authsession.middleware.AuthSessionMiddleware")

    def view(request: Any) -> Any:
        from django.http import HttpResponse

        auth.login(request, user)
        assert request.authsession_device.knows(user)
        return HttpResponse("ok")

    request: Any = RequestFactory().get("/")
    response = middleware(view)(request)
    device_id, _ = device_of(response)
    assert device_id == request.authsession_device.device_id


def test_the_cookie_value_survives_a_real_round_trip(user) -> None:
    """The comma makes Django quote the value; the browser's copy reads back the same."""
    browser = origin_client()
    first = device_of(sign_in(browser, email_of(user)))
    second = device_of(sign_in(browser, email_of(UserFactory())))
    assert second[0] == first[0]
    third = device_of(sign_in(browser, email_of(user)))
    assert third[0] == first[0] and len(third[1]) == 2
    assert get_user_model().objects.count() == 2
