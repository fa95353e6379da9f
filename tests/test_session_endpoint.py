"""GET /api/auth/session: the documented contract, CONTRACT.md §1."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
from django.utils import timezone

from django_authsession import cookies
from django_authsession.models import Session
from django_authsession.serializers import iso_ms
from django_authsession.tokens import generate_token, sign_cookie_value
from tests.factories import UserFactory, create_session
from tests.helpers import (
    DOCUMENTED_SESSION_KEYS,
    DOCUMENTED_USER_KEYS,
    ISO_MS_Z,
    NULL_ANSWER,
    cleared,
    json_of,
    sign_in,
)

URL = "/api/auth/session"
pytestmark = pytest.mark.django_db


@pytest.mark.supplied_user_model  # tests/test_user_models.py has the custom model's
def test_signed_in_answer_has_exact_keys_and_values(signed_in) -> None:
    client, session, token = signed_in
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = json_of(response)
    assert set(body) == {"session", "user"}
    assert set(body["session"]) == DOCUMENTED_SESSION_KEYS
    assert set(body["user"]) == DOCUMENTED_USER_KEYS
    user = session.user
    assert body["session"]["token"] == token
    assert body["session"]["user_id"] == str(user.pk) == body["user"]["id"]
    assert body["session"]["expires_at"] == iso_ms(session.expires_at)
    assert body["user"]["email"] == user.email
    assert body["user"]["name"] == user.name
    assert body["user"]["type"] == "employee"
    assert body["user"]["profession"] == user.profession
    assert body["user"]["avatar"] == user.avatar
    assert body["user"]["isActive"] is True
    assert body["user"]["organizationId"] is None
    assert body["user"]["isEmailVerified"] is True
    for key in ("expires_at", "created_at", "updated_at"):
        assert ISO_MS_Z.match(body["session"][key]), body["session"][key]
    for key in ("createdAt", "updatedAt"):
        assert ISO_MS_Z.match(body["user"][key]), body["user"][key]


def test_timestamps_are_utc_with_milliseconds(settings, signed_in) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"
    client, session, _ = signed_in
    moment = timezone.now().replace(microsecond=123456)
    Session.objects.filter(pk=session.pk).update(created_at=moment)
    body = client.get(URL).json()
    assert body["session"]["created_at"] == moment.astimezone(dt_timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.123Z"
    )


def test_ip_and_user_agent_are_those_of_sign_in(client, user) -> None:
    client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": "correct-horse-battery"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 (Test)",
    )
    body = client.get(URL, REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="other").json()
    assert body["session"]["ip_address"] == "203.0.113.9"
    assert body["session"]["user_agent"] == "Mozilla/5.0 (Test)"


def test_no_cookie_is_the_null_answer_without_queries(client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200
    assert json_of(response) == NULL_ANSWER
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.parametrize(
    "value",
    ["garbage", "", "a.b.c", "%ZZ", "x" * 8000, "tökén.ünïcode"],
    ids=["garbage", "empty", "dots", "bad-escape", "huge", "non-ascii"],
)
def test_malformed_cookie_is_null_and_cleared(client, value: str) -> None:
    client.cookies[cookies.token_cookie_name()] = value
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == NULL_ANSWER
    if value:
        assert cleared(response, cookies.token_cookie_name())


def test_wrong_signature_is_null_and_cleared(client, user, django_assert_num_queries) -> None:
    _, token = create_session(user)
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token, "another-secret")
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.token_cookie_name())
    assert cleared(response, cookies.data_cookie_name())


def test_unknown_token_is_null_and_cleared(client, db) -> None:
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(generate_token())
    response = client.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.token_cookie_name())


def test_expired_session_is_null_and_its_row_deleted(signed_in) -> None:
    client, session, _ = signed_in
    Session.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.filter(pk=session.pk).exists()


def test_inactive_user_is_null(signed_in) -> None:
    client, session, _ = signed_in
    type(session.user).objects.filter(pk=session.user_id).update(is_active=False)
    response = client.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.token_cookie_name())


def test_deleted_user_takes_the_session_with_it(signed_in) -> None:
    client, session, _ = signed_in
    session.user.delete()
    assert client.get(URL).json() == NULL_ANSWER
    assert not Session.objects.filter(pk=session.pk).exists()


def test_another_users_token_gives_that_user_only(client, db) -> None:
    alice, bob = UserFactory(), UserFactory()
    create_session(alice)
    _, bob_token = create_session(bob)
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(bob_token)
    assert client.get(URL).json()["user"]["email"] == bob.email


def test_raw_token_is_never_stored(client, user) -> None:
    response = sign_in(client, user.email, "correct-horse-battery")
    token = response.json()["token"]
    row = Session.objects.get()
    assert row.token == hashlib.sha256(token.encode()).hexdigest()
    assert not Session.objects.filter(token__contains=token).exists()
    assert token not in str(row)
    assert token not in repr(row)


def test_plain_storage_keeps_the_raw_token(settings, client, user) -> None:
    settings.AUTHSESSION_TOKEN_STORAGE = "plain"
    response = sign_in(client, user.email, "correct-horse-battery")
    token = response.json()["token"]
    assert Session.objects.get().token == token
    assert client.get(URL).json()["session"]["token"] == token


def test_huge_headers_do_not_break_the_answer(signed_in) -> None:
    client, _, token = signed_in
    response = client.get(URL, HTTP_USER_AGENT="x" * 20000, HTTP_X_FORWARDED_FOR="1," * 5000)
    assert response.status_code == 200
    assert response.json()["session"]["token"] == token


def test_unknown_query_values_are_a_validation_error(signed_in) -> None:
    client, _, _ = signed_in
    response = client.get(URL, {"disableCookieCache": "maybe"})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "disableCookieCache" in response.json()["message"]


def test_post_is_method_not_allowed_as_json(client, db) -> None:
    response = client.post(URL)
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
