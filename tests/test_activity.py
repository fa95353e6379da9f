"""Last activity: ``last_active_at`` written at most once per ``AUTHSESSION_ACTIVITY_INTERVAL``
from the database path and from cookie-cache hits alike, within the request budgets; the
idle timeout built on it; ``lastActiveAt`` in list-sessions."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_authsession import cookies, signals
from django_authsession.conf import app_settings
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import UserFactory, create_session
from tests.helpers import NULL_ANSWER, cleared, origin_client, set_value, signed_in_token

URL = "/api/auth/get-session"
INTERVAL = 120  # shorter than the cookie cache's 300 s, so hits also reach the write


@pytest.fixture(autouse=True)
def _interval(settings: Any) -> None:
    settings.AUTHSESSION_ACTIVITY_INTERVAL = INTERVAL
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None


def _row(**lookup: Any) -> Any:
    return Session.objects.get(**lookup)


def _activity_writes(queries: CaptureQueriesContext) -> int:
    return sum(
        q["sql"].startswith("UPDATE") and "last_active_at" in q["sql"]
        for q in queries.captured_queries
    )


def test_the_default_interval_is_five_minutes_with_the_app_installed(settings) -> None:
    del settings.AUTHSESSION_ACTIVITY_INTERVAL
    assert app_settings.ACTIVITY_INTERVAL == 300


def test_without_the_app_nothing_is_tracked(settings) -> None:
    del settings.AUTHSESSION_ACTIVITY_INTERVAL
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if "activity" not in a]
    assert app_settings.ACTIVITY_INTERVAL is None


@pytest.mark.django_db
def test_no_cookie_costs_nothing(client, cache_calls, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert client.get(URL).content == b"null"
    assert sum(cache_calls.values()) == 0


def test_a_hit_within_the_interval_costs_one_cache_call_and_no_query(
    client, user, cache_calls, django_assert_num_queries
) -> None:
    signed_in_token(client, user.email)
    cache_calls.clear()
    with time_machine.travel(timedelta(seconds=INTERVAL - 5)), django_assert_num_queries(0):
        response = client.get(URL)
    assert response.json()["user"]["email"] == user.email
    assert sum(cache_calls.values()) == 1
    assert not response.cookies  # nothing re-issued


def test_a_hit_whose_cookie_is_one_interval_old_writes_once_and_renews_the_cookie(
    client, user, cache_calls, django_assert_num_queries
) -> None:
    signed_in_token(client, user.email)
    created = _row().last_active_at
    cache_calls.clear()
    with time_machine.travel(timedelta(seconds=INTERVAL + 5)):
        with django_assert_num_queries(1):  # the conditional UPDATE, no read
            response = client.get(URL)
        assert sum(cache_calls.values()) == 1
        renewed = set_value(response, cookies.data_cookie_name())
        assert renewed  # the cookie now carries the new lastActiveAt
        assert set_value(response, cookies.token_cookie_name()) is None  # no refresh
        with django_assert_num_queries(0):  # and the next hit is free again
            assert client.get(URL).json()["user"]["email"] == user.email
    assert _row().last_active_at >= created + timedelta(seconds=INTERVAL)


def test_the_database_path_costs_one_query_plus_the_write_when_due(
    signed_in, django_assert_num_queries
) -> None:
    client, session, _ = signed_in  # no cookie cache: every request reads the row
    settings_interval = timedelta(seconds=INTERVAL)
    with (
        time_machine.travel(session.created_at + timedelta(seconds=10), tick=False),
        django_assert_num_queries(1),
    ):
        client.get(URL, {"disableCookieCache": "true"})
    with (
        time_machine.travel(session.created_at + settings_interval, tick=False),
        django_assert_num_queries(2),
    ):
        client.get(URL, {"disableCookieCache": "true"})
    assert _row(pk=session.pk).last_active_at == session.created_at + settings_interval


def test_list_sessions_shows_last_activity(client, user) -> None:
    signed_in_token(client, user.email)
    start = _row().created_at
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        client.get(URL)  # the cookie cache expired: the database path records it
        rows = client.get("/api/auth/list-sessions").json()
    assert rows[0]["lastActiveAt"] == (start + timedelta(minutes=30)).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert rows[0]["location"] is None


# Any sequence of requests (gaps from a second to a day): the activity is written at most once
# per interval, and after every request the row is at most one interval behind it.
GAPS = st.lists(
    st.one_of(
        st.integers(min_value=1, max_value=INTERVAL * 3),
        st.integers(min_value=1, max_value=86_400),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gaps=GAPS, flags=st.lists(st.booleans(), min_size=12, max_size=12))
def test_throttle_writes_at_most_once_per_interval_and_never_lags_more(
    settings: Any, gaps: list[int], flags: list[bool]
) -> None:
    settings.AUTHSESSION_ACTIVITY_INTERVAL = INTERVAL
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    user: Any = UserFactory()
    client = origin_client()
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        signed_in_token(client, user.email)
    writes: list[datetime] = [start]  # signing in is activity
    now = start
    for gap, skip_cache in zip(gaps, flags, strict=False):
        now += timedelta(seconds=gap)
        with time_machine.travel(now, tick=False), CaptureQueriesContext(connection) as seen:
            params = {"disableCookieCache": "true"} if skip_cache else {}
            assert client.get(URL, params).json()["user"]["email"] == user.email
        writes += [now] * _activity_writes(seen)
        last: Any = Session.objects.get(user=user).last_active_at
        assert now - last < timedelta(seconds=INTERVAL), (now, last)
    assert all(b - a >= timedelta(seconds=INTERVAL) for a, b in itertools.pairwise(writes))
    Session.objects.filter(user=user).delete()


# -- Idle timeout ------------------------------------------------------------------------------


@pytest.fixture
def idle_timeout(settings: Any) -> int:
    settings.AUTHSESSION_IDLE_TIMEOUT = 1800
    return 1800


def test_an_idle_session_ends_on_its_next_request_whatever_its_expiry(
    client, user, idle_timeout
) -> None:
    signed_in_token(client, user.email)
    start = _row().created_at
    with time_machine.travel(start + timedelta(seconds=idle_timeout - 60), tick=False):
        assert client.get(URL).json()["user"] is not None  # active: recorded
    later = start + timedelta(seconds=2 * idle_timeout - 120)
    with time_machine.travel(later, tick=False):
        assert client.get(URL).json()["user"] is not None  # idle for less than the timeout
    with time_machine.travel(later + timedelta(seconds=idle_timeout), tick=False):
        response = client.get(URL)
    assert response.content == b"null"
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.exists()


def test_an_idle_session_is_refused_from_its_cookie_cache_too(
    client, user, idle_timeout, settings
) -> None:
    settings.AUTHSESSION_COOKIE_CACHE_MAX_AGE = 3 * idle_timeout  # the cookie outlives the idle
    signed_in_token(client, user.email)
    with time_machine.travel(timedelta(seconds=idle_timeout + 1)):
        assert client.get(URL).content == b"null"
    assert not Session.objects.exists()


def test_cleanup_ends_idle_sessions_and_keeps_active_ones(user, idle_timeout) -> None:
    idle, _ = create_session(user)
    active, _ = create_session(user)
    now = timezone.now()
    Session.objects.filter(pk=idle.pk).update(last_active_at=now - timedelta(hours=1))
    ended: list[Any] = []
    signals.session_revoked.connect(
        lambda **kw: ended.append(kw), weak=False, dispatch_uid="idle-test"
    )
    try:
        call_command("cleanup_sessions", verbosity=0)
    finally:
        signals.session_revoked.disconnect(dispatch_uid="idle-test")
    assert list(Session.objects.values_list("pk", flat=True)) == [active.pk]
    assert [(kw["reason"], kw["session_ids"]) for kw in ended] == [("idle-timeout", [idle.pk])]


def test_without_an_idle_timeout_an_old_activity_ends_nothing(signed_in) -> None:
    client, session, _ = signed_in
    with time_machine.travel(session.created_at + timedelta(days=6), tick=False):
        assert client.get(URL).json() != NULL_ANSWER


def test_a_remembered_session_cookie_still_dies_when_idle(client, user, idle_timeout) -> None:
    """Remember-me keeps the cookie across browser restarts; the idle timeout still applies."""
    token = signed_in_token(client, user.email)
    other = origin_client()
    other.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    with time_machine.travel(timedelta(seconds=idle_timeout + 5)):
        assert other.get(URL).content == b"null"


def test_without_tracking_reads_write_nothing(
    client, user, settings, django_assert_num_queries
) -> None:
    """AUTHSESSION_ACTIVITY_INTERVAL = None (the default without the app): the database path is
    its one query, however long since the last request, and nothing records activity."""
    settings.AUTHSESSION_ACTIVITY_INTERVAL = None
    session, token = create_session(user)
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    with (
        time_machine.travel(session.created_at + timedelta(hours=3), tick=False),
        django_assert_num_queries(1),
    ):
        response = client.get(URL)
    assert "lastActiveAt" not in response.json()["session"]
    assert _row(pk=session.pk).last_active_at is None
