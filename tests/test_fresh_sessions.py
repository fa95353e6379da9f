"""Fresh sessions (Better Auth's ``freshAge``): ``/list-sessions`` and a project's guarded views
refuse a session signed in longer ago than ``AUTHSESSION_FRESH_AGE`` with 403
``SESSION_NOT_FRESH``; checking the password again (a second sign-in from the same browser, as
better-auth-ui does) makes that same session fresh again instead of adding a second one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from django_authsession import cookies, revocation
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value, storage_key
from tests.factories import UserFactory
from tests.helpers import cleared, origin_client, set_value, sign_in, signed_in_token

LIST = "/api/auth/list-sessions"
NOT_FRESH = {"message": "Session is not fresh", "code": "SESSION_NOT_FRESH"}
DAY = timedelta(days=1)


def later(delta: timedelta = DAY + timedelta(minutes=1)) -> time_machine.travel:
    """A clock past the fresh age (one day by default), within the 7-day session."""
    return time_machine.travel(delta, tick=False)


def test_list_sessions_needs_a_fresh_session_as_better_auth(client, user) -> None:
    signed_in_token(client, user.email)
    assert client.get(LIST).status_code == 200
    with later():
        response = client.get(LIST)
        assert response.status_code == 403
        assert response.json() == NOT_FRESH
        # Still signed in: only the sensitive answer is refused.
        assert client.get("/api/auth/get-session").json()["user"]["email"] == user.email


def test_fresh_age_is_measured_from_sign_in_and_zero_turns_it_off(settings, client, user):
    settings.AUTHSESSION_FRESH_AGE = 60
    signed_in_token(client, user.email)
    with later(timedelta(seconds=59)):
        assert client.get(LIST).status_code == 200
    with later(timedelta(seconds=60)):
        assert client.get(LIST).json() == NOT_FRESH  # Better Auth: age >= freshAge is stale
    settings.AUTHSESSION_FRESH_AGE = 0
    with later(timedelta(days=6)):
        assert client.get(LIST).status_code == 200


def test_a_refresh_does_not_make_a_session_fresh(client, user) -> None:
    """Extending the expiry (any request after the update age) is not a password check."""
    signed_in_token(client, user.email)
    with later():
        client.get("/api/auth/get-session", {"disableCookieCache": "true"})  # refreshes
        assert client.get(LIST).json() == NOT_FRESH


def test_signing_in_again_makes_the_same_session_fresh(client, user) -> None:
    token = signed_in_token(client, user.email)
    first = Session.objects.get()
    with later():
        assert client.get(LIST).json() == NOT_FRESH
        response = sign_in(client, user.email)
        assert response.status_code == 200
        body = response.json()
        # The answer better-auth-ui expects from a sign-in: a token and the user.
        assert body["redirect"] is False and body["user"]["email"] == user.email
        new_token = body["token"]
        assert new_token != token  # rotated, as a sign-in hands out a new token
        assert set_value(response, cookies.token_cookie_name()) == sign_cookie_value(new_token)
        assert response["set-auth-token"] == sign_cookie_value(new_token)
        renewed = Session.objects.get()  # no second session beside the first
        assert renewed.pk == first.pk and renewed.created_at > first.created_at
        listed = client.get(LIST)
        assert listed.status_code == 200
        assert [s["id"] for s in listed.json()] == [str(first.pk)]
        assert listed.json()[0]["token"] == new_token


def test_the_old_token_is_gone_after_reauthentication(client, user) -> None:
    """Whoever still holds the old token, with or without its cookie cache, is out."""
    signed_in_token(client, user.email)
    stale_jar = {name: morsel.value for name, morsel in client.cookies.items()}
    with later(timedelta(minutes=1)):
        assert sign_in(client, user.email).status_code == 200
        other = origin_client()
        for name, value in stale_jar.items():
            other.cookies[name] = value
        assert other.get("/api/auth/get-session").json() is None  # cookie-cache path
        only_token = origin_client()
        only_token.cookies[cookies.token_cookie_name()] = stale_jar[cookies.token_cookie_name()]
        assert only_token.get("/api/auth/get-session").json() is None  # database path
        assert client.get("/api/auth/get-session").json()["user"]["email"] == user.email


def test_reauthentication_marks_the_old_token_revoked(client, user) -> None:
    token = signed_in_token(client, user.email)
    with later(timedelta(minutes=1)):
        sign_in(client, user.email)
    assert revocation.is_revoked(storage_key(token), user.pk, 0)


def test_wrong_password_changes_nothing(client, user) -> None:
    signed_in_token(client, user.email)
    first = Session.objects.get()
    with later():
        response = sign_in(client, user.email, "not-the-password")
        assert response.status_code == 401
        assert Session.objects.get().token == first.token
        assert client.get(LIST).json() == NOT_FRESH


def test_another_users_sign_in_replaces_the_session(client, user) -> None:
    signed_in_token(client, user.email)
    first = Session.objects.get()
    other: Any = UserFactory()
    assert sign_in(client, other.email).status_code == 200
    assert list(Session.objects.values_list("user_id", flat=True)) == [other.pk]
    assert not Session.objects.filter(pk=first.pk).exists()


def test_reauthentication_after_a_password_change_starts_a_new_session(client, user) -> None:
    """A session bound to an old password is not renewed: the browser gets a new one."""
    signed_in_token(client, user.email)
    first = Session.objects.get()
    user.set_password("a-new-password-42")
    user.save()
    assert sign_in(client, user.email, "a-new-password-42").status_code == 200
    assert not Session.objects.filter(pk=first.pk).exists()
    assert Session.objects.filter(user=user).count() == 1


def test_remember_me_of_the_second_sign_in_applies(client, user) -> None:
    signed_in_token(client, user.email)
    response = sign_in(client, user.email, rememberMe=False)
    row = Session.objects.get()
    assert not row.remember_me
    assert response.cookies[cookies.token_cookie_name()]["max-age"] == ""


@pytest.mark.parametrize("path", ["/api/fresh/", "/plain/fresh/", "/plain/async-fresh/"])
def test_project_guards_refuse_stale_sessions(client, user, path) -> None:
    signed_in_token(client, user.email)
    assert client.get(path).json()["fresh"] is True
    with later():
        response = client.get(path)
        assert response.status_code == 403
        assert response.json() == NOT_FRESH
        sign_in(client, user.email)
        assert client.get(path).json()["fresh"] is True


@pytest.mark.parametrize("path", ["/api/fresh/", "/plain/fresh/", "/plain/async-fresh/"])
def test_project_guards_without_a_session_answer_401(db, path) -> None:
    response = Client().get(path)
    assert response.status_code == 401


def test_guarded_view_on_a_cache_hit_costs_no_query(client, user, django_assert_num_queries):
    """``createdAt`` rides in the cookie cache: checking freshness reads nothing more."""
    signed_in_token(client, user.email)
    with django_assert_num_queries(0):
        assert client.get("/plain/fresh/").status_code == 200


def test_async_guard_under_a_stale_cookie_cache(client, user) -> None:
    signed_in_token(client, user.email)
    with later():
        response = client.get("/plain/async-fresh/")
    assert response.status_code == 403
    assert not cleared(response, cookies.token_cookie_name())


def test_remembered_again_drops_the_dont_remember_marker(client, user) -> None:
    """A renewed session that is remembered now must not be read as "don't remember" from a
    marker cookie left by the first sign-in."""
    sign_in(client, user.email, rememberMe=False)
    assert cookies.dont_remember_cookie_name() in client.cookies
    response = sign_in(client, user.email)
    assert Session.objects.get().remember_me
    assert cleared(response, cookies.dont_remember_cookie_name())
    assert response.cookies[cookies.token_cookie_name()]["max-age"] != ""
