"""The session cap under concurrent sign-ins of one user (PostgreSQL, real connections): the
user's row is locked while counting, so neither policy lets the count pass the cap."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from django_authsession.activity.models import EventType, SecurityEvent
from django_authsession.models import Session
from tests.factories import UserFactory, create_session
from tests.helpers import origin_client, sign_in
from tests.test_concurrency import THREADS, run_at_once

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs a database with real concurrent connections: run with DATABASE_URL",
    ),
    pytest.mark.django_db(transaction=True),
]
CAP = 2


@pytest.fixture(autouse=True)
def _cap(settings: Any) -> None:
    settings.AUTHSESSION_MAX_SESSIONS_PER_USER = CAP
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None


def test_concurrent_sign_ins_end_the_oldest_and_never_pass_the_cap() -> None:
    user: Any = UserFactory()
    for _ in range(CAP):
        create_session(user)
    statuses = run_at_once(lambda i: sign_in(origin_client(), user.email).status_code)
    assert statuses == [200] * THREADS
    assert Session.objects.filter(user=user).count() == CAP
    ended = SecurityEvent.objects.filter(
        user=user, type=EventType.SESSION_REVOKED, details__reason="session-cap"
    )
    assert ended.count() == THREADS  # each sign-in ended exactly one session


def test_concurrent_sign_ins_beyond_the_cap_are_refused(settings) -> None:
    settings.AUTHSESSION_SESSION_LIMIT_POLICY = "refuse"
    user: Any = UserFactory()

    def attempt(i: int) -> tuple[int, str | None]:
        response = sign_in(origin_client(), user.email)
        return response.status_code, response.json().get("code")

    results = sorted(run_at_once(attempt), key=lambda r: r[0])
    assert results == [(200, None)] * CAP + [(403, "SESSION_LIMIT_REACHED")] * (THREADS - CAP)
    assert Session.objects.filter(user=user).count() == CAP
    refused = SecurityEvent.objects.filter(user=user, type=EventType.SIGN_IN_REFUSED)
    assert refused.count() == THREADS - CAP
