"""The session_data cookie cache end to end: served without SQL, bound to its token, ignored and
cleared when anything is off, and never outliving a revocation (CONTRACT.md §3-4)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from django_authsession import cookies
from django_authsession.conf import app_settings
from django_authsession.models import Session
from django_authsession.wire import cookie_cache
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import (
    NULL_ANSWER,
    activity_writes,
    cleared,
    origin_client,
    run_python,
    set_value,
    sign_in,
    signed_in_token,
)

URL = "/api/auth/session"
GET_SESSION = "/api/auth/get-session"
pytestmark = pytest.mark.django_db


def test_sign_in_writes_a_cache_that_serves_without_sql(
    client, user, django_assert_num_queries
) -> None:
    token = signed_in_token(client, user.email)
    with django_assert_num_queries(0):
        response = client.get(URL)
    body = response.json()
    assert body["session"]["token"] == token
    assert body["user"]["email"] == user.email
    # The same answer the database gives.
    assert client.get(URL, {"disableCookieCache": "true"}).json() == body


def test_cache_hit_checks_revocation_with_one_get_many(settings, client, user, cache_calls):
    settings.AUTHSESSION_RATE_LIMITS = {"/session": None}
    signed_in_token(client, user.email)
    cache_calls.clear()
    client.get(URL)
    assert cache_calls == Counter({"get_many": 1})


def test_no_cookie_costs_no_query_and_no_cache_call(
    client, db, cache_calls, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        client.get("/api/ping/")
    assert sum(cache_calls.values()) == 0


def test_cache_miss_costs_one_query_and_rewrites_the_cache(
    signed_in, django_assert_num_queries
) -> None:
    client, _, token = signed_in
    with django_assert_num_queries(1):
        response = client.get(URL)
    written = set_value(response, cookies.data_cookie_name())
    assert written is not None
    decoded = cookie_cache.decode_session_data(
        written, app_settings.SECRETS, now_ms=int(time.time() * 1000)
    )
    assert decoded is not None and decoded.session["token"] == token
    with django_assert_num_queries(0):
        assert client.get(URL).json()["session"]["token"] == token


def test_a_hit_does_not_rewrite_cookies(client, user) -> None:
    signed_in_token(client, user.email)
    response = client.get(URL)
    assert not response.cookies


def test_cache_expires_after_max_age(client, user, django_assert_num_queries) -> None:
    signed_in_token(client, user.email)
    with (
        time_machine.travel(timedelta(seconds=301)),
        django_assert_num_queries(1 + activity_writes(301)),
    ):
        response = client.get(URL)
    assert response.json()["user"]["email"] == user.email
    assert set_value(response, cookies.data_cookie_name())


def test_refresh_due_on_a_hit_goes_to_the_database_once(
    client, user, django_assert_num_queries
) -> None:
    signed_in_token(client, user.email)
    session = Session.objects.get()
    moment = session.created_at + timedelta(days=1, seconds=1)
    with time_machine.travel(moment, tick=False):
        # A cache written just before the refresh is due is still a valid hit...
        client.get(URL, {"disableCookieCache": "true", "disableRefresh": "true"})
    with time_machine.travel(moment + timedelta(seconds=10), tick=False):
        with django_assert_num_queries(2):
            response = client.get(URL)
        assert set_value(response, cookies.token_cookie_name())
        assert set_value(response, cookies.data_cookie_name())
        # ...and once refreshed, the next request is a hit again.
        with django_assert_num_queries(0):
            again = client.get(URL)
    assert again.json()["session"]["expires_at"] == response.json()["session"]["expires_at"]
    assert Session.objects.get().expires_at == moment + timedelta(seconds=10, days=7)


def test_cache_bound_to_another_token_is_ignored_and_replaced(client, user) -> None:
    signed_in_token(client, user.email)
    foreign_cache = client.cookies[cookies.data_cookie_name()].value
    other = origin_client()
    signed_in_token(other, user.email)
    other.cookies[cookies.data_cookie_name()] = foreign_cache
    response = other.get(URL)
    assert response.json()["session"]["token"] != client.get(URL).json()["session"]["token"]
    assert set_value(response, cookies.data_cookie_name()) not in (None, foreign_cache)


@pytest.mark.parametrize("tamper", ["garbage", "flip", "other-secret"])
def test_forged_cache_is_ignored(client, user, tamper: str, django_assert_num_queries) -> None:
    signed_in_token(client, user.email)
    value = client.cookies[cookies.data_cookie_name()].value
    if tamper == "garbage":
        value = "not base64 {}"
    elif tamper == "flip":
        value = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]
    else:
        session = client.get(URL, {"disableCookieCache": "true"}).json()
        value = cookie_cache.encode_session_data(
            {"forged": True, **session["session"]},
            session["user"],
            secret="attacker",
            max_age=300,
            now_ms=int(time.time() * 1000),
        )
    client.cookies[cookies.data_cookie_name()] = value
    with django_assert_num_queries(1):
        response = client.get(URL)
    assert response.json()["user"]["email"] == user.email
    assert set_value(response, cookies.data_cookie_name()) != value


def test_cache_signed_with_a_fallback_secret_is_honoured(settings, client, user) -> None:
    signed_in_token(client, user.email)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-0123456789-abcdefghijkl"
    # The session_token cookie verifies against the fallback too; no rewrite needed for a hit.
    response = client.get(URL)
    assert response.json()["user"]["email"] == user.email


def test_disable_cookie_cache_parses_booleans(client, user, django_assert_num_queries) -> None:
    signed_in_token(client, user.email)
    with django_assert_num_queries(0):
        client.get(URL, {"disableCookieCache": "false"})
    with django_assert_num_queries(1):
        client.get(URL, {"disableCookieCache": "true"})
    with django_assert_num_queries(1):
        client.get("/api/auth/get-session", {"disableCookieCache": "1"})


def test_disabled_cache_is_not_written_and_old_ones_are_cleared(settings, client, user) -> None:
    signed_in_token(client, user.email)
    settings.AUTHSESSION_COOKIE_CACHE = False
    response = client.get(URL)
    assert cleared(response, cookies.data_cookie_name())
    settings.AUTHSESSION_COOKIE_CACHE = True


def test_sign_in_without_cache_sets_no_data_cookie(settings, client, user) -> None:
    settings.AUTHSESSION_COOKIE_CACHE = False
    response = sign_in(client, user.email, DEFAULT_PASSWORD)
    assert cookies.data_cookie_name() not in response.cookies


@pytest.mark.supplied_user_model  # its long name, profession and avatar
def test_large_user_is_chunked_and_read_back(client, user, django_assert_num_queries) -> None:
    long_avatar = "https://example.com/" + "a" * 2000
    type(user).objects.filter(pk=user.pk).update(
        name="Ł" * 255, profession="p" * 255, avatar=long_avatar
    )
    response = sign_in(client, user.email, DEFAULT_PASSWORD)
    names = [n for n in response.cookies if n.startswith(cookies.data_cookie_name())]
    assert len(names) >= 2
    assert all(len(response.cookies[n].value) <= 4050 for n in names)
    with django_assert_num_queries(0):
        body = client.get(URL).json()
    assert body["user"]["name"] == "Ł" * 255
    assert body["user"]["avatar"] == long_avatar
    # Shrinking back to one cookie clears the stale chunks.
    type(user).objects.filter(pk=user.pk).update(name="Short", profession="", avatar="")
    response = client.get(URL, {"disableCookieCache": "true"})
    for name in names:
        assert cleared(response, name)


# Revocation across browsers: the hole this package closes.


def two_browsers(user) -> tuple[Client, Client]:
    a, b = origin_client(), origin_client()
    signed_in_token(a, user.email)
    signed_in_token(b, user.email)
    assert b.get(URL).json()["user"] is not None  # B's cache is warm
    return a, b


def b_token(b: Client) -> str:
    return b.get(URL).json()["session"]["token"]


def test_revoke_session_ends_a_warm_cache_elsewhere(user) -> None:
    a, b = two_browsers(user)
    assert a.post(
        "/api/auth/revoke-session", {"token": b_token(b)}, content_type="application/json"
    ).json() == {"status": True}
    response = b.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.data_cookie_name())


def test_revoke_other_sessions_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    a.post("/api/auth/revoke-other-sessions")
    assert b.get(URL).json() == NULL_ANSWER
    assert a.get(URL).json()["user"]["email"] == user.email


def test_revoke_sessions_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    a.post("/api/auth/revoke-sessions")
    assert b.get(URL).json() == NULL_ANSWER
    assert a.get(URL).json() == NULL_ANSWER


def test_sign_out_elsewhere_with_stolen_cookies_is_dead(user) -> None:
    _a, b = two_browsers(user)
    copy = origin_client()
    copy.cookies = b.cookies.__class__(b.cookies)  # the same cookies, another device
    b.post("/api/auth/sign-out")
    assert copy.get(URL).json() == NULL_ANSWER


def test_deactivation_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    user.is_active = False
    user.save()
    assert a.get(URL).json() == NULL_ANSWER
    assert b.get(URL).json() == NULL_ANSWER
    assert not Session.objects.exists()


def test_password_change_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    user.set_password("a-new-password-42")
    user.save()
    assert a.get(URL).json() == NULL_ANSWER
    assert b.get(URL).json() == NULL_ANSWER


def test_unrelated_user_saves_keep_sessions(user) -> None:
    a, _ = two_browsers(user)
    user.name = "Renamed"
    user.save()
    assert a.get(URL).json()["user"] is not None
    assert Session.objects.count() == 2


def test_new_sign_in_after_revoke_all_is_served_from_cache(client, user) -> None:
    a, _ = two_browsers(user)
    a.post("/api/auth/revoke-sessions")
    time.sleep(0.002)  # marks compare millisecond timestamps
    signed_in_token(client, user.email)
    assert client.get(URL).json()["user"]["email"] == user.email


def test_revoked_session_from_admin_helpers_ends_warm_cache(user) -> None:
    from django_authsession import sessions

    _, b = two_browsers(user)
    sessions.revoke_sessions(Session.objects.all(), reason="test")
    assert b.get(URL).json() == NULL_ANSWER


def test_user_deletion_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    user.delete()
    assert a.get(URL).json() == NULL_ANSWER
    assert b.get(URL).json() == NULL_ANSWER


def _shared_backends() -> bool:
    from django.core.cache.backends.redis import RedisCache
    from django.db import connection

    return isinstance(caches["default"], RedisCache) and connection.vendor != "sqlite"


@pytest.mark.skipif(
    not _shared_backends(),
    reason="needs a shared cache and database: run with REDIS_URL and DATABASE_URL (CI does)",
)
@pytest.mark.django_db(transaction=True)
def test_revocation_in_another_process_is_seen_on_the_next_request(user) -> None:
    """Another worker process revokes B; this worker's very next request from B, which still
    carries a warm cache cookie, is the null answer."""
    import os

    import dj_database_url
    from django.db import connection

    from django_authsession.tokens import storage_key

    _, b = two_browsers(user)
    stored = storage_key(b_token(b))
    code = (
        "import django; django.setup();"
        "from django_authsession import sessions;"
        "from django_authsession.models import Session;"
        f"n = sessions.revoke_sessions(Session.objects.filter(token={stored!r}), reason='t');"
        "assert n == 1, n"
    )
    db = connection.settings_dict
    test_db_url = dj_database_url.parse(os.environ["DATABASE_URL"]) | {"NAME": db["NAME"]}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**test_db_url),
    }
    run_python(["-c", code], env=env, timeout=60)
    response = b.get(URL)
    assert response.json() == NULL_ANSWER
    assert cleared(response, cookies.data_cookie_name())


def test_remember_me_false_cache_is_a_browser_cookie_trusted_for_a_minute(
    client, user, django_assert_num_queries
) -> None:
    response = sign_in(client, user.email, DEFAULT_PASSWORD, rememberMe=False)
    morsel = response.cookies[cookies.data_cookie_name()]
    assert morsel["max-age"] == ""
    with django_assert_num_queries(0):
        client.get(URL)
    with time_machine.travel(timedelta(seconds=61)), django_assert_num_queries(1):
        assert client.get(URL).json()["user"]["email"] == user.email


def test_queryset_delete_of_users_ends_warm_caches(user) -> None:
    a, b = two_browsers(user)
    type(user).objects.filter(pk=user.pk).delete()
    assert a.get(URL).json() == NULL_ANSWER
    assert b.get(URL).json() == NULL_ANSWER


def test_a_cookie_cache_is_trusted_for_the_configured_max_age_whatever_it_says(
    settings, client, user, django_assert_num_queries
) -> None:
    """A cookie cache signed with a longer life (by an older setting, or a Better Auth server
    sharing the secret) is honoured for AUTHSESSION_COOKIE_CACHE_MAX_AGE after it was written,
    not for as long as its own expiresAt says: revocation marks live only that long."""
    signed_in_token(client, user.email)
    session = client.get(GET_SESSION, {"disableCookieCache": "true"}).json()
    settings.AUTHSESSION_COOKIE_CACHE_MAX_AGE = 600
    written = int(time.time() * 1000) - 305 * 1000  # 305 s ago, good for an hour
    client.cookies[cookies.data_cookie_name()] = cookie_cache.encode_session_data(
        session["session"],
        session["user"],
        secret=settings.SECRET_KEY,
        max_age=3600,
        now_ms=written,
    )
    with django_assert_num_queries(0):  # within the configured age: a hit
        assert client.get(URL).json()["user"]["email"] == user.email
    settings.AUTHSESSION_COOKIE_CACHE_MAX_AGE = 300
    with django_assert_num_queries(1):  # past it: the database answers
        assert client.get(URL).json()["user"]["email"] == user.email
