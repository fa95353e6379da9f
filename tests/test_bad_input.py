"""Whatever a client sends, the answer is a JSON error or the documented null, never a 500,
and never an echo of a token."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_authsession import cookies
from django_authsession.tokens import sign_cookie_value
from tests.factories import create_session
from tests.helpers import origin_client

# A WSGI environ carries latin-1 only: that is what a browser's bytes become.
latin1 = st.text(st.characters(max_codepoint=255, exclude_categories=["Cs"]), max_size=300)


POSTS = [
    "/api/auth/sign-in/email",
    "/api/auth/sign-up/email",
    "/api/auth/sign-out",
    "/api/auth/revoke-session",
    "/api/auth/revoke-other-sessions",
    "/api/auth/revoke-sessions",
    "/api/auth/change-password",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
field_values = st.dictionaries(
    st.sampled_from(
        [
            "email",
            "password",
            "name",
            "image",
            "rememberMe",
            "callbackURL",
            "token",
            "id",
            "currentPassword",
            "newPassword",
            "revokeOtherSessions",
        ]
    ),
    json_values,
)


@pytest.fixture
def browser(db, settings):
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    _, token = create_session()
    client = origin_client()
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    return client, token


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=st.sampled_from(POSTS), body=st.one_of(field_values, json_values))
def test_any_json_body_gets_a_json_answer(browser, url: str, body: object) -> None:
    client, token = browser
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        error = response.json()
        assert set(error) == {"message", "code"}
        assert error["code"].isupper()
    assert token not in response.content.decode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/xml",
        ]
    ),
)
def test_any_raw_body_gets_a_json_answer(browser, raw: bytes, content_type: str) -> None:
    client, _ = browser
    response = client.post("/api/auth/sign-in/email", raw, content_type=content_type)
    assert response.status_code in {400, 401, 415}
    assert set(response.json()) == {"message", "code"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token_cookie=latin1, data_cookie=latin1)
def test_any_cookie_gets_the_null_answer(db, settings, token_cookie: str, data_cookie: str) -> None:
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    client = Client()
    client.cookies[cookies.token_cookie_name()] = token_cookie
    client.cookies[cookies.data_cookie_name()] = data_cookie
    response = client.get("/api/auth/session")
    assert response.status_code == 200
    assert response.json() == {"session": None, "user": None}
