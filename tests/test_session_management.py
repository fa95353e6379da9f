"""Better Auth's session listing and revocation endpoints (CONTRACT.md §2)."""

from __future__ import annotations

import pytest
from django.test import Client

from django_authsession import cookies
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import UserFactory, create_session
from tests.helpers import BETTER_AUTH_SESSION_KEYS, NULL_ANSWER, cleared, origin_client

pytestmark = pytest.mark.django_db


def holding(token: str) -> Client:
    client = origin_client()
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    return client


def test_get_session_is_better_auth_shape_or_json_null(signed_in) -> None:
    client, session, token = signed_in
    body = client.get("/api/auth/get-session").json()
    # + lastActiveAt when activity is tracked (an additional field, as Better Auth's)
    assert set(body["session"]) - {"lastActiveAt"} == BETTER_AUTH_SESSION_KEYS
    assert body["session"]["token"] == token
    assert body["session"]["userId"] == str(session.user_id)
    response = Client().get("/api/auth/get-session")
    assert response.status_code == 200
    assert response.content == b"null"
    assert response["Cache-Control"] == "no-store"


def test_list_sessions_shows_only_own_token(user) -> None:
    _, mine = create_session(user)
    create_session(user)
    create_session(UserFactory())  # someone else's
    response = holding(mine).get("/api/auth/list-sessions")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2
    own = [r for r in rows if "token" in r]
    assert [r["token"] for r in own] == [mine]
    # Beyond Better Auth's keys: when and where each session was last seen.
    expected = (BETTER_AUTH_SESSION_KEYS - {"token"}) | {"lastActiveAt", "location"}
    assert all(set(r) - {"token"} == expected for r in rows)


def test_session_endpoints_need_a_session(db) -> None:
    for method, url in [
        ("get", "/api/auth/list-sessions"),
        ("post", "/api/auth/revoke-session"),
        ("post", "/api/auth/revoke-other-sessions"),
        ("post", "/api/auth/revoke-sessions"),
    ]:
        response = getattr(Client(), method)(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "UNAUTHORIZED"


def test_revoke_session_by_id_and_by_token(user) -> None:
    _, mine = create_session(user)
    second, _ = create_session(user)
    _third, third_token = create_session(user)
    client = holding(mine)
    response = client.post(
        "/api/auth/revoke-session", {"id": str(second.pk)}, content_type="application/json"
    )
    assert response.json() == {"status": True}
    response = client.post(
        "/api/auth/revoke-session", {"token": third_token}, content_type="application/json"
    )
    assert response.json() == {"status": True}
    assert list(Session.objects.values_list("user_id", flat=True)) == [user.pk]


def test_cannot_revoke_another_users_session(user) -> None:
    """Another user's session is left alone, and the answer is the one an unknown session gets
    (Better Auth's ``{"status": true}``), so it tells nothing about that session."""
    mine_row, mine = create_session(user)
    theirs, their_token = create_session(UserFactory())
    client = holding(mine)
    answers = [
        client.post("/api/auth/revoke-session", body, content_type="application/json")
        for body in (
            {"id": str(theirs.pk)},
            {"token": their_token},
            {"id": "00000000-0000-0000-0000-000000000000"},
            {"token": "x" * 32},
        )
    ]
    assert {(a.status_code, a.content) for a in answers} == {(200, b'{"status":true}')}
    # The caller's own session goes on.
    assert not any(cleared(a, cookies.token_cookie_name()) for a in answers)
    assert Session.objects.filter(pk=theirs.pk).exists()
    assert Session.objects.filter(pk=mine_row.pk).exists()


@pytest.mark.parametrize("payload", [{}, {"id": "not-a-uuid"}])
def test_revoke_session_validates_input(user, payload) -> None:
    _, mine = create_session(user)
    response = holding(mine).post(
        "/api/auth/revoke-session", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_revoking_own_session_clears_cookies(user) -> None:
    session, mine = create_session(user)
    client = holding(mine)
    response = client.post(
        "/api/auth/revoke-session", {"id": str(session.pk)}, content_type="application/json"
    )
    assert response.json() == {"status": True}
    assert cleared(response, cookies.token_cookie_name())
    assert client.get("/api/auth/session").json() == NULL_ANSWER


def test_revoke_other_sessions_keeps_the_current_one(user) -> None:
    current, mine = create_session(user)
    create_session(user)
    create_session(user)
    untouched, _ = create_session(UserFactory())
    client = holding(mine)
    assert client.post("/api/auth/revoke-other-sessions").json() == {"status": True}
    assert set(Session.objects.values_list("pk", flat=True)) == {current.pk, untouched.pk}
    assert client.get("/api/auth/session").json()["user"]["email"] == user.email


def test_revoke_sessions_ends_all_including_current(user) -> None:
    _, mine = create_session(user)
    create_session(user)
    untouched, _ = create_session(UserFactory())
    client = holding(mine)
    response = client.post("/api/auth/revoke-sessions")
    assert response.json() == {"status": True}
    assert cleared(response, cookies.token_cookie_name())
    assert list(Session.objects.values_list("pk", flat=True)) == [untouched.pk]


@pytest.mark.parametrize("value", [False, True, 0, 7, 1.5])
def test_revoke_session_id_must_be_a_string(user, value) -> None:
    """DRF's UUIDField reads integers (and booleans) as UUIDs; the schema says a string."""
    _, mine = create_session(user)
    response = holding(mine).post(
        "/api/auth/revoke-session", {"id": value}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_revoke_session_empty_form_id_is_refused(user) -> None:
    _, mine = create_session(user)
    response = holding(mine).post(
        "/api/auth/revoke-session",
        "id=&token=0",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data", "json"]
)
def test_revoke_session_with_an_empty_token_is_refused_and_revokes_nothing(user, content_type):
    """An empty ``token`` beside a good ``id`` is refused as in JSON: a form's blank field is
    not a missing one, so the session the id names stays signed in."""
    other, _ = create_session(user)
    _, mine = create_session(user)
    client = holding(mine)
    fields = {"id": str(other.pk), "token": ""}
    if content_type == "json":
        response = client.post("/api/auth/revoke-session", fields, content_type="application/json")
    elif content_type == "multipart/form-data":
        response = client.post("/api/auth/revoke-session", fields)
    else:
        body = f"id={other.pk}&token="
        response = client.post("/api/auth/revoke-session", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert Session.objects.filter(pk=other.pk).exists()
