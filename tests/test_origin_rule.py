"""The Origin rule on every unsafe auth endpoint (CONTRACT.md §4): whenever a request carries a
session cookie or an Origin/Referer header, the origin must be the site's own or trusted. This
also stops login CSRF: a cross-site form cannot sign a browser into another account."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from django_authsession import cookies, security
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import SIGN_IN_URL, SIGN_UP_URL, origin_client, sign_in

pytestmark = pytest.mark.django_db
CROSS_SITE = [("https://evil.example", "INVALID_ORIGIN"), ("null", "MISSING_OR_NULL_ORIGIN")]


@pytest.mark.parametrize(("origin", "code"), CROSS_SITE)
def test_cross_site_form_post_to_sign_in_is_refused(user, origin: str, code: str) -> None:
    client = origin_client(origin)
    response = client.post(SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert not response.cookies
    assert not Session.objects.exists()


@pytest.mark.parametrize(("origin", "code"), CROSS_SITE)
def test_cross_site_form_post_to_sign_up_is_refused(db, origin: str, code: str) -> None:
    client = origin_client(origin)
    body = {"name": "Mallory", "email": "mallory@example.com", "password": "long-enough-42"}
    response = client.post(SIGN_UP_URL, body)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert not response.cookies
    assert not get_user_model().objects.filter(email="mallory@example.com").exists()


@pytest.mark.parametrize(("origin", "code"), CROSS_SITE)
def test_cross_site_urlencoded_form_gets_no_session(user, origin: str, code: str) -> None:
    """An HTML form's default encoding, as a cross-site page would post it."""
    body = urlencode({"email": user.email, "password": DEFAULT_PASSWORD})
    response = origin_client(origin).post(
        SIGN_IN_URL, body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert not response.cookies
    assert not Session.objects.exists()


def test_cross_site_referer_alone_is_refused(user) -> None:
    client = origin_client(None, HTTP_REFERER="https://evil.example/login")
    response = client.post(SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403 and not response.cookies


def test_no_cookie_and_no_origin_header_is_allowed(user) -> None:
    """curl and mobile apps send neither; they cannot be a browser's cross-site request."""
    response = sign_in(origin_client(None), user.email)
    assert response.status_code == 200
    assert cookies.token_cookie_name() in response.cookies


def test_same_site_form_post_signs_in(user) -> None:
    client = origin_client()
    response = client.post(SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_drf_view_without_session_applies_the_same_rule(db) -> None:
    response = origin_client("https://evil.example").post("/api/me/")
    assert response.status_code == 403  # in the project's own error format
    assert origin_client(None).post("/api/me/").status_code == 401


def test_refusal_is_logged(user, caplog) -> None:
    caplog.set_level(logging.WARNING, logger=security.logger.name)
    origin_client("https://evil.example").post(SIGN_IN_URL, {"email": user.email, "password": "x"})
    events = [r for r in caplog.records if getattr(r, "event", None) == security.ORIGIN_REFUSED]
    assert len(events) == 1
    assert "INVALID_ORIGIN" in events[0].getMessage()


def _refusal_line(caplog, client, **extra) -> str:
    caplog.clear()
    caplog.set_level(logging.WARNING, logger=security.logger.name)
    client.post(SIGN_IN_URL, {"email": "a@example.com", "password": "x"}, **extra)
    events = [r for r in caplog.records if getattr(r, "event", None) == security.ORIGIN_REFUSED]
    assert len(events) == 1
    return events[0].getMessage()


def test_refusal_log_names_the_refused_origin(db, caplog) -> None:
    """The operator's fix is CSRF_TRUSTED_ORIGINS: the line says which origin to add."""
    message = _refusal_line(caplog, origin_client("https://App.Example.com:8443"))
    assert "header=Origin origin=https://app.example.com:8443" in message
    assert "code=INVALID_ORIGIN" in message


def test_refusal_log_keeps_only_the_origin_of_a_referer(db, caplog) -> None:
    """A Referer's path and query may carry a token, its userinfo a password: never logged."""
    referer = "https://user:secret@evil.example/reset?token=s3cr3t-t0ken#frag"
    message = _refusal_line(caplog, origin_client(None), HTTP_REFERER=referer)
    assert "header=Referer origin=https://evil.example" in message
    for secret in ("s3cr3t-t0ken", "secret", "reset", "user"):
        assert secret not in message


def test_refusal_log_cannot_be_forged_by_the_header(db, caplog) -> None:
    message = _refusal_line(caplog, origin_client("https://evil.example\r\nFAKE event=x y"))
    assert "\n" not in message and " event=x" not in message
    assert "origin=https://evil.example" in message
    assert "origin=null" in _refusal_line(caplog, origin_client("null"))
    with_cookie = origin_client(None)
    with_cookie.cookies[cookies.token_cookie_name()] = "x"
    assert "header=- origin=-" in _refusal_line(caplog, with_cookie)
