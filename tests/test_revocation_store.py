"""Revocation marks in a cache of their own: client traffic cannot evict them, and a failing
mark store makes the database answer (fail closed), never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import pytest
from django.test import Client, override_settings

from django_authsession import revocation, security
from django_authsession.conf import app_settings
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import NULL_ANSWER, redis_server, unreachable_redis

pytestmark = pytest.mark.django_db
URL = "/api/auth/get-session"


def browser() -> Client:
    return Client(HTTP_ORIGIN="http://testserver")


def sign_in(client: Client, email: str) -> None:
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_client_traffic_creating_counters_does_not_evict_a_mark(settings, user) -> None:
    """Local memory keeps 300 entries per store: 400 requests from 400 addresses each create a
    rate-limit counter, and the signed-out browser's old cookies must still be refused."""
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "1000/60s"
    stolen = browser()
    sign_in(stolen, user.email)
    assert stolen.get(URL).json() is not None  # the cookie cache is warm
    old_cookies = deepcopy(stolen.cookies)
    stolen.post("/api/auth/sign-out")

    for i in range(400):
        address = f"198.51.{i // 250}.{i % 250 + 1}"
        response = browser().post("/api/auth/sign-out", REMOTE_ADDR=address)
        assert response.status_code == 200

    replay = browser()
    replay.cookies = old_cookies
    assert replay.get(URL).json() is None


@pytest.fixture
def marks_unreachable(settings) -> Iterator[None]:
    pytest.importorskip("redis")
    # Restored before the suite's cache-clearing fixture runs, which would hit the dead server.
    with override_settings(
        CACHES={**settings.CACHES, "marks-down": unreachable_redis()},
        AUTHSESSION_REVOCATION_CACHE="marks-down",
    ):
        yield


def test_mark_store_down_reads_fall_back_to_the_database(
    marks_unreachable, user, caplog, django_assert_num_queries
) -> None:
    client = browser()
    sign_in(client, user.email)
    # The cookie cache is not trusted: the row answers.
    with caplog.at_level(logging.ERROR, logger=security.logger.name), django_assert_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email
    events = [r for r in caplog.records if getattr(r, "event", None) == "mark_store_failure"]
    assert events
    assert events[0].cache == "marks-down"


def test_mark_store_down_sign_out_answers_503_and_a_retry_ends_the_copies(settings, user) -> None:
    """No mark can be written and the store cannot be marked untrusted: sign-out does not
    answer success. The row is gone; the browser keeps its cookies, and signing out again
    once the store is back writes the mark that ends the stolen copy."""
    pytest.importorskip("redis")
    client = browser()
    sign_in(client, user.email)
    assert client.get(URL).json() is not None  # the cookie cache is warm
    stolen = deepcopy(client.cookies)
    down = override_settings(
        CACHES={**settings.CACHES, "marks-down": unreachable_redis()},
        AUTHSESSION_REVOCATION_CACHE="marks-down",
    )
    with down:
        response = client.post("/api/auth/sign-out")
        assert response.status_code == 503
        assert response.json()["code"] == "SERVICE_UNAVAILABLE"
        assert not response.cookies  # nothing cleared: the browser can sign out again
        assert not Session.objects.exists()
        replay = browser()
        replay.cookies = deepcopy(stolen)
        # No mark can be read either: the database, where the row is gone, answers.
        assert replay.get("/api/auth/session").json() == NULL_ANSWER
    # The store is back, with no mark in it: signing out again records one.
    response = client.post("/api/auth/sign-out")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    replay = browser()
    replay.cookies = stolen
    assert replay.get(URL).json() is None


# --------------------------------------------------------------------------------------------
# Marks that are lost: a flushed (or restarted) store, a refused write. Real Redis servers.


def _redis_client(config: dict[str, Any]) -> Any:
    redis = pytest.importorskip("redis")
    location = config["LOCATION"]
    return redis.Redis.from_url(location if isinstance(location, str) else location[0])


@contextmanager
def _marks_in_redis(settings: Any, *options: str) -> Iterator[Any]:
    """The marks in a Redis server of the test's own (started with ``options``); yields a
    client of its database. The generation is set as on a store that has held every mark."""
    with redis_server(*options) as port:
        config = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
        with override_settings(
            CACHES={**settings.CACHES, "own-marks": config},
            AUTHSESSION_REVOCATION_CACHE="own-marks",
        ):
            revocation.trust_cookie_caches_from(0)
            client = _redis_client(config)
            try:
                yield client
            finally:
                client.close()


@pytest.fixture
def marks_redis(settings: Any) -> Iterator[Any]:
    """A client of the marks' Redis database: the configured one when the suite runs on Redis
    (REDIS_URL, where the marks have a database of their own), else a server of the test's."""
    config = settings.CACHES[app_settings.REVOCATION_CACHE]
    if "redis" in config["BACKEND"].lower():
        client = _redis_client(config)
        try:
            yield client
        finally:
            client.close()
        return
    with _marks_in_redis(settings) as client:
        yield client


def _signed_in_with_warm_cache(user: Any) -> tuple[Client, Any]:
    """A browser signed in with a cookie cache served from the cookie, and a copy of its
    cookies (what a thief took)."""
    client = browser()
    sign_in(client, user.email)
    assert client.get(URL).json()["user"]["email"] == user.email
    return client, deepcopy(client.cookies)


def _replay(stolen: Any) -> Any:
    thief = browser()
    thief.cookies = stolen
    return thief.get(URL).json()


def test_a_flushed_mark_store_never_revives_a_signed_out_cookie_cache(marks_redis, user) -> None:
    """Sign out (the mark is written), the marks' Redis database is flushed (or Redis restarts
    without persistence), and the thief replays session_token + session_data."""
    client, stolen = _signed_in_with_warm_cache(user)
    assert client.post("/api/auth/sign-out").json() == {"success": True}
    assert _replay(deepcopy(stolen)) is None  # the mark holds
    marks_redis.flushdb()
    assert _replay(stolen) is None  # no generation: the database answers, the row is gone


def test_after_a_flush_cookie_caches_issued_before_it_go_to_the_database(
    marks_redis, user, caplog, django_assert_num_queries
) -> None:
    client, _ = _signed_in_with_warm_cache(user)
    marks_redis.flushdb()
    logs = caplog.at_level(logging.WARNING, logger=security.logger.name)
    with logs, django_assert_num_queries(1):
        assert client.get(URL).json()["user"]["email"] == user.email
    assert marks_redis.exists(*marks_redis.keys("*generation*"))  # a new generation
    events = [getattr(r, "event", None) for r in caplog.records]
    assert security.MARK_STORE_RESET in events
    assert security.REVOKED_REPLAY not in events  # the owner's browser, not a replay


def test_a_refused_mark_write_between_sign_out_and_replay(settings, user) -> None:
    """Redis with ``maxmemory`` reached under ``noeviction`` refuses the mark: sign-out still
    answers success (the row is deleted and the store marked untrusted), and the replay of the
    stolen cookies is answered by the database: null."""
    with _marks_in_redis(settings, "--maxmemory-policy", "noeviction") as marks:
        client, stolen = _signed_in_with_warm_cache(user)
        marks.config_set("maxmemory", 1)  # full: every write is refused from now on
        with pytest.raises(Exception, match="maxmemory"):
            marks.set("probe", 1)
        response = client.post("/api/auth/sign-out")
        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert not Session.objects.exists()
        assert _replay(stolen) is None
        # Still full: later hits go on asking the database rather than trust a cookie cache.
        other = browser()
        sign_in(other, user.email)
        assert other.get(URL).json()["user"]["email"] == user.email
        marks.config_set("maxmemory", 0)


def test_deactivating_a_user_with_the_mark_store_down_raises(settings, user) -> None:
    """The caller learns that the revocation is not complete (in the admin, the change is
    rolled back with the transaction), rather than a silent success."""
    pytest.importorskip("redis")
    with override_settings(
        CACHES={**settings.CACHES, "marks-down": unreachable_redis()},
        AUTHSESSION_REVOCATION_CACHE="marks-down",
    ):
        user.is_active = False
        with pytest.raises(revocation.MarkStoreUnavailable):
            user.save()


def test_without_the_alias_marks_live_in_a_per_process_fallback(settings, user) -> None:
    """A new project with no ``authsession_revocation`` cache runs: sign-in, the cookie
    cache, sign-out, and a replay of the signed-out browser's cookie cache is refused."""
    from django_authsession import revocation

    caches_without_alias = {"default": settings.CACHES["default"]}
    with override_settings(CACHES=caches_without_alias):
        revocation.cache().clear()
        assert revocation.uses_fallback()
        stolen = browser()
        sign_in(stolen, user.email)
        assert stolen.get(URL).json() is not None  # the cookie cache is warm
        old_cookies = deepcopy(stolen.cookies)
        stolen.post("/api/auth/sign-out")
        replay = browser()
        replay.cookies = old_cookies
        assert replay.get(URL).json() is None
        signed_up = browser().post(  # sign-up's lock lives in the same store
            "/api/auth/sign-up/email",
            {"name": "New", "email": "new@example.com", "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )
        assert signed_up.status_code == 200, signed_up.content
        revocation.cache().clear()
