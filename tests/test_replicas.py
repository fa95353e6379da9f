"""Read replicas (docs/howto/read-replicas.md): with ``DATABASE_ROUTERS`` sending reads to a
replica, the session read runs there and every write on the primary; replication lag never
signs a new session out, and never brings a revoked one back while its revocation mark lives.

Two replica aliases (tests/settings.py): ``replica``, a test mirror of ``default`` (replication
without lag), and ``lagging_replica``, a database of its own holding only the rows a test copies
into it (a replica that has not caught up)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connections
from django.test.utils import CaptureQueriesContext

from django_authsession import cookies, sessions
from django_authsession.conf import app_settings
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session
from tests.helpers import NULL_ANSWER

URL = "/api/auth/session?disableCookieCache=true"
MIRROR = "tests.routers.MirrorReplicaRouter"
LAGGING = "tests.routers.LaggingReplicaRouter"


@contextmanager
def queries_on(*aliases: str) -> Iterator[dict[str, list[str]]]:
    """The SQL run on each alias inside the block (Django's own query capture)."""
    contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in aliases}
    captured: dict[str, list[str]] = {}
    for context in contexts.values():
        context.__enter__()
    try:
        yield captured
    finally:
        for alias, context in contexts.items():
            context.__exit__(None, None, None)
            captured[alias] = [q["sql"] for q in context.captured_queries]


def _kinds(statements: list[str]) -> list[str]:
    return [sql.split(None, 1)[0].upper() for sql in statements]


def _browser(make_client: Any, token: str) -> Any:
    client = make_client()
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    return client


def replicate(*rows: Any, alias: str = "lagging_replica") -> None:
    """Copy rows as they are now onto the lagging replica (replication catching up once)."""
    for row in rows:
        type(row).objects.using(alias).bulk_create([copy.copy(row)])


# --- a replica without lag: where each query runs -------------------------------------------


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_session_read_on_replica_writes_on_primary(settings, make_client) -> None:
    settings.DATABASE_ROUTERS = [MIRROR]
    user: Any = UserFactory()
    client = make_client()
    with queries_on("default", "replica") as sign_in:
        response = client.post(
            "/api/auth/sign-in/email",
            {"email": user.email, "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )
    assert response.status_code == 200
    assert "INSERT" in _kinds(sign_in["default"])  # create on the primary
    assert "INSERT" not in _kinds(sign_in["replica"])

    with queries_on("default", "replica") as read:
        assert client.get(URL).json()["user"]["email"] == user.email
    assert read["default"] == []
    assert _kinds(read["replica"]) == ["SELECT"]

    session = Session.objects.get()
    with (
        time_machine.travel(session.created_at + timedelta(days=1, minutes=1), tick=False),
        queries_on("default", "replica") as refresh,
    ):
        assert client.get(URL).json()["user"]["email"] == user.email
    assert _kinds(refresh["replica"]) == ["SELECT"]
    assert _kinds(refresh["default"]) == ["UPDATE"]  # the refresh, on the primary
    assert Session.objects.using("default").get().expires_at > session.expires_at

    with queries_on("default", "replica") as sign_out:
        assert client.post("/api/auth/sign-out", {}, content_type="application/json").json()
    assert "DELETE" in _kinds(sign_out["default"])
    assert "DELETE" not in _kinds(sign_out["replica"])
    assert not Session.objects.using("default").exists()


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_expired_session_is_deleted_on_the_primary(settings, make_client) -> None:
    settings.DATABASE_ROUTERS = [MIRROR]
    session, token = create_session(UserFactory())
    with (
        time_machine.travel(session.expires_at + timedelta(seconds=1), tick=False),
        queries_on("default", "replica") as queries,
    ):
        assert _browser(make_client, token).get(URL).json() == NULL_ANSWER
    assert "DELETE" in _kinds(queries["default"])
    assert "DELETE" not in _kinds(queries["replica"])
    assert not Session.objects.using("default").exists()


# --- a lagging replica ----------------------------------------------------------------------

lagging = pytest.mark.django_db(databases=["default", "lagging_replica"])


@lagging
def test_session_not_yet_replicated_falls_back_to_the_primary(settings, make_client) -> None:
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    replicate(user)  # the user is old; the session about to be made is not replicated
    client = make_client()
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not Session.objects.using("lagging_replica").exists()
    with queries_on("default", "lagging_replica") as queries:
        assert client.get(URL).json()["user"]["email"] == user.email
    assert _kinds(queries["lagging_replica"]) == ["SELECT"]  # not there
    assert _kinds(queries["default"]) == ["SELECT"]  # so the primary answers


@lagging
def test_revoked_session_still_on_the_replica_is_refused(settings, make_client) -> None:
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    session, token = create_session(user)
    kept, kept_token = create_session(user)
    replicate(user, session, kept)
    sessions.revoke_sessions([session], reason="test")  # on the primary only
    assert Session.objects.using("lagging_replica").filter(pk=session.pk).exists()
    with queries_on("default", "lagging_replica") as queries:
        assert _browser(make_client, token).get(URL).json() == NULL_ANSWER
    assert _kinds(queries["lagging_replica"]) == ["SELECT"]  # found, but marked revoked:
    assert _kinds(queries["default"]) == ["SELECT"]  # the primary answers (no row)
    assert _browser(make_client, kept_token).get(URL).json()["user"]["email"] == user.email


@lagging
def test_revoked_session_is_refused_for_as_long_as_the_cookie_cache_could_hold_it(
    settings, make_client
) -> None:
    """The bound on tolerated lag: the marks outlive the longest cookie cache
    (docs/howto/read-replicas.md)."""
    settings.DATABASE_ROUTERS = [LAGGING]
    user = UserFactory()
    session, token = create_session(user)
    replicate(user, session)
    sessions.revoke_sessions([session], reason="test")
    lifetime = max(app_settings.COOKIE_CACHE_MAX_AGE, 60) + 59  # 5 min cache + 59 s
    with time_machine.travel(timedelta(seconds=lifetime)):
        assert _browser(make_client, token).get(URL).json() == NULL_ANSWER


@lagging
def test_sessions_revoked_all_at_once_stay_revoked_on_the_replica(settings, make_client) -> None:
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    old, old_token = create_session(user)
    replicate(user, old)
    with time_machine.travel(timedelta(seconds=1)):  # "signed out everywhere", a moment later
        assert sessions.revoke_user_sessions(user.pk) == 1
    with time_machine.travel(timedelta(seconds=2)):  # then signs in again, replicated at once
        new, new_token = create_session(user)
        replicate(new)
        assert _browser(make_client, old_token).get(URL).json() == NULL_ANSWER
        assert _browser(make_client, new_token).get(URL).json()["user"]["email"] == user.email


@lagging
def test_user_deactivated_on_the_primary_is_signed_out_on_the_replica(
    settings, make_client
) -> None:
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    session, token = create_session(user)
    replicate(user, session)
    with time_machine.travel(timedelta(seconds=1)):
        user.is_active = False
        user.save(update_fields=["is_active"])
        assert type(user).objects.using("lagging_replica").get(pk=user.pk).is_active
        assert _browser(make_client, token).get(URL).json() == NULL_ANSWER


@lagging
def test_revoke_all_reaches_sessions_not_yet_replicated(settings, make_client) -> None:
    """Choosing the rows to revoke reads the primary: a lagging replica must not hide a session
    signed in a moment ago from "sign out everywhere"."""
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    current, current_token = create_session(user)
    replicate(user, current)
    _, fresh_token = create_session(user)  # not on the replica yet
    response = _browser(make_client, current_token).post(
        "/api/auth/revoke-other-sessions", {}, content_type="application/json"
    )
    assert response.json() == {"status": True}
    assert list(Session.objects.using("default").values_list("pk", flat=True)) == [current.pk]
    assert _browser(make_client, fresh_token).get(URL).json() == NULL_ANSWER


@lagging
def test_refresh_seen_stale_on_the_replica_is_not_written_twice(settings, make_client) -> None:
    """The replica still has the old expiry; the conditional update finds the row already
    refreshed and the primary's row answers, unchanged."""
    settings.DATABASE_ROUTERS = [LAGGING]
    user: Any = UserFactory()
    session, token = create_session(user)
    replicate(user, session)
    moment = session.created_at + timedelta(days=1, minutes=1)
    with time_machine.travel(moment, tick=False):
        assert _browser(make_client, token).get(URL).status_code == 200  # refreshes
        refreshed = Session.objects.using("default").get(pk=session.pk)
        assert refreshed.expires_at > session.expires_at
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        answer = _browser(make_client, token).get(URL).json()
    assert answer["user"]["email"] == user.email
    assert Session.objects.using("default").get(pk=session.pk).expires_at == refreshed.expires_at
