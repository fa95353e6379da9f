"""AuthSessionMiddleware and the DRF authentication class in a project's own views."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from django_authsession import cookies
from django_authsession.tokens import sign_cookie_value
from tests.factories import create_session
from tests.helpers import origin_client, sign_in

pytestmark = pytest.mark.django_db


def test_drf_view_sees_the_session_user(signed_in) -> None:
    client, session, _ = signed_in
    response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {"email": session.user.email}


def test_drf_view_without_session_is_401(client) -> None:
    response = client.get("/api/me/")
    assert response.status_code == 401


def test_drf_unsafe_request_needs_origin(signed_in) -> None:
    _, session, token = signed_in
    client = Client()
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    assert client.post("/api/me/").status_code == 403
    ok = origin_client()
    ok.cookies = client.cookies
    assert ok.post("/api/me/").json() == {"email": session.user.email, "posted": True}


def test_vary_cookie_when_a_session_cookie_is_presented(signed_in) -> None:
    client, _, _ = signed_in
    assert "Cookie" in client.get("/api/ping/")["Vary"]


def test_no_cookie_no_vary_and_no_queries(client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/api/ping/")
    assert "Vary" not in response or "Cookie" not in response["Vary"]


def test_request_user_comes_from_the_session(signed_in, rf) -> None:
    from django_authsession.middleware import AuthSessionMiddleware

    _client, session, token = signed_in
    request = rf.get("/")
    request.COOKIES[cookies.token_cookie_name()] = sign_cookie_value(token)
    middleware = AuthSessionMiddleware(lambda r: None)
    middleware.process_request(request)
    assert request.user.pk == session.user.pk
    assert request.auth_session.token == token


def test_invalid_cookie_on_any_page_is_cleared(client, db) -> None:
    client.cookies[cookies.token_cookie_name()] = "junk"
    response = client.get("/api/ping/")
    assert response.status_code == 200
    assert response.cookies[cookies.token_cookie_name()].value == ""


@pytest.mark.django_db(transaction=True)
def test_async_stack_gets_and_ends_the_session(user) -> None:
    """Under ASGI the middleware runs in async mode; views still see the session."""
    _, token = create_session(user)
    client = AsyncClient()
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)

    async def scenario() -> list[object]:
        first = await client.get("/api/auth/session")
        signed_out = await client.post(
            "/api/auth/sign-out", headers={"Origin": "http://testserver"}
        )
        after = await client.get("/api/auth/session")
        return [first.json()["user"]["email"], signed_out.json(), after.json()]

    assert async_to_sync(scenario)() == [
        user.email,
        {"success": True},
        {"session": None, "user": None},
    ]


def test_secure_cookie_names_and_flags(settings, client, user) -> None:
    settings.DEBUG = False
    response = sign_in(client, user.email, "correct-horse-battery")
    name = "__Secure-better-auth.session_token"
    assert cookies.token_cookie_name() == name
    assert response.cookies[name]["secure"] is True
    assert response.cookies["__Secure-better-auth.session_data"]["secure"] is True


@pytest.mark.parametrize(("debug", "override"), [(True, None), (False, False)])
def test_plain_cookie_names_in_debug_or_when_turned_off(
    settings, client, user, debug, override
) -> None:
    settings.DEBUG = debug
    settings.AUTHSESSION_USE_SECURE_COOKIES = override
    response = sign_in(client, user.email, "correct-horse-battery")
    morsel = response.cookies["better-auth.session_token"]
    assert not morsel["secure"]
    assert "__Secure-better-auth.session_token" not in response.cookies
    assert client.get("/api/auth/session").json()["user"]["email"] == user.email


def test_cookie_prefix_setting(settings, client, user) -> None:
    settings.AUTHSESSION_COOKIE_PREFIX = "myapp"
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    response = sign_in(client, user.email, "correct-horse-battery")
    assert "myapp.session_token" in response.cookies
    assert "myapp.session_data" in response.cookies


def test_failed_responses_leave_cookies_alone(settings, client, db) -> None:
    client.cookies[cookies.token_cookie_name()] = "junk"
    response = client.get("/api/unavailable/")
    assert response.status_code == 503
    assert not response.cookies
