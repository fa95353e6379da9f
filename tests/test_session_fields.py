"""Session fields (``AUTHSESSION_SESSION_FIELDS``, Better Auth's ``session.additionalFields``) and
``POST /update-session``: stored with the session, in every session answer and the cookie cache,
set by the stock client's ``updateSession`` with Better Auth's answers and refusals."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_authsession import cookies, sessions
from django_authsession.conf import app_settings
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from django_authsession.wire import cookie_cache
from django_authsession.wire.shapes import PLUGIN_SESSION_KEYS
from tests.factories import UserFactory
from tests.helpers import cleared, origin_client, set_value, signed_in_token

UPDATE = "/api/auth/update-session"
FIELDS = {
    "activeOrganizationId": {"type": "string", "default": None, "input": True},
    "theme": {"type": "string", "default": "light"},
    "seats": {"type": "number", "default": 1},
    "beta": {"type": "boolean", "default": False},
    "tags": {"type": "string[]", "default": []},
    "since": {"type": "date"},
    "prefs": {"type": "json", "default": {}},
    "role": {"type": "string", "default": "member", "input": False},
}


@pytest.fixture(autouse=True)
def _fields(settings) -> None:
    settings.AUTHSESSION_SESSION_FIELDS = FIELDS


def update(client, body, **kwargs):
    return client.post(UPDATE, body, content_type="application/json", **kwargs)


def test_defaults_in_every_session_answer(client, user) -> None:
    signed_in_token(client, user.email)
    expected: dict[str, Any] = {
        "activeOrganizationId": None,
        "theme": "light",
        "seats": 1,
        "beta": False,
        "tags": [],
        "since": None,
        "prefs": {},
        "role": "member",
    }
    for path in ("/api/auth/get-session", "/api/auth/session"):
        session = client.get(path, {"disableCookieCache": "true"}).json()["session"]
        assert {k: session[k] for k in expected} == expected
    listed = client.get("/api/auth/list-sessions").json()[0]
    assert {k: listed[k] for k in expected} == expected


def test_update_session_round_trip(client, user, django_assert_num_queries) -> None:
    token = signed_in_token(client, user.email)
    with CaptureQueriesContext(connection) as queries:
        response = update(client, {"activeOrganizationId": "org_1", "tags": ["a", "b"]})
    # The locked read and the update, in one transaction (a cache hit reads nothing more).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2, statements
    assert response.status_code == 200, response.content
    session = response.json()["session"]
    assert session["activeOrganizationId"] == "org_1" and session["tags"] == ["a", "b"]
    assert session["token"] == token and session["theme"] == "light"
    # The cookies are re-set: the new cookie cache carries the fields.
    written = set_value(response, cookies.data_cookie_name())
    assert written is not None
    decoded = cookie_cache.decode_session_data(
        written, app_settings.SECRETS, now_ms=int(time.time() * 1000)
    )
    assert decoded is not None and decoded.session["activeOrganizationId"] == "org_1"
    assert set_value(response, cookies.token_cookie_name()) == sign_cookie_value(token)
    with django_assert_num_queries(0):  # a cache hit answers with the fields
        hit = client.get("/api/auth/get-session").json()["session"]
        documented = client.get("/api/auth/session").json()["session"]
    assert hit["activeOrganizationId"] == documented["activeOrganizationId"] == "org_1"
    assert Session.objects.get().data == {"activeOrganizationId": "org_1", "tags": ["a", "b"]}
    again = update(client, {"theme": "dark"}).json()["session"]  # merged, not replaced
    assert again["activeOrganizationId"] == "org_1" and again["theme"] == "dark"
    fresh = client.get("/api/auth/get-session", {"disableCookieCache": "true"}).json()
    assert fresh["session"]["theme"] == "dark"


def test_fields_stay_through_reauthentication(client, user) -> None:
    signed_in_token(client, user.email)
    update(client, {"activeOrganizationId": "org_9"})
    signed_in_token(client, user.email)
    assert client.get("/api/auth/get-session").json()["session"]["activeOrganizationId"] == "org_9"


def test_unknown_keys_are_ignored_and_nothing_to_update_refused(client, user) -> None:
    signed_in_token(client, user.email)
    response = update(client, {"somethingElse": 1})
    assert response.status_code == 400
    assert response.json() == {"message": "No fields to update", "code": "NO_FIELDS_TO_UPDATE"}
    ok = update(client, {"somethingElse": 1, "theme": "dark"}).json()["session"]
    assert "somethingElse" not in ok and ok["theme"] == "dark"


def test_input_false_is_refused_as_better_auth(client, user) -> None:
    signed_in_token(client, user.email)
    response = update(client, {"role": "admin"})
    assert response.status_code == 400
    assert response.json() == {
        "message": "role is not allowed to be set",
        "code": "FIELD_NOT_ALLOWED",
    }
    truthy_in_js: list[Any] = [{}, [], "0", 1]  # JavaScript's truthiness, as Better Auth's
    for truthy in truthy_in_js:
        assert update(client, {"role": truthy}).json()["code"] == "FIELD_NOT_ALLOWED"
    # A falsy value is skipped, as Better Auth's parseInputData skips it.
    assert update(client, {"role": None, "theme": "x"}).json()["session"]["role"] == "member"
    assert Session.objects.get().data == {"theme": "x"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activeOrganizationId": 7}, "activeOrganizationId"),
        ({"seats": "7"}, "seats"),
        ({"seats": True}, "seats"),
        ({"beta": "yes"}, "beta"),
        ({"tags": "a"}, "tags"),
        ({"tags": ["a", 1]}, "tags"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_types_are_checked(client, user, body, field) -> None:
    signed_in_token(client, user.email)
    response = update(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["message"].startswith(f"{field}:")
    assert Session.objects.get().data is None


def test_dates_are_stored_as_iso(client, user) -> None:
    signed_in_token(client, user.email)
    session = update(client, {"since": "2026-01-02T03:04:05+01:00"}).json()["session"]
    assert session["since"] == "2026-01-02T02:04:05.000Z"


@pytest.mark.parametrize("body", [[1, 2], '"text"', "3", "null"])
def test_body_must_be_an_object(client, user, body) -> None:
    signed_in_token(client, user.email)
    response = update(client, body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Body must be an object",
        "code": "BODY_MUST_BE_AN_OBJECT",
    }


def test_fields_stay_small(client, user) -> None:
    signed_in_token(client, user.email)
    response = update(client, {"prefs": {"blob": "x" * 5000}})
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"


def test_update_session_needs_a_session_and_the_origin_rule(client, user) -> None:
    assert update(client, {"theme": "x"}).status_code == 401
    signed_in_token(client, user.email)
    response = update(client, {"theme": "x"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Session.objects.get().data is None


def test_a_session_revoked_meanwhile_is_not_written(client, user) -> None:
    """The cookie cache still vouches for the session, the row is gone: nothing is written,
    Better Auth's 401 ``FAILED_TO_GET_SESSION``, and the cookies are cleared."""
    signed_in_token(client, user.email)
    Session.objects.all().delete()  # no revocation mark: as a row deleted by hand
    response = update(client, {"theme": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "FAILED_TO_GET_SESSION"
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.exists()


def test_another_sessions_fields_are_its_own(user) -> None:
    a, b = origin_client(), origin_client()
    signed_in_token(a, user.email)
    signed_in_token(b, user.email)
    update(a, {"activeOrganizationId": "org_a"})
    assert b.get("/api/auth/get-session").json()["session"]["activeOrganizationId"] is None


def test_by_bearer(user) -> None:
    from django.test import Client

    signed = origin_client()
    signed_in_token(signed, user.email)
    row = Session.objects.get()
    token = signed.get("/api/auth/get-session").json()["session"]["token"]
    phone = Client(HTTP_AUTHORIZATION=f"Bearer {sign_cookie_value(token)}")
    response = update(phone, {"theme": "dark"})
    assert response.json()["session"]["theme"] == "dark"
    assert response["set-auth-token"] == sign_cookie_value(token)
    assert not response.cookies
    row.refresh_from_db()
    assert row.data == {"theme": "dark"}


def test_no_fields_declared_changes_no_answer(settings, client, user) -> None:
    settings.AUTHSESSION_SESSION_FIELDS = {}
    signed_in_token(client, user.email)
    session = client.get("/api/auth/get-session").json()["session"]
    # Watched sessions and the admin plugin add their own keys, not session fields.
    assert set(session) - PLUGIN_SESSION_KEYS == {
        "id",
        "userId",
        "token",
        "expiresAt",
        "ipAddress",
        "userAgent",
        "createdAt",
        "updatedAt",
    }
    assert update(client, {"activeOrganizationId": "x"}).json()["code"] == "NO_FIELDS_TO_UPDATE"


def test_update_fields_on_a_gone_session_returns_none(user) -> None:
    session, token = sessions.create_session(UserFactory())
    resolved = sessions.resolve_from_db(token)
    assert resolved is not None
    session.delete()
    assert sessions.update_fields(resolved, {"theme": "x"}) is None


def test_nul_characters_are_refused(client, user) -> None:
    """PostgreSQL's jsonb cannot store one: a 400, never a 500."""
    signed_in_token(client, user.email)
    for body in ({"theme": "a\x00b"}, {"prefs": {"k\x00": 1}}, {"tags": ["\x00"]}):
        response = update(client, body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "VALIDATION_ERROR"


def test_the_request_schema_follows_the_declaration(client) -> None:
    from django_authsession.openapi import update_session_request

    schema = update_session_request()
    assert schema["properties"]["role"] == {"enum": [None, False, 0, ""]}
    assert {"required": ["activeOrganizationId"]} in schema["anyOf"]
    assert {"required": ["role"]} not in schema["anyOf"]


def test_strings_and_lists_have_the_bounds_the_schema_states(client, user) -> None:
    from django_authsession.openapi import update_session_request

    signed_in_token(client, user.email)
    schema = update_session_request()["properties"]
    longest = schema["activeOrganizationId"]["anyOf"][0]["maxLength"]
    assert update(client, {"activeOrganizationId": "x" * longest}).status_code == 200
    too_long = update(client, {"activeOrganizationId": "x" * (longest + 1)})
    assert too_long.status_code == 400
    assert too_long.json()["message"].startswith("activeOrganizationId:")
    items = schema["tags"]["anyOf"][0]["maxItems"]
    assert update(client, {"tags": ["a"] * (items + 1)}).status_code == 400
