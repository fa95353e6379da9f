"""The request path as one decision: which cookies each outcome writes, its query and cache-call
budgets, and the regressions the old flags hid (pinned expiry, lost refresh race)."""

from __future__ import annotations

import ast
import logging
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

import django_authsession
from django_authsession import cookies, revocation, security, sessions
from django_authsession.conf import app_settings
from django_authsession.models import Session
from django_authsession.state import get_state
from django_authsession.tokens import sign_cookie_value, storage_key
from django_authsession.wire import cookie_cache
from tests.factories import UserFactory, create_session
from tests.helpers import NULL_ANSWER, origin_client, set_value, sign_in, signed_in_token

URL = "/api/auth/session"
# The installed package (the sdist's tests run against an installed copy, not a source tree).
PACKAGE = Path(django_authsession.__file__).resolve().parent
pytestmark = pytest.mark.django_db


def data_cookie(response: Any) -> str | None:
    return set_value(response, cookies.data_cookie_name())


# --------------------------------------------------------------------------------------------
# Regressions: a refresh that does not happen must still leave a cookie cache behind


def test_pinned_expiry_is_served_from_the_cookie_cache(
    settings, signed_in, django_assert_num_queries
) -> None:
    """AUTHSESSION_ABSOLUTE_MAX_AGE pins the expiry: no refresh can move it, so the database
    answer writes session_data and the next request is a cache hit."""
    settings.AUTHSESSION_ABSOLUTE_MAX_AGE = 3 * 24 * 3600
    client, session, _ = signed_in
    Session.objects.filter(pk=session.pk).update(expires_at=session.created_at + timedelta(days=3))
    with time_machine.travel(session.created_at + timedelta(days=2), tick=False):
        response = client.get(URL)
        assert response.json()["user"] is not None
        assert data_cookie(response) is not None
        with django_assert_num_queries(0):
            assert client.get(URL).json()["session"]["token"] == signed_in[2]


def test_lost_refresh_race_still_writes_the_cookie_cache(
    monkeypatch, signed_in, django_assert_num_queries
) -> None:
    """Another request refreshes the row between our read and our conditional update: ours
    updates nothing, answers from the database, and must still write session_data."""
    client, session, _ = signed_in
    moment = session.created_at + timedelta(days=1, seconds=5)
    original = sessions.SESSION_BY_TOKEN.first
    raced: list[bool] = []

    def read_then_lose_the_race(value: Any, using: str) -> Any:
        row = original(value, using)
        if not raced:
            raced.append(True)
            Session.objects.filter(pk=session.pk).update(
                expires_at=moment + timedelta(days=7), updated_at=moment
            )
        return row

    monkeypatch.setattr(sessions.SESSION_BY_TOKEN, "first", read_then_lose_the_race)
    with time_machine.travel(moment, tick=False):
        response = client.get(URL)
        assert raced and response.json()["user"] is not None
        assert set_value(response, cookies.token_cookie_name()) is None  # we did not refresh
        assert data_cookie(response) is not None
        with django_assert_num_queries(0):
            assert client.get(URL).json()["user"] is not None


# --------------------------------------------------------------------------------------------
# Cookie writes as Better Auth's


def test_database_answer_with_disable_refresh_writes_no_cookie_cache(signed_in) -> None:
    client, _, _ = signed_in
    response = client.get(URL, {"disableCookieCache": "true", "disableRefresh": "true"})
    assert response.json()["user"] is not None
    assert not response.cookies


def test_disable_refresh_with_a_valid_cache_leaves_it_alone(client, user) -> None:
    signed_in_token(client, user.email)
    response = client.get(URL, {"disableCookieCache": "true", "disableRefresh": "true"})
    assert response.json()["user"] is not None
    assert not response.cookies  # neither rewritten nor cleared


def test_dont_remember_session_gets_no_cookie_cache_from_the_database(client, user) -> None:
    response = sign_in(client, user.email, "correct-horse-battery", rememberMe=False)
    assert data_cookie(response) is not None  # sign-in writes one, as Better Auth's does
    with time_machine.travel(timedelta(seconds=61)):
        response = client.get(URL)
    assert response.json()["user"]["email"] == user.email
    assert data_cookie(response) is None


# --------------------------------------------------------------------------------------------
# Budgets: hit 0 SQL and 1 cache call (rate limiting on), miss 1 SQL, refresh 2


def test_budgets_with_rate_limiting_on(
    client, user, cache_calls, django_assert_num_queries
) -> None:
    assert app_settings.DEFAULT_RATE_LIMIT is not None
    signed_in_token(client, user.email)
    cache_calls.clear()
    with django_assert_num_queries(0):
        assert client.get(URL).json()["user"] is not None
    assert cache_calls == Counter({"get_many": 1})  # the revocation marks, nothing else
    cache_calls.clear()
    with django_assert_num_queries(1):
        client.get(URL, {"disableCookieCache": "true"})
    assert sum(cache_calls.values()) == 0
    with (
        time_machine.travel(timedelta(days=1, seconds=1)),
        django_assert_num_queries(2),
    ):
        response = client.get(URL)
    assert set_value(response, cookies.token_cookie_name()) is not None


# --------------------------------------------------------------------------------------------
# The cookie cache is stamped when the session was read


def test_cookie_cache_is_stamped_with_the_read_time_not_the_write_time(user) -> None:
    """A slow view: the session is read, then revoked, then the response is written. The
    cache written must be older than the revocation, so the next request refuses it."""
    session, token = create_session(user)
    request = RequestFactory().get(URL)
    request.COOKIES[cookies.token_cookie_name()] = sign_cookie_value(token)
    with time_machine.travel("2026-06-01 12:00:00", tick=False) as traveller:
        state = get_state(request)
        assert state.get() is not None
        read_ms = int(time.time() * 1000)
        traveller.shift(5)
        revocation.mark_user(user.pk)  # sign-out everywhere, during the view
        traveller.shift(5)
        response = HttpResponse()
        state.apply(response)
        written = data_cookie(response)
        assert written is not None
        cached = cookie_cache.decode_session_data(
            written, app_settings.SECRETS, now_ms=int(time.time() * 1000)
        )
        assert cached is not None and cached.updated_at_ms == read_ms
        client = origin_client()
        client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
        client.cookies[cookies.data_cookie_name()] = written
        Session.objects.filter(pk=session.pk).delete()
        assert client.get(URL).json() == NULL_ANSWER


def test_a_request_slower_than_the_mark_writes_no_usable_cookie_cache(user) -> None:
    """The session is read, signed out elsewhere (row deleted, mark written), and the response
    is written after the mark has gone (it lives cache-age + 60 s): the cache the slow request
    writes is as old as its read, so it has expired and the next request asks the database."""
    _, token = create_session(user)
    request = RequestFactory().get(URL)
    request.COOKIES[cookies.token_cookie_name()] = sign_cookie_value(token)
    with time_machine.travel("2026-06-01 12:00:00", tick=False) as traveller:
        state = get_state(request)
        assert state.get() is not None
        traveller.shift(1)
        sessions.revoke_token(token)
        traveller.shift(app_settings.COOKIE_CACHE_MAX_AGE + revocation.MARK_MARGIN_SECONDS + 5)
        caches[app_settings.REVOCATION_CACHE].clear()  # what every store has done by now
        response = HttpResponse()
        state.apply(response)
        client = origin_client()
        client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
        written = data_cookie(response)
        assert written is not None
        client.cookies[cookies.data_cookie_name()] = written
        assert client.get(URL).json() == NULL_ANSWER


# --------------------------------------------------------------------------------------------
# The database path's precompiled query is the ORM's


def test_compiled_query_runs_the_orms_sql_and_builds_the_same_objects(user) -> None:
    _, token = create_session(user)
    stored = storage_key(token)
    alias = connection.alias
    queryset = sessions.SESSION_BY_TOKEN.queryset(stored, alias)
    orm_sql, orm_params = queryset.query.get_compiler(using=alias).as_sql()
    assert sessions.SESSION_BY_TOKEN.sql(stored, alias) == (orm_sql, tuple(orm_params))
    ours = sessions.SESSION_BY_TOKEN.first(stored, alias)
    theirs = queryset.get()
    assert type(ours) is type(theirs) and ours._state.db == theirs._state.db == alias
    assert not ours._state.adding
    for field in Session._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
    assert type(ours.user) is type(theirs.user)
    for field in type(theirs.user)._meta.concrete_fields:
        assert getattr(ours.user, field.attname) == getattr(theirs.user, field.attname)
    assert sessions.SESSION_BY_TOKEN.first(storage_key("unknown"), alias) is None


def test_resolve_from_db_takes_a_database_alias(user, django_assert_num_queries) -> None:
    _, token = create_session(user)
    with django_assert_num_queries(1):
        resolved = sessions.resolve_from_db(token, using="default")
    assert resolved is not None and resolved.session.user.pk == user.pk


def test_compiled_query_sees_every_user_of_any_model(django_assert_num_queries) -> None:
    users = UserFactory.create_batch(3)
    tokens = [create_session(u)[1] for u in users]
    for user, token in zip(users, tokens, strict=True):
        with django_assert_num_queries(1):
            resolved = sessions.resolve_from_db(token)
        assert resolved is not None
        assert resolved.session.user == user
        assert resolved.session.user.get_username() == user.get_username()


# --------------------------------------------------------------------------------------------
# Import direction


def _module_imports(path: Path, package: str) -> set[str]:
    """Modules imported at module level (not inside functions, not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    module = f"{base}.{node.module}" if node.module else base
                    if node.module is None:
                        found.update(f"{base}.{alias.name}" for alias in node.names)
                else:
                    module = node.module or ""
                found.add(module)
                if node.module is not None:
                    found.update(f"{module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body + node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body + node.orelse + node.finalbody)

    visit(tree.body)
    return found


def _our_module_path(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] != "django_authsession":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def import_graph(root: str) -> set[str]:
    """Every module reached from ``root`` through module-level imports."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _our_module_path(name)
        if path is None:
            continue
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo.extend(_module_imports(path, package))
        if "." in name:  # importing a.b runs a/__init__.py first
            todo.append(name.rsplit(".", 1)[0])
    return seen


def test_wire_imports_nothing_of_ours_and_no_drf() -> None:
    for path in sorted((PACKAGE / "wire").glob("*.py")):
        name = f"django_authsession.wire.{path.stem}".removesuffix(".__init__")
        reached = import_graph(name)
        ours = {m for m in reached if m.startswith("django_authsession.")}
        assert ours <= {m for m in ours if m.startswith("django_authsession.wire")}, (name, ours)
        assert not any(m.split(".")[0] == "rest_framework" for m in reached), name


def test_middleware_import_graph_has_no_drf() -> None:
    reached = import_graph("django_authsession.middleware")
    assert "django_authsession.state" in reached  # the graph is followed
    assert not any(m.split(".")[0] == "rest_framework" for m in reached), sorted(
        m for m in reached if m.startswith("django_authsession")
    )


def test_the_import_graph_check_can_fail() -> None:
    assert any(
        m.split(".")[0] == "rest_framework" for m in import_graph("django_authsession.views")
    )


# --------------------------------------------------------------------------------------------
# Security events, never with a token


def _events(caplog: Any, event: str) -> list[Any]:
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def test_forged_token_signature_is_logged_without_the_token(client, db, caplog) -> None:
    caplog.set_level(logging.WARNING, logger=security.logger.name)
    forged = sign_cookie_value("t" * 32, secret="not-our-secret-0123456789-abcdefghijklmnop")
    client.cookies[cookies.token_cookie_name()] = forged
    assert client.get(URL).json() == NULL_ANSWER
    (record,) = _events(caplog, security.FORGED_SIGNATURE)
    assert "t" * 32 not in record.getMessage() and forged not in record.getMessage()


def test_replay_of_a_revoked_session_is_logged(client, user, caplog) -> None:
    caplog.set_level(logging.WARNING, logger=security.logger.name)
    token = signed_in_token(client, user.email)
    sessions.revoke_token(token)  # elsewhere: the browser still holds a warm cookie cache
    assert client.get(URL).json() == NULL_ANSWER
    (record,) = _events(caplog, security.REVOKED_REPLAY)
    assert token not in record.getMessage()


def test_remembered_verification_follows_the_secrets(settings, client, user) -> None:
    """Verified cookies are remembered per worker, keyed with the secrets: rotating the secret
    away (no fallback) refuses the same cookies at once."""
    signed_in_token(client, user.email)
    assert client.get(URL).json()["user"] is not None
    settings.AUTHSESSION_SECRET = "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
    settings.AUTHSESSION_SECRET_FALLBACKS = []
    assert client.get(URL).json() == NULL_ANSWER
