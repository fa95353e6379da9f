"""POST /sign-out (CONTRACT.md §1) and the Origin rule for unsafe requests (§4)."""

from __future__ import annotations

import pytest
from django.contrib.auth import user_logged_out
from django.test import Client

from django_authsession import cookies
from django_authsession.models import Session
from django_authsession.wire.chunks import MAX_CHUNKS
from tests.factories import create_session
from tests.helpers import NULL_ANSWER, cleared, history_writes, sign_in

URL = "/api/auth/sign-out"
pytestmark = pytest.mark.django_db


def test_sign_out_deletes_the_row_and_clears_cookies(signed_in, django_assert_num_queries) -> None:
    client, session, _ = signed_in
    other, _ = create_session(session.user)  # another browser of the same user
    with django_assert_num_queries(1 + history_writes()):  # the delete (+ the event)
        response = client.post(URL)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert cleared(response, cookies.token_cookie_name())
    assert cleared(response, cookies.data_cookie_name())
    assert not Session.objects.filter(pk=session.pk).exists()
    assert Session.objects.filter(pk=other.pk).exists()
    assert client.get("/api/auth/session").json() == NULL_ANSWER


def test_sign_out_after_sign_in_clears_the_cookie_cache_too(client, user) -> None:
    sign_in(client, user.email, "correct-horse-battery")
    assert client.get("/api/auth/session").json()["user"] is not None
    response = client.post(URL, {}, content_type="application/json")
    assert cleared(response, cookies.data_cookie_name())
    assert client.get("/api/auth/session").json() == NULL_ANSWER


def test_sign_out_without_session_succeeds_without_queries(
    client, db, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.post(URL)
    assert response.json() == {"success": True}


def test_sign_out_with_a_forged_cookie_succeeds_and_clears_it(client, db) -> None:
    client.cookies[cookies.token_cookie_name()] = "forged.value"
    response = client.post(URL)
    assert response.json() == {"success": True}
    assert cleared(response, cookies.token_cookie_name())


def test_sign_out_fires_user_logged_out(signed_in) -> None:
    client, _, _ = signed_in
    fired = []
    user_logged_out.connect(lambda **kw: fired.append(kw), weak=False, dispatch_uid="t")
    try:
        client.post(URL)
    finally:
        user_logged_out.disconnect(dispatch_uid="t")
    assert len(fired) == 1


def test_get_is_405(signed_in) -> None:
    client, session, _ = signed_in
    response = client.get(URL)
    assert response.status_code == 405
    assert Session.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "MISSING_OR_NULL_ORIGIN"),
        ({"HTTP_ORIGIN": "null"}, "MISSING_OR_NULL_ORIGIN"),
        ({"HTTP_ORIGIN": "https://evil.example"}, "INVALID_ORIGIN"),
        ({"HTTP_ORIGIN": "http://testserver.evil.example"}, "INVALID_ORIGIN"),
        ({"HTTP_REFERER": "https://evil.example/page"}, "INVALID_ORIGIN"),
        ({"HTTP_ORIGIN": "not a url"}, "INVALID_ORIGIN"),
    ],
)
def test_unsafe_request_with_cookie_needs_a_good_origin(signed_in, headers, code: str) -> None:
    _, session, _ = signed_in
    client = Client(**headers)
    client.cookies = signed_in[0].cookies
    response = client.post(URL)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert Session.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize(
    ("headers", "trusted"),
    [
        ({"HTTP_ORIGIN": "http://testserver"}, []),
        ({"HTTP_REFERER": "http://testserver/profile"}, []),
        ({"HTTP_ORIGIN": "https://app.example.com"}, ["https://app.example.com"]),
        ({"HTTP_ORIGIN": "https://eu.example.com"}, ["https://*.example.com"]),
    ],
)
def test_own_and_trusted_origins_pass(settings, signed_in, headers, trusted) -> None:
    settings.CSRF_TRUSTED_ORIGINS = trusted
    _, session, _ = signed_in
    client = Client(**headers)
    client.cookies = signed_in[0].cookies
    assert client.post(URL).json() == {"success": True}
    assert not Session.objects.filter(pk=session.pk).exists()


def test_requests_without_cookie_need_no_origin(db) -> None:
    assert Client().post(URL).json() == {"success": True}


def test_unknown_host_header_is_a_400_not_a_500(signed_in) -> None:
    client, session, _ = signed_in
    response = client.post(URL, HTTP_HOST="evil.example", HTTP_ORIGIN="http://evil.example")
    assert response.status_code == 400
    assert Session.objects.filter(pk=session.pk).exists()


def test_one_deletion_per_cookie_name_the_app_owns(signed_in) -> None:
    """190 ``session_data.N`` cookies sent: deletions for the names a server of ours can set
    (the token, the cache and its chunks .0 to .99), each once, not one per cookie sent."""
    client, _, _ = signed_in
    data = cookies.data_cookie_name()
    for i in range(190):
        client.cookies[f"{data}.{i}"] = "x"
    response = client.post(URL)
    assert response.json() == {"success": True}
    lines = [line for line in str(response.cookies).splitlines() if line.startswith("Set-Cookie")]
    names = [line.split(":", 1)[1].split("=", 1)[0].strip() for line in lines]
    assert len(names) == len(set(names))
    assert set(names) == {
        cookies.token_cookie_name(),
        data,
        *(f"{data}.{i}" for i in range(MAX_CHUNKS)),
    }
    assert all(cleared(response, name) for name in names)
