"""Sliding expiry (CONTRACT.md §4): 7 days, extended after 1 day of age, one conditional write."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from django_authsession import cookies, sessions
from django_authsession.models import Session
from tests.helpers import NULL_ANSWER, activity_writes, set_value, sign_in

URL = "/api/auth/session"
WEEK = timedelta(days=7)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_path(settings) -> None:
    """These tests are about the database path; the cookie cache has its own tests."""
    settings.AUTHSESSION_COOKIE_CACHE = False


def test_not_refreshed_before_one_day(signed_in, django_assert_num_queries) -> None:
    client, session, _ = signed_in
    moment = session.created_at + timedelta(hours=23, minutes=59)
    idle = (moment - session.created_at).total_seconds()
    with (
        time_machine.travel(moment, tick=False),
        django_assert_num_queries(1 + activity_writes(idle)),
    ):
        response = client.get(URL)
    assert response.json()["session"]["expires_at"] is not None
    assert set_value(response, cookies.token_cookie_name()) is None
    row = Session.objects.get(pk=session.pk)
    assert row.expires_at == session.expires_at
    assert row.updated_at == session.updated_at


def test_refreshed_after_one_day_with_fresh_cookie(signed_in, django_assert_num_queries) -> None:
    client, session, _token = signed_in
    moment = session.created_at + timedelta(days=1, seconds=1)
    with time_machine.travel(moment, tick=False), django_assert_num_queries(2):
        response = client.get(URL)
    row = Session.objects.get(pk=session.pk)
    assert row.expires_at == moment + WEEK
    assert row.updated_at == moment
    assert response.json()["session"]["expires_at"].startswith(
        (moment + WEEK).strftime("%Y-%m-%dT%H:%M:%S")
    )
    morsel = response.cookies[cookies.token_cookie_name()]
    assert (
        set_value(response, cookies.token_cookie_name())
        == client.cookies[cookies.token_cookie_name()].value
    )
    assert str(morsel["max-age"]) == str(7 * 24 * 3600)


def test_at_most_one_write_per_window(signed_in, django_assert_num_queries) -> None:
    client, session, _ = signed_in
    moment = session.created_at + timedelta(days=1, seconds=1)
    with time_machine.travel(moment, tick=False):
        client.get(URL)
    later = moment + timedelta(hours=23)
    with (
        time_machine.travel(later, tick=False),
        django_assert_num_queries(
            1 + activity_writes(23 * 3600)  # the activity, not the expiry
        ),
    ):
        response = client.get(URL)
    assert set_value(response, cookies.token_cookie_name()) is None
    assert Session.objects.get(pk=session.pk).expires_at == moment + WEEK


def test_expired_after_seven_idle_days(signed_in) -> None:
    client, session, _ = signed_in
    with time_machine.travel(session.created_at + WEEK + timedelta(seconds=1), tick=False):
        assert client.get(URL).json() == NULL_ANSWER
    assert not Session.objects.filter(pk=session.pk).exists()


def test_refresh_never_resurrects_a_revoked_session(signed_in) -> None:
    _, session, token = signed_in
    moment = session.created_at + timedelta(days=2)
    with time_machine.travel(moment, tick=False):
        resolved = sessions.resolve_from_db(token)
        assert resolved is not None
        Session.objects.filter(pk=session.pk).delete()  # revoked between read and update
        assert sessions.refresh(resolved) is None
    assert not Session.objects.filter(pk=session.pk).exists()


def test_concurrent_refreshes_write_once(signed_in) -> None:
    _, session, token = signed_in
    moment = session.created_at + timedelta(days=2)
    with time_machine.travel(moment, tick=False):
        first = sessions.resolve_from_db(token)
        second = sessions.resolve_from_db(token)
        assert first and second
        assert sessions.refresh(first) is not None and first.refreshed
    with time_machine.travel(moment + timedelta(seconds=5), tick=False):
        again = sessions.refresh(second)
    assert again is not None and not again.refreshed
    row = Session.objects.get(pk=session.pk)
    assert row.updated_at == moment
    assert row.expires_at == moment + WEEK


def test_absolute_max_age_caps_sliding(settings, signed_in) -> None:
    settings.AUTHSESSION_ABSOLUTE_MAX_AGE = 3 * 24 * 3600
    client, session, _ = signed_in
    moment = session.created_at + timedelta(days=2)
    with time_machine.travel(moment, tick=False):
        client.get(URL)
    assert Session.objects.get(pk=session.pk).expires_at == session.created_at + timedelta(days=3)
    with time_machine.travel(session.created_at + timedelta(days=3, seconds=1), tick=False):
        assert client.get(URL).json() == NULL_ANSWER


def test_remember_me_false_gives_browser_cookie_and_no_extension(client, user) -> None:
    response = sign_in(client, user.email, "correct-horse-battery", rememberMe=False)
    assert response.status_code == 200
    morsel = response.cookies[cookies.token_cookie_name()]
    assert morsel["max-age"] == "" and morsel["expires"] == ""
    assert cookies.dont_remember_cookie_name() in response.cookies
    session = Session.objects.get()
    assert session.expires_at - session.created_at == timedelta(days=1)
    with time_machine.travel(session.created_at + timedelta(hours=23), tick=False):
        response = client.get(URL)
    assert response.json()["user"]["email"] == user.email
    assert Session.objects.get().expires_at == session.expires_at
    assert set_value(response, cookies.token_cookie_name()) is None


def test_query_budget_no_cookie_zero(client, db, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        client.get(URL)
    with django_assert_num_queries(0):
        client.get("/api/ping/")


def test_update_age_setting_is_honoured(settings, signed_in) -> None:
    settings.AUTHSESSION_UPDATE_AGE = 3600
    client, session, _ = signed_in
    moment = session.created_at + timedelta(hours=1, seconds=1)
    with time_machine.travel(moment, tick=False):
        client.get(URL)
    assert Session.objects.get(pk=session.pk).expires_at == moment + WEEK
