"""Revocation marks in a cache of their own: client traffic cannot evict them, and a failing
mark store makes the database answer (fail closed), never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from copy import deepcopy

import pytest
from django.test import Client, override_settings

from django_authsession import security
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import NULL_ANSWER, unreachable_redis

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


def test_mark_store_down_sign_out_still_ends_the_session(marks_unreachable, user) -> None:
    client = browser()
    sign_in(client, user.email)
    stolen = deepcopy(client.cookies)
    response = client.post("/api/auth/sign-out")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    replay = browser()
    replay.cookies = stolen
    # No mark could be written, and none can be read: the database, where the row is gone, answers.
    assert replay.get("/api/auth/session").json() == NULL_ANSWER


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
