"""When the cache holding the rate-limit counters is down (Redis unreachable), no endpoint
answers 500: credential checks refuse with 503 (guessing must not run unlimited), everything
else goes on uncounted, and each failure is logged as ``rate_limit_store_failure``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.test import override_settings

from django_authsession import security
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import NULL_ANSWER, origin_client, sign_in, sign_up, unreachable_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def counters_unreachable(settings) -> Iterator[None]:
    pytest.importorskip("redis")
    with override_settings(
        CACHES={**settings.CACHES, "counters-down": unreachable_redis()},
        RATELIMIT_USE_CACHE="counters-down",
    ):
        yield


def _store_failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "rate_limit_store_failure"]


def test_sign_in_refuses_with_503_and_logs(counters_unreachable, user, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger=security.logger.name):
        response = sign_in(origin_client(), user.email)
    assert response.status_code == 503
    assert response.json()["code"] == "RATE_LIMIT_UNAVAILABLE"
    assert response["Retry-After"] == "30"
    assert response.cookies.get("better-auth.session_token") is None
    assert _store_failures(caplog)
    assert DEFAULT_PASSWORD not in caplog.text


def test_sign_up_refuses_with_503(counters_unreachable) -> None:
    response = sign_up(origin_client(), "new-person@example.com")
    assert response.status_code == 503
    assert response.json()["code"] == "RATE_LIMIT_UNAVAILABLE"


def test_session_reads_and_sign_out_go_on(counters_unreachable, signed_in, caplog) -> None:
    client, _session, _token = signed_in
    with caplog.at_level(logging.ERROR, logger=security.logger.name):
        anonymous = origin_client().get("/api/auth/session")  # counted: the store fails
        assert anonymous.status_code == 200
        assert anonymous.json() == NULL_ANSWER
        assert client.get("/api/auth/session").json()["user"] is not None
        assert client.post("/api/auth/sign-out").json() == {"success": True}
        assert client.get("/api/auth/session").json() == NULL_ANSWER
    assert _store_failures(caplog)
